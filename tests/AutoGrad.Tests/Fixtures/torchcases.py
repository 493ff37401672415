"""Shared recorder for PyTorch reference fixtures (imported by the generate_*.py scripts beside it).

Each case records the float64 inputs, any integer index inputs, the op's output, a seeded random seed
tensor w of the output's shape, and the gradients of sum(w * output) with respect to every float input,
so one backward pass in AutoGrad (output.Backward(w)) is compared with PyTorch's.
Run the generators with Debian's PyTorch: /usr/bin/python3 generate_<family>.py > <family>.json
"""
import json
import sys

import torch

torch.set_default_dtype(torch.float64)


def _tensor(t):
    return {"shape": list(t.shape), "values": t.detach().reshape(-1).tolist()}


class Cases:
    def __init__(self, seed):
        self._generator = torch.Generator().manual_seed(seed)
        self._cases = []
        self._names = set()

    def randn(self, *shape, scale=1.0, shift=0.0):
        return torch.randn(*shape, generator=self._generator) * scale + shift

    def rand(self, *shape, low=0.0, high=1.0):
        return torch.rand(*shape, generator=self._generator) * (high - low) + low

    def randint(self, high, *shape):
        return torch.randint(high, shape, generator=self._generator)

    def add(self, name, fn, inputs, indices=()):
        """Records fn(*inputs, *indices); inputs are float tensors (differentiated), indices integer tensors."""
        if name in self._names:
            raise ValueError(f"duplicate case name {name}")
        self._names.add(name)
        xs = [x.detach().clone().requires_grad_(True) for x in inputs]
        y = fn(*xs, *indices)
        case = {
            "name": name,
            "inputs": [_tensor(x) for x in xs],
            "indices": [_tensor(i) for i in indices],
            "output": _tensor(y.double() if not y.is_floating_point() else y),
        }
        if y.is_floating_point() and y.requires_grad:
            w = torch.randn(y.shape, generator=self._generator)
            grads = torch.autograd.grad(y, xs, w, allow_unused=True)
            case["seed"] = _tensor(w)
            case["grads"] = [None if g is None else _tensor(g) for g in grads]
        self._cases.append(case)

    def dump(self):
        json.dump({"torch": torch.__version__, "cases": self._cases}, sys.stdout, indent=None, separators=(",", ":"))
        sys.stdout.write("\n")
