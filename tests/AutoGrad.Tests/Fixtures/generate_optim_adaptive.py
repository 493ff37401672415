#!/usr/bin/python3
"""Adaptive-optimizer trajectories from PyTorch: /usr/bin/python3 generate_optim_adaptive.py > optim_adaptive.json

Adagrad, RMSprop, Adadelta, Adam, AdamW, Adamax, NAdam, RAdam and Rprop, every option on both problems.

NAdam: PyTorch 1.13 computes the product of the momentum cache one step ahead as mu_product * mu * mu_next, with
mu_product already including mu (so mu counts twice), against its own documentation (prod_{i<=t+1} mu_i). PyTorch
2.0 fixed it (pytorch/pytorch#92699, "clearly a bugfix"); AutoGrad follows the documented, fixed rule, so this
script runs 1.13's own NAdam with that one line corrected and nothing else changed.
"""
import importlib
import inspect
import textwrap

import torch
from optimcases import Runs


def _fix_nadam():
    module = importlib.import_module("torch.optim.nadam")   # torch.optim deletes the submodule attribute
    source = textwrap.dedent(inspect.getsource(module._single_tensor_nadam))
    buggy = "mu_product_next = mu_product * mu * mu_next"
    assert source.count(buggy) == 1, "not PyTorch 1.13's NAdam: check whether the fix is still needed"
    exec(compile(source.replace(buggy, "mu_product_next = mu_product * mu_next"), module.__file__, "exec"),
         module.__dict__)


_fix_nadam()
O = torch.optim
r = Runs()


def cases(name, problem, lr, variants):
    """variants: suffix -> (constructor, keyword arguments); lr is passed unless the arguments set it."""
    for suffix, (make, kwargs) in variants.items():
        args = {"lr": lr, **kwargs}
        r.add(f"{name}{suffix}_{problem}", lambda p, make=make, args=args: make(p, **args), problem)


# Learning rates per problem: large enough to move visibly in 100 steps, small enough not to diverge.
LR = {
    "adagrad": {"rosenbrock": 0.05, "least_squares": 0.1},
    "rmsprop": {"rosenbrock": 1e-3, "least_squares": 1e-2},
    "adadelta": {"rosenbrock": 1.0, "least_squares": 1.0},
    "adam": {"rosenbrock": 1e-2, "least_squares": 2e-2},
    "adamax": {"rosenbrock": 1e-2, "least_squares": 2e-2},
    "nadam": {"rosenbrock": 5e-3, "least_squares": 2e-2},
    "radam": {"rosenbrock": 1e-3, "least_squares": 2e-2},
    "rprop": {"rosenbrock": 1e-3, "least_squares": 1e-2},
}

