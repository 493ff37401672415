#!/usr/bin/python3
"""Learning-rate schedules and gradient clipping driving SGD, from PyTorch:
/usr/bin/python3 generate_optim_schedules.py > optim_schedules.json

Every case is 100 steps of SGD (momentum 0.9 where OneCycleLR cycles it) with the schedule stepped after each
optimizer step (ReduceLROnPlateau with the step's loss), or with the gradient clipped between backward and the step.
"multiGroup" holds learning-rate (and momentum) sequences for two parameter groups with different settings, with no
training, for the per-group options.
"""
import warnings

import torch
from torch.optim import SGD
from torch.optim.lr_scheduler import (CosineAnnealingLR, CosineAnnealingWarmRestarts, ExponentialLR, LinearLR,
                                      MultiStepLR, OneCycleLR, ReduceLROnPlateau, SequentialLR, StepLR)

from optimcases import Runs

# SequentialLR steps the schedule entering at a milestone with an explicit epoch, which warns (deprecation).
warnings.simplefilter("ignore", UserWarning)

LR = {"rosenbrock": 1e-4, "least_squares": 0.05}
MAX_LR = {"rosenbrock": 4e-4, "least_squares": 0.1}
PROBLEMS = ("rosenbrock", "least_squares")

r = Runs()


def sgd(lr, momentum=0.0):
    return lambda p: SGD(p, lr=lr, momentum=momentum)


for problem in PROBLEMS:
    lr = LR[problem]
    mx = MAX_LR[problem]
    r.add(f"step_{problem}", sgd(lr, 0.5), problem, make_scheduler=lambda o: StepLR(o, step_size=10, gamma=0.5))
    r.add(f"multistep_{problem}", sgd(lr, 0.5), problem,
          make_scheduler=lambda o: MultiStepLR(o, milestones=[10, 25, 25, 60], gamma=0.5))
    r.add(f"exponential_{problem}", sgd(lr, 0.5), problem, make_scheduler=lambda o: ExponentialLR(o, gamma=0.97))
    r.add(f"cosine_{problem}", sgd(lr, 0.5), problem,
          make_scheduler=lambda o: CosineAnnealingLR(o, T_max=30, eta_min=lr / 20))
    r.add(f"warm_restarts_{problem}", sgd(lr, 0.5), problem,
          make_scheduler=lambda o: CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=lr / 20))
    r.add(f"linear_warmup_{problem}", sgd(lr, 0.5), problem, make_scheduler=lambda o: LinearLR(o))
    r.add(f"one_cycle_{problem}", sgd(lr, 0.9), problem, make_scheduler=lambda o: OneCycleLR(o, max_lr=mx, total_steps=100))
    r.add(f"one_cycle_three_phase_linear_{problem}", sgd(lr, 0.9), problem,
          make_scheduler=lambda o: OneCycleLR(o, max_lr=mx, total_steps=100, anneal_strategy="linear", three_phase=True))
    r.add(f"plateau_{problem}", sgd(lr, 0.5), problem, scheduler_metric=True,
          make_scheduler=lambda o: ReduceLROnPlateau(o, factor=0.5, patience=2, threshold=0.02))
    r.add(f"sequential_warmup_cosine_{problem}", sgd(lr, 0.5), problem,
          make_scheduler=lambda o: SequentialLR(o, [LinearLR(o, start_factor=0.1, total_iters=10),
                                                    CosineAnnealingLR(o, T_max=90)], milestones=[10]))
    r.add(f"clip_norm_{problem}", sgd(10 * lr, 0.5), problem, clip_norm=0.5)
    r.add(f"clip_norm_inf_{problem}", sgd(10 * lr, 0.5), problem, clip_norm=0.5, clip_norm_type=float("inf"))
    r.add(f"clip_value_{problem}", sgd(10 * lr, 0.5), problem, clip_value=0.3)

# Every other option, on one problem each.
p = "least_squares"
r.add("step_default_gamma_least_squares", sgd(0.05), p, make_scheduler=lambda o: StepLR(o, step_size=30))
r.add("cosine_default_eta_min_least_squares", sgd(0.05), p, make_scheduler=lambda o: CosineAnnealingLR(o, T_max=100))
r.add("cosine_short_period_rosenbrock", sgd(1e-4, 0.5), "rosenbrock",
      make_scheduler=lambda o: CosineAnnealingLR(o, T_max=7, eta_min=1e-5))
r.add("warm_restarts_mult1_least_squares", sgd(0.05, 0.5), p,
      make_scheduler=lambda o: CosineAnnealingWarmRestarts(o, T_0=15))
r.add("linear_decay_least_squares", sgd(0.05, 0.5), p,
      make_scheduler=lambda o: LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=60))
r.add("one_cycle_epochs_linear_least_squares", sgd(0.05, 0.9), p,
      make_scheduler=lambda o: OneCycleLR(o, max_lr=0.08, epochs=10, steps_per_epoch=10, pct_start=0.25,
                                          anneal_strategy="linear", base_momentum=0.8, max_momentum=0.9,
                                          div_factor=10, final_div_factor=100))
