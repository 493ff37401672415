"""Shared runner for optimizer and schedule trajectory fixtures (imported by generate_optim_*.py).

Every case runs an optimizer (optionally with a learning-rate schedule and gradient clipping) for a number of
steps on one of the problems below, from a fixed start, in float64, and records the parameters and the loss
after every step, and the learning rate of every group. AutoGrad's OptimizerTrajectoryTests replay the same
run and compare every step at 1e-9 relative.
"""
import json
import sys

import torch

torch.set_default_dtype(torch.float64)

_generator = torch.Generator().manual_seed(7)
LSQ_A = torch.randn(8, 3, generator=_generator)
LSQ_B = torch.randn(8, generator=_generator)


def rosenbrock(x):
    """Σ 100 (x[i+1] − x[i]²)² + (1 − x[i])²."""
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def least_squares(x):
    """½‖A x − b‖² with the fixed A (8×3) and b (8) recorded in the fixture."""
    r = LSQ_A @ x - LSQ_B
    return 0.5 * (r * r).sum()


PROBLEMS = {"rosenbrock": rosenbrock, "least_squares": least_squares}
STARTS = {"rosenbrock": [-1.2, 1.0], "least_squares": [0.5, -0.3, 0.8]}


class Runs:
    def __init__(self):
        self._cases = []
        self._names = set()

    def add(self, name, make_optimizer, problem, steps=100, make_scheduler=None, scheduler_metric=False,
            clip_norm=None, clip_norm_type=2.0, clip_value=None, start=None, closure=False):
        """make_optimizer(params) -> optimizer; make_scheduler(optimizer) -> scheduler (stepped after each step);
        clip_norm / clip_norm_type / clip_value clip the gradient between backward and the step."""
        if name in self._names:
            raise ValueError(f"duplicate case {name}")
        self._names.add(name)
        f = PROBLEMS[problem]
        x = torch.tensor(start if start is not None else STARTS[problem], requires_grad=True)
        opt = make_optimizer([x])
        sched = make_scheduler(opt) if make_scheduler else None
        trajectory, losses, lrs, norms = [], [], [], []

        def evaluate():
            opt.zero_grad()
            loss = f(x)
            loss.backward()
            return loss

        for _ in range(steps):
            if closure:
                loss = opt.step(evaluate)
            else:
                loss = evaluate()
                if clip_norm is not None:
                    norms.append(float(torch.nn.utils.clip_grad_norm_([x], clip_norm, clip_norm_type)))
                if clip_value is not None:
                    torch.nn.utils.clip_grad_value_([x], clip_value)
                opt.step()
            if sched is not None:
                sched.step(float(loss)) if scheduler_metric else sched.step()
            trajectory.append(x.detach().tolist())
            losses.append(float(loss))
            lrs.append([g["lr"] for g in opt.param_groups])
        case = {"name": name, "problem": problem, "start": STARTS[problem] if start is None else start,
                "steps": steps, "trajectory": trajectory, "losses": losses, "learningRates": lrs}
        if clip_norm is not None:
            case["clipNorms"] = norms
        self._cases.append(case)

    def dump(self, **extra):
        """Writes the fixture to stdout; keyword arguments add top-level entries beside the cases."""
        json.dump({"torch": torch.__version__,
                   "leastSquares": {"A": LSQ_A.tolist(), "b": LSQ_B.tolist()},
                   "cases": self._cases, **extra}, sys.stdout, separators=(",", ":"))
        sys.stdout.write("\n")
