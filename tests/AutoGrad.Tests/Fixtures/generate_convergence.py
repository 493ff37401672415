#!/usr/bin/python3
"""Problems with known minima for the optimizer convergence table (ConvergenceTests).

/usr/bin/python3 generate_convergence.py > convergence.json

- quadratic: f(x) = ½ Σ dᵢ (xᵢ − cᵢ)², minimum at c (exact).
- rosenbrock: minimum at (1, 1) (exact).
- logistic: mean binary cross-entropy of a linear model w·x + b on a seeded, non-separable 2-feature data set plus a
  small L2 penalty ½·λ‖w‖²; the minimizer is computed here by PyTorch's L-BFGS (strong Wolfe) then polished by Newton's
  method with PyTorch's Hessian to a gradient norm below 1e-12: an oracle independent of AutoGrad.
"""
import json

import torch

torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(11)

d = torch.tensor([1.0, 4.0, 0.25, 9.0])
c = torch.tensor([1.5, -2.0, 0.5, 3.0])

n = 64
features = torch.randn(n, 2, generator=g)
true_w = torch.tensor([1.5, -2.0])
logits = features @ true_w + 0.3
labels = (torch.rand(n, generator=g) < torch.sigmoid(logits)).double()
lam = 1e-2


def logistic_loss(theta):
    w, b = theta[:2], theta[2]
    z = features @ w + b
    return torch.nn.functional.binary_cross_entropy_with_logits(z, labels) + 0.5 * lam * (w * w).sum()


theta = torch.zeros(3, requires_grad=True)
opt = torch.optim.LBFGS([theta], lr=1, max_iter=500, tolerance_grad=1e-14, tolerance_change=1e-16,
                        history_size=20, line_search_fn="strong_wolfe")


def closure():
    opt.zero_grad()
    loss = logistic_loss(theta)
    loss.backward()
    return loss


for _ in range(5):
    opt.step(closure)

# Polish with Newton's method (PyTorch's own Hessian): quadratic convergence to machine precision.
with torch.no_grad():
    point = theta.detach().clone()
for _ in range(5):
    point.requires_grad_(True)
    gradient = torch.autograd.grad(logistic_loss(point), point)[0]
    hessian = torch.autograd.functional.hessian(logistic_loss, point.detach())
    point = (point - torch.linalg.solve(hessian, gradient)).detach()
theta = point.requires_grad_(True)
final = logistic_loss(theta)
grad = torch.autograd.grad(final, theta)[0]
assert grad.norm() < 1e-12, grad.norm()

# Adadelta does not reach Rosenbrock's minimum: record where PyTorch's Adadelta (defaults) is after 50,000 steps
# from (−1.2, 1), so the convergence table can pin that AutoGrad stalls at the same point rather than claim success.
x = torch.tensor([-1.2, 1.0], requires_grad=True)
adadelta = torch.optim.Adadelta([x])
for _ in range(50000):
    adadelta.zero_grad()
    (100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2).backward()
    adadelta.step()

print(json.dumps({
    "adadeltaRosenbrock50000": x.detach().tolist(),
    "torch": torch.__version__,
    "quadratic": {"d": d.tolist(), "c": c.tolist()},
    "logistic": {"features": features.reshape(-1).tolist(), "labels": labels.tolist(), "lambda": lam,
                 "minimizer": theta.detach().tolist(), "minimum": float(final), "gradientNorm": float(grad.norm())},
}, indent=1))