r.add("one_cycle_three_phase_cos_rosenbrock", sgd(1e-4, 0.9), "rosenbrock",
      make_scheduler=lambda o: OneCycleLR(o, max_lr=4e-4, total_steps=100, pct_start=0.4, three_phase=True))
r.add("one_cycle_no_momentum_cycle_least_squares", sgd(0.05, 0.7), p,
      make_scheduler=lambda o: OneCycleLR(o, max_lr=0.1, total_steps=100, cycle_momentum=False))
r.add("plateau_max_least_squares", sgd(0.05, 0.5), p, scheduler_metric=True,
      make_scheduler=lambda o: ReduceLROnPlateau(o, mode="max", factor=0.7, patience=3))
r.add("plateau_abs_cooldown_rosenbrock", sgd(1e-4, 0.5), "rosenbrock", scheduler_metric=True,
      make_scheduler=lambda o: ReduceLROnPlateau(o, factor=0.5, patience=1, threshold=0.05, threshold_mode="abs",
                                                 cooldown=4))
r.add("plateau_max_abs_min_lr_least_squares", sgd(0.05, 0.5), p, scheduler_metric=True,
      make_scheduler=lambda o: ReduceLROnPlateau(o, mode="max", factor=0.5, patience=2, threshold=0.01,
                                                 threshold_mode="abs", min_lr=0.004))
r.add("plateau_eps_least_squares", sgd(0.05, 0.5), p, scheduler_metric=True,
      make_scheduler=lambda o: ReduceLROnPlateau(o, mode="max", factor=0.5, patience=0, eps=0.003))
r.add("plateau_default_least_squares", sgd(0.05, 0.5), p, scheduler_metric=True,
      make_scheduler=lambda o: ReduceLROnPlateau(o))
r.add("sequential_three_least_squares", sgd(0.05, 0.5), p,
      make_scheduler=lambda o: SequentialLR(o, [LinearLR(o, start_factor=0.25, total_iters=8), StepLR(o, step_size=7, gamma=0.7),
                                                ExponentialLR(o, gamma=0.98)], milestones=[8, 40]))
r.add("sequential_restarts_one_cycle_least_squares", sgd(0.05, 0.9), p,
      make_scheduler=lambda o: SequentialLR(o, [ExponentialLR(o, gamma=0.95),
                                                CosineAnnealingWarmRestarts(o, T_0=6, T_mult=2),
                                                MultiStepLR(o, milestones=[3, 9], gamma=0.5),
                                                OneCycleLR(o, max_lr=0.1, total_steps=30)], milestones=[20, 50, 70]))
r.add("clip_norm_one_cycle_rosenbrock", sgd(1e-3, 0.9), "rosenbrock", clip_norm=2.0,
      make_scheduler=lambda o: OneCycleLR(o, max_lr=4e-3, total_steps=100))
r.add("clip_norm_p3_least_squares", sgd(0.1, 0.5), p, clip_norm=0.4, clip_norm_type=3.0)
r.add("clip_norm_p1_rosenbrock", sgd(1e-3, 0.5), "rosenbrock", clip_norm=1.5, clip_norm_type=1.0)


def multi_group(name, make_scheduler, steps=30, metrics=None):
    """Two groups (lr 0.1 and 0.01, momentum 0.9 and 0.5) with no training: the lr and momentum of each group."""
    a = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.01, "momentum": 0.5}], lr=0.1, momentum=0.9)
    sched = make_scheduler(opt)
    lrs = [[g["lr"] for g in opt.param_groups]]
    momenta = [[g["momentum"] for g in opt.param_groups]]
    for i in range(steps):
        opt.step()
        sched.step(metrics[i]) if metrics is not None else sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        momenta.append([g["momentum"] for g in opt.param_groups])
    return {"name": name, "learningRates": lrs, "momenta": momenta, "metrics": metrics}


PLATEAU_METRICS = [1.0 / (1 + (i % 7)) + 0.01 * i for i in range(30)]
groups = [
    multi_group("step", lambda o: StepLR(o, step_size=4, gamma=0.5)),
    multi_group("cosine", lambda o: CosineAnnealingLR(o, T_max=12, eta_min=0.001)),
    multi_group("one_cycle", lambda o: OneCycleLR(o, max_lr=[1.0, 0.05], total_steps=30, base_momentum=[0.8, 0.6],
                                                   max_momentum=[0.95, 0.7])),
    multi_group("plateau", lambda o: ReduceLROnPlateau(o, factor=0.5, patience=1, min_lr=[0.02, 0.004]),
                metrics=PLATEAU_METRICS),
    multi_group("sequential", lambda o: SequentialLR(o, [LinearLR(o, total_iters=4), ExponentialLR(o, gamma=0.9)],
                                                     milestones=[4])),
]

r.dump(multiGroup=groups)
