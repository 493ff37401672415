#!/usr/bin/python3
"""PyTorch reference values for the indexing (IndexSelect, Gather, ScatterAdd, MaskedSelect, OneHot) and cumulative
(CumSum, Flip, Prod, ArgMax/ArgMin) ops of issue 3.

/usr/bin/python3 generate_indexing_cumulative.py > indexing_cumulative.json

Integer arguments go through indices= (they arrive in C# as Indices[]); boolean masks are recorded as 0/1 integers.
ArgMax/ArgMin outputs are integer tensors, recorded (as doubles) without a seed or gradients. JSON has no NaN, so the
NaN cases put NaN in inside the op with torch.where.
"""
import torch
import torch.nn.functional as F
from torchcases import Cases

c = Cases(seed=3)


def idx(*values):
    return torch.tensor(values, dtype=torch.long)


def ties(*shape):
    """Values rounded to halves, so ties are common."""
    return torch.round(c.randn(*shape) * 2) / 2


# IndexSelect: repeated positions accumulate in the gradient.
c.add("index_select_axis0", lambda x, i: x.index_select(0, i), [c.randn(4, 3)], indices=[idx(3, 0, 3, 1)])
c.add("index_select_axis_last_3d", lambda x, i: x.index_select(-1, i), [c.randn(2, 3, 5)], indices=[idx(4, 4, 0, 2, 4)])
c.add("index_select_middle_axis", lambda x, i: x.index_select(1, i), [c.randn(2, 4, 3)], indices=[idx(1, 3)])
c.add("index_select_size_one", lambda x, i: x.index_select(0, i), [c.randn(1, 4)], indices=[idx(0, 0, 0)])
c.add("index_select_empty_index", lambda x, i: x.index_select(0, i), [c.randn(3, 2)], indices=[torch.zeros(0, dtype=torch.long)])

# Gather: the output has the index's shape; the index may be smaller than the input off the gather axis.
c.add("gather_axis0", lambda x, i: torch.gather(x, 0, i), [c.randn(3, 4)], indices=[c.randint(3, 5, 4)])
c.add("gather_axis1_smaller_index", lambda x, i: torch.gather(x, 1, i), [c.randn(3, 5)], indices=[c.randint(5, 2, 7)])
c.add("gather_3d_axis1", lambda x, i: torch.gather(x, 1, i), [c.randn(2, 3, 4)], indices=[c.randint(3, 2, 5, 4)])
c.add("gather_3d_axis_last", lambda x, i: torch.gather(x, -1, i), [c.randn(2, 3, 4)], indices=[c.randint(4, 2, 2, 6)])
c.add("gather_empty_index", lambda x, i: torch.gather(x, 1, i), [c.randn(3, 4)], indices=[torch.zeros(3, 0, dtype=torch.long)])

# ScatterAdd (out of place): self gets grad, source gets grad.gather(axis, index).
c.add("scatter_add_axis0", lambda s, src, i: s.scatter_add(0, i, src), [c.randn(3, 4), c.randn(5, 4)], indices=[c.randint(3, 5, 4)])


def scatter_add_block(s, src, i):
    """PyTorch 1.13 uses only the leading block of a larger source in the forward pass but cannot differentiate with
    respect to it (ScatterAddBackward0 returns a gradient of the index's shape). AutoGrad slices the block, so its
    gradient is zero on the unused part; slicing explicitly here gives PyTorch that gradient, and the assertion
    shows the values are those of the unsliced call."""
    block = src[tuple(slice(0, n) for n in i.shape)]
    y = s.scatter_add(1, i, block)
    assert torch.equal(y, s.detach().scatter_add(1, i, src.detach()))
    return y


c.add("scatter_add_axis1_larger_source", scatter_add_block, [c.randn(2, 3), c.randn(3, 6)], indices=[c.randint(3, 2, 4)])
c.add("scatter_add_3d_axis_last", lambda s, src, i: s.scatter_add(-1, i, src), [c.randn(2, 3, 2), c.randn(2, 3, 5)], indices=[c.randint(2, 2, 3, 5)])

