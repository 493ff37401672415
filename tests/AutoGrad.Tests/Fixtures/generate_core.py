#!/usr/bin/python3
"""PyTorch reference values for the issue-2 core ops that have no fixture elsewhere, and for MatMul.

/usr/bin/python3 generate_core.py > core.json
"""
import torch
from torchcases import Cases

c = Cases(seed=2)
c.add("matmul_1d_1d", torch.matmul, [c.randn(4), c.randn(4)])
c.add("matmul_2d_2d", torch.matmul, [c.randn(3, 4), c.randn(4, 5)])
c.add("matmul_1d_3d", torch.matmul, [c.randn(4), c.randn(2, 4, 3)])
c.add("matmul_3d_1d", torch.matmul, [c.randn(2, 3, 4), c.randn(4)])
c.add("matmul_batch_broadcast", torch.matmul, [c.randn(2, 1, 3, 4), c.randn(5, 4, 2)])
c.add("matmul_2d_batched", torch.matmul, [c.randn(3, 4), c.randn(2, 4, 5)])
c.add("matmul_size_one", torch.matmul, [c.randn(1, 1), c.randn(1, 6)])
c.add("matmul_empty_inner", torch.matmul, [c.randn(3, 0), c.randn(0, 2)])
c.add("matmul_empty_rows", torch.matmul, [c.randn(0, 3), c.randn(3, 2)])
c.add("matmul_empty_batch", torch.matmul, [c.randn(0, 2, 3), c.randn(3, 4)])
c.add("matmul_empty_columns", torch.matmul, [c.randn(2, 3), c.randn(3, 0)])
c.add("permute", lambda x: x.permute(2, 0, 1), [c.randn(2, 3, 4)])
c.add("transpose", lambda x: x.transpose(-2, -1), [c.randn(2, 3, 4)])
c.add("broadcast_arithmetic", lambda a, b: (a * b - b / (a.abs() + 1)) ** 2, [c.randn(2, 1, 3), c.randn(4, 1)])
c.add("pow_tensor", torch.pow, [c.rand(2, 3, low=0.5, high=2.0), c.randn(3)])
c.add("logsumexp_axis", lambda x: torch.logsumexp(x, dim=1), [c.randn(3, 4, 2, scale=30.0)])
c.add("mean_axis_keepdim", lambda x: x.mean(dim=0, keepdim=True), [c.randn(3, 4)])
c.add("gelu", torch.nn.functional.gelu, [c.randn(10, scale=2.0)])
c.add("softplus", torch.nn.functional.softplus, [c.randn(10, scale=5.0)])
c.add("elu", lambda x: torch.nn.functional.elu(x, 0.7), [c.randn(10)])
c.add("index_slices", lambda x: x[1:, ::2] * 3, [c.randn(3, 5)])
c.dump()
