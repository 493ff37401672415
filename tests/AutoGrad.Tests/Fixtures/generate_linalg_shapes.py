#!/usr/bin/python3
"""PyTorch reference values for the issue-3 linear-algebra products, norms and shape ops.

/usr/bin/python3 generate_linalg_shapes.py > linalg_shapes.json

Norms use torch.linalg.vector_norm. The norm_*_at_zero cases pin PyTorch 1.13's gradient where the norm is not
differentiable (0 for every p where the whole reduced group is 0; sign(0) = 0 for p = 1 and p = inf elsewhere).
Split returns several tensors; each case joins the chunks back with chunk i scaled by i + 1, so every chunk's
gradient is compared.
"""
import torch
import torch.nn.functional as F
from torchcases import Cases

INF = float("inf")
c = Cases(seed=3)


def norm(p, dim=None, keepdim=False):
    return lambda x: torch.linalg.vector_norm(x, ord=p, dim=dim, keepdim=keepdim)


def weighted(chunks, dim):
    return torch.cat([t * (i + 1) for i, t in enumerate(chunks)], dim)


# Products
c.add("dot", torch.dot, [c.randn(5), c.randn(5)])
c.add("dot_size_one", torch.dot, [c.randn(1), c.randn(1)])
c.add("dot_empty", torch.dot, [c.randn(0), c.randn(0)])
c.add("dot_large", torch.dot, [c.randn(6, scale=1e3), c.randn(6, scale=1e3)])
c.add("outer", torch.outer, [c.randn(3), c.randn(4)])
c.add("outer_size_one", torch.outer, [c.randn(1), c.randn(4)])
c.add("outer_empty", torch.outer, [c.randn(0), c.randn(3)])
c.add("trace_square", torch.trace, [c.randn(4, 4)])
c.add("trace_wide", torch.trace, [c.randn(2, 5)])
# torch.trace's backward in PyTorch 1.13 is wrong for tall matrices: it marks every (rows + 1)-th element instead of
# every (columns + 1)-th, so the gradient of the trace of a 5x3 matrix includes x[4, 0]. The reference for the tall
# case is therefore diagonal().sum(), whose value is the same and whose gradient is right.
c.add("trace_tall", lambda x: torch.diagonal(x).sum(), [c.randn(5, 3)])
c.add("trace_one", torch.trace, [c.randn(1, 1)])
c.add("trace_empty", torch.trace, [c.randn(0, 3)])

# Norms over all elements
c.add("norm_l2", norm(2), [c.randn(3, 4)])
c.add("norm_l1", norm(1), [c.randn(3, 4)])
c.add("norm_p3", norm(3), [c.randn(3, 4)])
c.add("norm_p1_5", norm(1.5), [c.randn(3, 4)])
c.add("norm_p4", norm(4), [c.randn(2, 3)])
c.add("norm_inf", norm(INF), [c.randn(3, 4)])
c.add("norm_l2_scalar", norm(2), [c.randn(())])
c.add("norm_l2_size_one", norm(2), [c.randn(1)])
c.add("norm_l2_empty", norm(2), [c.randn(0)])
c.add("norm_l2_large", norm(2), [c.randn(6, scale=1e3)])
c.add("norm_p3_large", norm(3), [c.randn(6, scale=1e3)])
c.add("norm_inf_large", norm(INF), [c.randn(6, scale=1e3)])
c.add("norm_inf_ties", norm(INF), [torch.tensor([1.0, -2.0, 2.0, 0.5])])

# Norms along an axis
c.add("norm_l2_axis1", norm(2, dim=1), [c.randn(3, 4)])
c.add("norm_l1_axis0_keepdim", norm(1, dim=0, keepdim=True), [c.randn(3, 4)])
c.add("norm_p3_axis_last_keepdim", norm(3, dim=-1, keepdim=True), [c.randn(2, 3, 4)])
c.add("norm_p1_5_axis1", norm(1.5, dim=1), [c.randn(2, 3, 4)])
c.add("norm_inf_axis0", norm(INF, dim=0), [c.randn(3, 4)])
c.add("norm_l2_axis_size_one", norm(2, dim=0), [c.randn(1, 4)])
c.add("norm_l2_axis_empty_result", norm(2, dim=1), [c.randn(0, 3)])
c.add("norm_l2_axis_empty_reduced", norm(2, dim=0), [c.randn(0, 3)])

# Gradients at zero (the norm's kink): PyTorch defines them as 0
for name, p in [("l1", 1), ("l2", 2), ("p3", 3), ("p1_5", 1.5), ("inf", INF)]:
    c.add(f"norm_{name}_at_zero", norm(p), [torch.zeros(3)])
    c.add(f"norm_{name}_axis_at_zero", norm(p, dim=1), [torch.cat([torch.zeros(1, 3), c.randn(2, 3)])])
    c.add(f"norm_{name}_element_at_zero", norm(p), [torch.tensor([0.0, 1.0, -2.0])])

