#!/usr/bin/python3
"""L-BFGS trajectories from PyTorch: /usr/bin/python3 generate_optim_lbfgs.py > optim_lbfgs.json

Each step is one opt.step(closure) call, which runs up to max_iter inner iterations. Besides the trajectory, every
case records PyTorch's cumulative inner-iteration and function-evaluation counts after each step (state 'n_iter'
and 'func_evals'), which the tests compare with LBFGS.LastStepInfo.
"""
import torch
from optimcases import Runs

r = Runs()
counts = []


def lbfgs(**kwargs):
    def make(params):
        opt = torch.optim.LBFGS(params, **kwargs)
        step = opt.step
        record = []
        counts.append(record)

        def counted(closure):
            loss = step(closure)
            state = opt.state[opt.param_groups[0]["params"][0]]
            record.append([state.get("n_iter", 0), state["func_evals"]])
            return loss

        opt.step = counted
        return opt
    return make


wolfe = "strong_wolfe"
for problem, steps in (("rosenbrock", 15), ("least_squares", 8)):
    def add(name, steps=steps, **kwargs):
        r.add(f"lbfgs_{name}_{problem}", lbfgs(**kwargs), problem, steps=steps, closure=True)

    add("defaults")
    add("history", lr=0.5, history_size=3, max_iter=4)
    add("tolerances", lr=0.5, max_iter=5, tolerance_grad=1e-3, tolerance_change=1e-4)
    add("wolfe", line_search_fn=wolfe)
    add("wolfe_history", line_search_fn=wolfe, history_size=3, max_iter=4)
    add("wolfe_max_eval", line_search_fn=wolfe, lr=0.5, max_iter=6, max_eval=5)
    add("wolfe_tolerances", line_search_fn=wolfe, max_iter=5, tolerance_grad=1e-3, tolerance_change=1e-4)
    add("wolfe_tight", steps=3, line_search_fn=wolfe, max_iter=100, tolerance_change=1e-12)
    add("wolfe_short", line_search_fn=wolfe, lr=0.01, max_iter=5)
    add("wolfe_long", line_search_fn=wolfe, lr=20, max_iter=5, history_size=2)
    if problem == "rosenbrock":
        # Extrapolating from t = 1e-12 interpolates through loss differences of ~1e4 ulps; least_squares sums its 8
        # residuals in another order than AutoGrad (1-ulp loss differences), which moves the trial steps by more
        # than 1e-9. Rosenbrock in 2-D has a single term, so its losses agree to the bit.
        add("wolfe_tiny", steps=3, line_search_fn=wolfe, lr=1e-12, max_iter=5)
    add("grad_tolerance", lr=0.5, max_iter=3, tolerance_grad=1e-2)
    add("wolfe_grad_tolerance", line_search_fn=wolfe, max_iter=3, tolerance_grad=1e-2)
    add("tiny", steps=3, lr=1e-12, max_iter=5)

# Runs has no slot for per-step extras; attach the counts to the cases it recorded, in order.
for case, record in zip(r._cases, counts):
    case["lbfgsCounts"] = record
r.dump()
