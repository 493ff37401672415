#!/usr/bin/python3
"""PyTorch's strong-Wolfe line search on 1-D functions:
/usr/bin/python3 generate_optim_lbfgs_line_search.py > optim_lbfgs_line_search.json

The L-BFGS trajectories (generate_optim_lbfgs.py) never reach some branches of torch.optim.lbfgs._strong_wolfe
(a bracketing phase that runs out of evaluations, the move away from a bracket end after insufficient progress,
the midpoint when the cubic has no minimum). These cases call _strong_wolfe directly from x0 along d = -f'(x0),
chosen by a search over the families below so that every branch is taken, and record what it returns.
"""
import json
import sys

import torch
from torch.optim.lbfgs import _strong_wolfe

torch.set_default_dtype(torch.float64)

FAMILIES = {
    "expm": lambda a, b: lambda x: torch.exp(a * x) - b * x,
    "quartic": lambda a, b: lambda x: (x - a) ** 4 + b * x,
    "sin": lambda a, b: lambda x: torch.sin(a * x) + b * x * x,
    "logcosh": lambda a, b: lambda x: torch.log(torch.cosh(a * (x - b))),
}

# (family, a, b, x0, initial step t); the comment names the branch the case was chosen for.
CASES = [
    ("quartic", 1.0, 0.0, -1.0, 1.0),        # plain bracket and zoom
    ("logcosh", 1.0, 0.5, 0.0, 1.0),         # strong Wolfe at the first trial
    ("logcosh", 2.05, 2.17, 0.5, 0.1),       # extrapolation
    ("logcosh", 3.73, 1.03, -1.4, 0.001),    # repeated extrapolation from a tiny step
    ("logcosh", 2.96, 2.43, 1.7, 100.0),     # cubic without a minimum: bisection
    ("logcosh", 2.25, -0.33, -0.1, 100.0),   # insufficient progress: move away from the low end
    ("sin", 2.42, 1.44, 1.0, 10.0),          # insufficient progress
    ("sin", 3.39, -0.9, 0.4, 0.001),         # insufficient progress: move away from the high end
    ("expm", 4.9, -0.96, 1.8, 1.0),          # repeated insufficient progress, out of evaluations in the zoom
    ("expm", 4.58, -0.2, 1.5, 1.0),          # bracket narrower than tolerance_change
    ("sin", 0.16, -0.51, -0.7, 10.0),        # bracketing phase runs out of evaluations
]

cases = []
for family, a, b, x0, t in CASES:
    f = FAMILIES[family](a, b)

    def value_and_grad(x):
        x = x.detach().requires_grad_(True)
        v = f(x).sum()
        v.backward()
        return float(v), x.grad.clone()

    x = torch.tensor([x0])
    f0, g0 = value_and_grad(x)
    d = -g0
    gtd = g0.dot(d)

    def obj_func(x, step, d):
        return value_and_grad(x[0] + step * d)

    loss, grad, step, evals = _strong_wolfe(obj_func, [x], t, d, f0, g0, gtd)
    cases.append({"family": family, "a": a, "b": b, "x0": x0, "t0": t,
                  "loss": float(loss), "gradient": float(grad[0]), "t": float(step), "evaluations": evals})

json.dump({"torch": torch.__version__, "cases": cases}, sys.stdout, separators=(",", ":"))
sys.stdout.write("\n")