# Flatten, Squeeze, Unsqueeze, Expand
c.add("flatten", torch.flatten, [c.randn(2, 3, 4)])
c.add("flatten_middle", lambda x: torch.flatten(x, 1, 2), [c.randn(2, 3, 4, 5)])
c.add("flatten_last_two", lambda x: torch.flatten(x, -2, -1), [c.randn(2, 3, 4)])
c.add("flatten_scalar", torch.flatten, [c.randn(())])
c.add("flatten_empty", lambda x: torch.flatten(x, 0, 1), [c.randn(2, 0, 3)])
c.add("squeeze", torch.squeeze, [c.randn(1, 3, 1, 2)])
c.add("squeeze_to_scalar", torch.squeeze, [c.randn(1, 1)])
c.add("squeeze_axis", lambda x: x.squeeze(1), [c.randn(3, 1, 2)])
c.add("squeeze_axis_last", lambda x: x.squeeze(-1), [c.randn(3, 2, 1)])
c.add("unsqueeze_first", lambda x: x.unsqueeze(0), [c.randn(2, 3)])
c.add("unsqueeze_middle", lambda x: x.unsqueeze(1), [c.randn(2, 3)])
c.add("unsqueeze_last", lambda x: x.unsqueeze(-1), [c.randn(2, 3)])
c.add("unsqueeze_scalar", lambda x: x.unsqueeze(0), [c.randn(())])
c.add("expand", lambda x: x.expand(2, -1, 4), [c.randn(3, 1)])
c.add("expand_keep_all", lambda x: x.expand(-1, -1), [c.randn(2, 3)])
c.add("expand_scalar", lambda x: x.expand(2, 3), [c.randn(())])
c.add("expand_to_empty", lambda x: x.expand(0, 3), [c.randn(1, 3)])

# Concat and Stack
c.add("concat_axis0", lambda a, b, d: torch.cat([a, b, d], 0), [c.randn(2, 3), c.randn(1, 3), c.randn(4, 3)])
c.add("concat_axis1", lambda a, b: torch.cat([a, b], 1), [c.randn(2, 3, 2), c.randn(2, 1, 2)])
c.add("concat_axis_last", lambda a, b: torch.cat([a, b], -1), [c.randn(2, 3, 2), c.randn(2, 3, 4)])
c.add("concat_with_empty", lambda a, b: torch.cat([a, b], 1), [c.randn(2, 0), c.randn(2, 3)])
c.add("concat_vectors", lambda a, b: torch.cat([a, b]), [c.randn(3), c.randn(2)])
c.add("concat_same_input", lambda a: torch.cat([a, a * 2, a], 0), [c.randn(2, 2)])
c.add("stack_axis0", lambda a, b: torch.stack([a, b], 0), [c.randn(2, 3), c.randn(2, 3)])
c.add("stack_axis1", lambda a, b, d: torch.stack([a, b, d], 1), [c.randn(2, 3), c.randn(2, 3), c.randn(2, 3)])
c.add("stack_axis_last", lambda a, b: torch.stack([a, b], -1), [c.randn(2, 3), c.randn(2, 3)])
c.add("stack_scalars", lambda a, b, d: torch.stack([a, b, d]), [c.randn(()), c.randn(()), c.randn(())])
c.add("stack_empty", lambda a, b: torch.stack([a, b], 1), [c.randn(0, 2), c.randn(0, 2)])

# Split
c.add("split_size", lambda x: weighted(torch.split(x, 2, 0), 0), [c.randn(5, 2)])
c.add("split_size_exact", lambda x: weighted(torch.split(x, 2, 1), 1), [c.randn(2, 4)])
c.add("split_size_larger", lambda x: weighted(torch.split(x, 7, -1), -1), [c.randn(2, 3)])
c.add("split_sizes", lambda x: weighted(torch.split(x, [1, 0, 3], 0), 0), [c.randn(4, 3)])
c.add("split_sizes_last", lambda x: weighted(torch.split(x, [2, 2], -1), -1), [c.randn(3, 2, 4)])

# Pad (F.pad, constant mode: pairs from the last axis backwards)
c.add("pad_last", lambda x: F.pad(x, [1, 2]), [c.randn(2, 3)])
c.add("pad_two_axes_value", lambda x: F.pad(x, [1, 2, 0, 1], value=5.0), [c.randn(2, 3)])
c.add("pad_three_axes", lambda x: F.pad(x, [1, 1, 2, 0, 0, 1]), [c.randn(2, 2, 3)])
c.add("pad_zero_pair", lambda x: F.pad(x, [0, 0, 1, 0], value=-1.5), [c.randn(2, 3)])
c.add("pad_vector", lambda x: F.pad(x, [3, 0]), [c.randn(4)])
c.add("pad_empty", lambda x: F.pad(x, [1, 1, 1, 1], value=2.0), [c.randn(0, 3)])
c.dump()
