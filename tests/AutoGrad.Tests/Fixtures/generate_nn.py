#!/usr/bin/python3
"""PyTorch reference values for the neural-net building ops (AutoGrad's NN class): convolutions, pools, dropout,
layer and batch normalization.

/usr/bin/python3 generate_nn.py > nn.json

Running statistics are not differentiable inputs: cases that need them take them as inputs (so their values are
recorded) and detach a copy inside the op, so PyTorch records no gradient for them. The "batch_norm_running_stats"
case returns the running buffers after two training steps instead of a differentiable output.
"""
import torch
import torch.nn.functional as F
from torchcases import Cases

c = Cases(seed=3)

# Conv2d: every option, groups > 1, 1×1 kernels, size-1 and empty batches, unbatched input.
c.add("conv2d_basic", F.conv2d, [c.randn(2, 3, 5, 5), c.randn(4, 3, 3, 3), c.randn(4)])
c.add("conv2d_no_bias", F.conv2d, [c.randn(2, 3, 5, 5), c.randn(4, 3, 3, 3)])
c.add("conv2d_stride", lambda x, w, b: F.conv2d(x, w, b, stride=2), [c.randn(2, 2, 6, 5), c.randn(3, 2, 3, 2), c.randn(3)])
c.add("conv2d_padding", lambda x, w, b: F.conv2d(x, w, b, padding=1), [c.randn(2, 2, 4, 4), c.randn(3, 2, 3, 3), c.randn(3)])
c.add("conv2d_dilation", lambda x, w: F.conv2d(x, w, dilation=2), [c.randn(1, 2, 6, 6), c.randn(3, 2, 2, 3)])
c.add("conv2d_all_options", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
      [c.randn(2, 2, 6, 7), c.randn(3, 2, 2, 3), c.randn(3)])
c.add("conv2d_groups", lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2), [c.randn(2, 4, 5, 5), c.randn(6, 2, 3, 3), c.randn(6)])
c.add("conv2d_depthwise", lambda x, w: F.conv2d(x, w, stride=2, groups=3), [c.randn(2, 3, 5, 5), c.randn(3, 1, 2, 2)])
c.add("conv2d_groups_all_options", lambda x, w, b: F.conv2d(x, w, b, stride=(1, 2), padding=(2, 1), dilation=(1, 2), groups=2),
      [c.randn(2, 4, 4, 6), c.randn(4, 2, 3, 2), c.randn(4)])
c.add("conv2d_1x1", F.conv2d, [c.randn(2, 3, 4, 3), c.randn(5, 3, 1, 1), c.randn(5)])
c.add("conv2d_1x1_stride", lambda x, w: F.conv2d(x, w, stride=2), [c.randn(1, 2, 5, 5), c.randn(3, 2, 1, 1)])
c.add("conv2d_batch_1", F.conv2d, [c.randn(1, 2, 4, 4), c.randn(3, 2, 2, 2), c.randn(3)])
c.add("conv2d_empty_batch", lambda x, w, b: F.conv2d(x, w, b, padding=1), [c.randn(0, 3, 4, 4), c.randn(2, 3, 3, 3), c.randn(2)])
c.add("conv2d_unbatched", lambda x, w, b: F.conv2d(x, w, b, padding=1), [c.randn(3, 4, 5), c.randn(2, 3, 3, 3), c.randn(2)])
c.add("conv2d_kernel_fills_input", F.conv2d, [c.randn(2, 2, 3, 3), c.randn(4, 2, 3, 3), c.randn(4)])

# Conv1d.
c.add("conv1d_basic", F.conv1d, [c.randn(2, 3, 7), c.randn(4, 3, 3), c.randn(4)])
c.add("conv1d_all_options", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=2, dilation=2, groups=2),
      [c.randn(2, 4, 9), c.randn(6, 2, 3), c.randn(6)])
c.add("conv1d_1x1", F.conv1d, [c.randn(2, 3, 5), c.randn(2, 3, 1)])
c.add("conv1d_batch_1", lambda x, w: F.conv1d(x, w, padding=1), [c.randn(1, 2, 4), c.randn(3, 2, 3)])
c.add("conv1d_empty_batch", F.conv1d, [c.randn(0, 2, 5), c.randn(3, 2, 2), c.randn(3)])
c.add("conv1d_unbatched", lambda x, w, b: F.conv1d(x, w, b, stride=2), [c.randn(3, 8), c.randn(2, 3, 3), c.randn(2)])

