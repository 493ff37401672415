#!/usr/bin/python3
"""Gradients at non-smooth points, as PyTorch computes them; AutoGrad adopts the same convention.

Run with Debian's PyTorch:  /usr/bin/python3 generate_kinks.py > kinks.json
Each case: an op name (as KinkConventionTests maps it), inputs, and the gradient of sum(op(inputs))
with respect to each input.
"""
import json
import torch

torch.set_default_dtype(torch.float64)

CASES = [
    ("Relu", lambda x: torch.relu(x), [[0.0, -1.0, 2.0]]),
    ("Abs", lambda x: torch.abs(x), [[0.0, -1.0, 2.0]]),
    ("Clamp(-1,1)", lambda x: torch.clamp(x, -1.0, 1.0), [[-1.0, 1.0, 2.0, -2.0, 0.5]]),
    ("ClampMin(0)", lambda x: torch.clamp(x, min=0.0), [[0.0, -1.0, 1.0]]),
    ("ClampMax(0)", lambda x: torch.clamp(x, max=0.0), [[0.0, -1.0, 1.0]]),
    ("LeakyRelu(0.01)", lambda x: torch.nn.functional.leaky_relu(x, 0.01), [[0.0, -1.0, 2.0]]),
    ("Elu(1.5)", lambda x: torch.nn.functional.elu(x, 1.5), [[0.0, -1.0, 2.0]]),
    ("Maximum", torch.maximum, [[1.0, 2.0, 3.0], [1.0, 1.0, 4.0]]),
    ("Minimum", torch.minimum, [[1.0, 2.0, 3.0], [1.0, 1.0, 4.0]]),
    ("Max", lambda x: x.max(), [[1.0, 3.0, 3.0]]),
    ("Min", lambda x: x.min(), [[1.0, 1.0, 3.0]]),
    ("Max(axis=1)", lambda x: x.amax(dim=1), [[[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]]),
    ("Min(axis=0)", lambda x: x.amin(dim=0), [[[1.0, 3.0, 3.0], [1.0, 2.0, 3.0]]]),
]


def case(name, f, inputs):
    xs = [torch.tensor(v, requires_grad=True) for v in inputs]
    f(*xs).sum().backward()
    return {"op": name, "inputs": inputs, "grads": [x.grad.tolist() for x in xs]}


print(json.dumps({"torch": torch.__version__, "cases": [case(*c) for c in CASES]}, indent=1))