# MaskedSelect: the mask and the input broadcast together.
c.add("masked_select", lambda x, m: x.masked_select(m.bool()), [c.randn(3, 4)], indices=[c.randint(2, 3, 4)])
c.add("masked_select_broadcast_mask", lambda x, m: x.masked_select(m.bool()), [c.randn(2, 3, 4)], indices=[idx(1, 0, 1, 1)])
c.add("masked_select_broadcast_input", lambda x, m: x.masked_select(m.bool()), [c.randn(4)], indices=[c.randint(2, 3, 4)])
c.add("masked_select_none", lambda x, m: x.masked_select(m.bool()), [c.randn(2, 3)], indices=[torch.zeros(2, 3, dtype=torch.long)])

# OneHot: a constant.
c.add("one_hot", lambda i: F.one_hot(i, 4), [], indices=[idx(0, 3, 1, 1, 2, 0).reshape(2, 3)])
c.add("one_hot_vector", lambda i: F.one_hot(i, 3), [], indices=[idx(2, 0)])

# CumSum and Flip.
c.add("cumsum_axis0", lambda x: torch.cumsum(x, 0), [c.randn(4, 3)])
c.add("cumsum_axis_last_3d", lambda x: torch.cumsum(x, -1), [c.randn(2, 3, 5)])
c.add("cumsum_middle_axis_large", lambda x: torch.cumsum(x, 1), [c.randn(2, 6, 3, scale=1e3)])
c.add("cumsum_size_one", lambda x: torch.cumsum(x, 0), [c.randn(1, 3)])
c.add("cumsum_empty", lambda x: torch.cumsum(x, 1), [c.randn(3, 0)])
c.add("flip_axis0", lambda x: torch.flip(x, [0]), [c.randn(3, 4)])
c.add("flip_axis_last_3d", lambda x: torch.flip(x, [-1]), [c.randn(2, 3, 5)])

# Prod: with and without zeros, along axes, empty.
c.add("prod_all", lambda x: x.prod(), [c.randn(7)])
c.add("prod_all_3d", lambda x: x.prod(), [c.rand(2, 3, 4, low=0.5, high=1.5)])
c.add("prod_axis1", lambda x: x.prod(1), [c.randn(3, 5)])
c.add("prod_axis0_keepdim", lambda x: x.prod(0, keepdim=True), [c.randn(5, 3)])
c.add("prod_axis_last_3d", lambda x: x.prod(-1), [c.randn(2, 3, 9)])
c.add("prod_one_zero", lambda x: x.prod(), [torch.tensor([1.5, -2.0, 0.0, 0.7, 3.0])])
c.add("prod_zeros_along_axis", lambda x: x.prod(1), [torch.tensor([[1.5, 0.0, 2.0, -0.5], [0.0, 3.0, 0.0, 2.0], [0.0, 0.0, 1.0, 4.0], [1.0, 2.0, 3.0, 4.0]])])
c.add("prod_size_one", lambda x: x.prod(0), [c.randn(1, 4)])
c.add("prod_empty", lambda x: x.prod(), [c.randn(0)])
c.add("prod_empty_axis", lambda x: x.prod(1), [c.randn(3, 0)])
c.add("prod_large", lambda x: x.prod(), [c.randn(6, scale=1e3)])

# ArgMax / ArgMin: first occurrence on ties; NaN counts as the extremum in both.
c.add("argmax_flat_ties", lambda x: x.argmax(), [torch.tensor([[1.0, 3.0, 2.0], [3.0, 0.0, 3.0]])])
c.add("argmin_flat_ties", lambda x: x.argmin(), [torch.tensor([[1.0, 3.0, -2.0], [3.0, -2.0, 0.0]])])
c.add("argmax_axis1", lambda x: x.argmax(1), [ties(4, 5)])
c.add("argmax_axis0_keepdim", lambda x: x.argmax(0, keepdim=True), [ties(5, 3)])
c.add("argmin_axis_last_3d", lambda x: x.argmin(-1), [ties(2, 3, 4)])
c.add("argmin_axis1_keepdim", lambda x: x.argmin(1, keepdim=True), [ties(2, 6, 3)])
c.add("argmax_nan", lambda x: torch.where(x > 1.0, float("nan"), x).argmax(), [torch.tensor([0.5, 2.0, 0.9, 3.0])])
c.add("argmin_nan", lambda x: torch.where(x > 1.0, float("nan"), x).argmin(), [torch.tensor([0.5, -1.0, 2.0, 3.0])])
c.add("argmax_nan_axis1", lambda x: torch.where(x > 1.0, float("nan"), x).argmax(1), [torch.tensor([[0.5, 2.0, 0.9], [0.1, 0.3, 0.2], [0.0, 0.4, 1.5]])])
c.dump()
