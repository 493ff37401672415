#!/usr/bin/python3
"""Reference values for the scalar special functions behind Erf, NormalCdf, Gelu and Softplus.

Run with Debian's Python and PyTorch:  /usr/bin/python3 generate_special_functions.py > special_functions.json
erf/erfc come from Python's math module (the C library's correctly rounded-to-a-few-ulp versions); gelu and
softplus from PyTorch in float64 (gelu in its exact erf form).
"""
import json
import math
import torch

xs = [-27.0, -8.0, -5.5, -3.0, -2.0, -1.9999, -1.0, -0.5, -0.175, -1e-3, -1e-9, 0.0, 1e-9, 1e-3, 0.175,
      0.5, 1.0, 1.9999, 2.0, 2.5, 3.0, 4.5, 6.0, 10.0, 27.0]
t = torch.tensor(xs, dtype=torch.float64)
print(json.dumps({
    "torch": torch.__version__,
    "x": xs,
    "erf": [math.erf(v) for v in xs],
    "erfc": [math.erfc(v) for v in xs],
    "gelu": torch.nn.functional.gelu(t).tolist(),
    # x·Φ(x) with Φ from erfc: no cancellation for large negative x, where PyTorch's 1 + erf(x/√2) underflows.
    "gelu_erfc": [v * 0.5 * math.erfc(-v / math.sqrt(2.0)) for v in xs],
    "softplus": torch.nn.functional.softplus(t, beta=1.0, threshold=1000.0).tolist(),
}, indent=1))