for problem in ("rosenbrock", "least_squares"):
    # Rosenbrock's gradients are ~100 at the start, least squares' ~1: scale the options so each one shows.
    ros = problem == "rosenbrock"
    # Least squares' gradient Aᵀ(Ax − b) is a sum whose last bit depends on the summation order (BLAS here, AutoGrad's
    # MatMul there). Near the minimum it is mostly cancellation, and optimizers with a short memory that normalize the
    # gradient by its own size (RMSprop α = 0.9, Adadelta ρ = 0.5 or ε = 1e-4) turn those last bits into visible
    # moves: reversing the summation order in PyTorch itself changes such runs by up to 1e-6..10 relative. The
    # least-squares variants below stop short of that noise floor (the same order change moves them < 1e-11).
    wd = 2.0 if ros else 0.1
    cases("adagrad", problem, LR["adagrad"][problem], {
        "": (O.Adagrad, {}),
        "_lr_decay": (O.Adagrad, {"lr_decay": 0.05}),
        "_weight_decay": (O.Adagrad, {"weight_decay": wd}),
        "_initial_accumulator": (O.Adagrad, {"initial_accumulator_value": 1e4 if ros else 2.0}),
        "_eps": (O.Adagrad, {"eps": 10.0 if ros else 0.1}),
        "_maximize": (O.Adagrad, {"maximize": True, "weight_decay": wd}),
    })
    cases("rmsprop", problem, LR["rmsprop"][problem], {
        "": (O.RMSprop, {}),
        "_alpha": (O.RMSprop, {"alpha": 0.9} if ros else {"alpha": 0.9, "lr": 3e-3}),
        "_momentum": (O.RMSprop, {"momentum": 0.9}),
        "_centered": (O.RMSprop, {"centered": True}),
        "_centered_momentum": (O.RMSprop, {"centered": True, "momentum": 0.5}),
        "_weight_decay": (O.RMSprop, {"weight_decay": wd, "eps": 1.0 if ros else 1e-2}),
        "_maximize": (O.RMSprop, {"maximize": True, "momentum": 0.5}),
    })
    cases("adadelta", problem, LR["adadelta"][problem], {
        "": (O.Adadelta, {}),
        "_rho": (O.Adadelta, {"rho": 0.5 if ros else 0.7}),
        "_eps": (O.Adadelta, {"eps": 1e-4 if ros else 1e-5}),
        "_weight_decay": (O.Adadelta, {"weight_decay": wd}),
        "_maximize": (O.Adadelta, {"maximize": True}),
    })
    cases("adam", problem, LR["adam"][problem], {
        "": (O.Adam, {}),
        "_betas": (O.Adam, {"betas": (0.8, 0.99)}),
        "_eps": (O.Adam, {"eps": 10.0 if ros else 0.1}),
        "_amsgrad": (O.Adam, {"amsgrad": True}),
        "_weight_decay": (O.Adam, {"weight_decay": wd}),
        "_amsgrad_weight_decay": (O.Adam, {"amsgrad": True, "weight_decay": wd}),
        "_maximize": (O.Adam, {"maximize": True, "amsgrad": True}),
    })
    cases("adamw", problem, LR["adam"][problem], {
        "": (O.AdamW, {}),
        "_weight_decay": (O.AdamW, {"weight_decay": 0.5}),
        "_no_weight_decay": (O.AdamW, {"weight_decay": 0}),
        "_amsgrad": (O.AdamW, {"amsgrad": True, "weight_decay": 0.1}),
        "_maximize": (O.AdamW, {"maximize": True}),
    })
    cases("adamax", problem, LR["adamax"][problem], {
        "": (O.Adamax, {}),
        "_betas": (O.Adamax, {"betas": (0.8, 0.99)}),
        "_eps": (O.Adamax, {"eps": 10.0 if ros else 0.1}),
        "_weight_decay": (O.Adamax, {"weight_decay": wd}),
        "_maximize": (O.Adamax, {"maximize": True}),
    })
    cases("nadam", problem, LR["nadam"][problem], {
        "": (O.NAdam, {}),
        "_betas": (O.NAdam, {"betas": (0.8, 0.99)}),
        "_eps": (O.NAdam, {"eps": 10.0 if ros else 0.1}),
        "_momentum_decay": (O.NAdam, {"momentum_decay": 0.1}),
        "_weight_decay": (O.NAdam, {"weight_decay": wd}),
    })
    cases("radam", problem, LR["radam"][problem], {
        "": (O.RAdam, {}),
        "_betas": (O.RAdam, {"betas": (0.8, 0.9)}),
        "_eps": (O.RAdam, {"eps": 10.0 if ros else 0.1}),
        "_weight_decay": (O.RAdam, {"weight_decay": wd}),
    })
    cases("rprop", problem, LR["rprop"][problem], {
        "": (O.Rprop, {}),
        "_etas": (O.Rprop, {"etas": (0.3, 1.5)}),
        "_step_sizes": (O.Rprop, {"step_sizes": (1e-4, 2e-2) if ros else (2e-3, 5e-3)}),
        "_maximize": (O.Rprop, {"maximize": True}),
    })
r.dump()