# MaxPool2d. "ties" uses small integers, so many windows hold equal maxima: PyTorch gives the gradient to the first.
c.add("max_pool2d_basic", lambda x: F.max_pool2d(x, 2), [c.randn(2, 3, 4, 4)])
c.add("max_pool2d_stride_padding", lambda x: F.max_pool2d(x, 3, stride=2, padding=1), [c.randn(2, 2, 5, 5)])
c.add("max_pool2d_overlapping", lambda x: F.max_pool2d(x, 3, stride=1), [c.randn(1, 2, 5, 5)])
c.add("max_pool2d_dilation", lambda x: F.max_pool2d(x, 2, stride=1, dilation=2), [c.randn(1, 2, 5, 6)])
c.add("max_pool2d_rect", lambda x: F.max_pool2d(x, (2, 3), stride=(1, 2), padding=(1, 1)), [c.randn(2, 2, 4, 5)])
c.add("max_pool2d_ties", lambda x: F.max_pool2d(x, 2, stride=1, padding=1), [c.randint(3, 2, 2, 4, 4).double()])
c.add("max_pool2d_negative_padding_ties", lambda x: F.max_pool2d(x, 3, stride=2, padding=1), [-c.rand(1, 1, 5, 5) - 1.0])
c.add("max_pool2d_unbatched", lambda x: F.max_pool2d(x, 2, stride=1), [c.randn(2, 3, 4)])
c.add("max_pool2d_empty_batch", lambda x: F.max_pool2d(x, 2), [c.randn(0, 2, 4, 4)])

# AvgPool2d.
c.add("avg_pool2d_basic", lambda x: F.avg_pool2d(x, 2), [c.randn(2, 3, 4, 4)])
c.add("avg_pool2d_padding_include", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), [c.randn(2, 2, 5, 5)])
c.add("avg_pool2d_padding_exclude", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False), [c.randn(2, 2, 5, 5)])
c.add("avg_pool2d_rect", lambda x: F.avg_pool2d(x, (2, 3), stride=(1, 2), padding=(1, 1), count_include_pad=False), [c.randn(1, 2, 4, 5)])
c.add("avg_pool2d_unbatched", lambda x: F.avg_pool2d(x, 2, stride=1), [c.randn(3, 3, 4)])

# LayerNorm (1e3-magnitude inputs: the centred two-pass variance keeps them accurate).
c.add("layer_norm_last", lambda x: F.layer_norm(x, (5,)), [c.randn(3, 5)])
c.add("layer_norm_affine", lambda x, w, b: F.layer_norm(x, (3, 4), w, b), [c.randn(2, 3, 4), c.randn(3, 4), c.randn(3, 4)])
c.add("layer_norm_weight_only", lambda x, w: F.layer_norm(x, (4,), w, eps=1e-3), [c.randn(2, 3, 4), c.randn(4)])
c.add("layer_norm_large_magnitude", lambda x, w, b: F.layer_norm(x, (6,), w, b), [c.randn(4, 6, scale=1e3, shift=1e3), c.randn(6), c.randn(6)])
c.add("layer_norm_offset", lambda x: F.layer_norm(x, (8,)), [c.randn(3, 8, shift=1e3)])


def bn(training, momentum=0.1, eps=1e-5):
    def f(x, rm, rv, *affine):
        return F.batch_norm(x, rm.detach().clone(), rv.detach().clone(), *affine, training=training, momentum=momentum, eps=eps)
    return f


# BatchNorm in training (batch statistics) and evaluation (running statistics).
c.add("batch_norm_train_4d", bn(True), [c.randn(3, 2, 3, 3), c.randn(2), c.rand(2, low=0.5, high=2.0), c.randn(2), c.randn(2)])
c.add("batch_norm_train_3d", bn(True, momentum=0.3, eps=1e-3), [c.randn(4, 3, 5), c.randn(3), c.rand(3, low=0.5, high=2.0), c.randn(3), c.randn(3)])
c.add("batch_norm_train_2d_no_stats", lambda x: F.batch_norm(x, None, None, training=True), [c.randn(5, 3)])
c.add("batch_norm_train_large_magnitude", bn(True), [c.randn(4, 2, 3, scale=1e3, shift=1e3), c.randn(2), c.rand(2, low=0.5, high=2.0), c.randn(2), c.randn(2)])
c.add("batch_norm_eval", bn(False), [c.randn(2, 3, 4, 4), c.randn(3), c.rand(3, low=0.5, high=2.0), c.randn(3), c.randn(3)])
c.add("batch_norm_eval_no_affine", bn(False), [c.randn(2, 3, 5), c.randn(3), c.rand(3, low=0.5, high=2.0)])


def running_stats(x1, x2, rm, rv):
    rm = rm.detach().clone()
    rv = rv.detach().clone()
    F.batch_norm(x1.detach(), rm, rv, training=True, momentum=0.2)
    F.batch_norm(x2.detach(), rm, rv, training=True, momentum=0.2)
    return torch.cat([rm, rv])


c.add("batch_norm_running_stats", running_stats, [c.randn(3, 2, 2, 2), c.randn(2, 2, 3), c.randn(2), c.rand(2, low=0.5, high=2.0)])

# Dropout: identity in evaluation and with p = 0 (training masks come from a different generator than PyTorch's).
c.add("dropout_eval", lambda x: F.dropout(x, 0.5, training=False), [c.randn(3, 4)])
c.add("dropout_p0_training", lambda x: F.dropout(x, 0.0, training=True), [c.randn(3, 4)])
c.dump()
