#!/usr/bin/python3
"""SGD trajectories from PyTorch: /usr/bin/python3 generate_optim_sgd.py > optim_sgd.json"""
import torch
from optimcases import Runs

r = Runs()
for problem, lr in (("rosenbrock", 1e-4), ("least_squares", 0.05)):
    r.add(f"sgd_{problem}", lambda p: torch.optim.SGD(p, lr=lr), problem)
    r.add(f"sgd_momentum_{problem}", lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9), problem)
    r.add(f"sgd_dampening_{problem}", lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9, dampening=0.3), problem)
    r.add(f"sgd_nesterov_{problem}", lambda p: torch.optim.SGD(p, lr=lr, momentum=0.8, nesterov=True), problem)
    r.add(f"sgd_weight_decay_{problem}", lambda p: torch.optim.SGD(p, lr=lr, momentum=0.5, weight_decay=0.1), problem)
r.add("sgd_maximize_least_squares", lambda p: torch.optim.SGD(p, lr=0.01, maximize=True), "least_squares", steps=20)
r.dump()
