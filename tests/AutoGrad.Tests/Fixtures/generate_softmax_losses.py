#!/usr/bin/python3
"""PyTorch reference values for the softmax family and the losses (issue 3).

/usr/bin/python3 generate_softmax_losses.py > softmax_losses.json

Class targets are integer index inputs. Arguments PyTorch refuses to differentiate (cross-entropy/nll class
weights, BCE pos_weight) are detached inside the lambdas, and the C# side detaches them too, so both record
no gradient for them; their gradients are checked against finite differences by the op catalogue instead.
"""
import torch
import torch.nn.functional as F
from torchcases import Cases

c = Cases(seed=3)


def probabilities(*shape, dim):
    return torch.softmax(c.randn(*shape, scale=2.0), dim=dim)


# Softmax family.
c.add("softmax_last_axis", lambda x: torch.softmax(x, dim=-1), [c.randn(3, 5)])
c.add("softmax_axis0", lambda x: torch.softmax(x, dim=0), [c.randn(4, 3)])
c.add("softmax_middle_axis", lambda x: torch.softmax(x, dim=1), [c.randn(2, 3, 4, scale=3.0)])
c.add("softmax_logits_1e3", lambda x: torch.softmax(x, dim=-1), [c.randn(3, 4, scale=1e3)])
c.add("softmax_dominant_1e4", lambda x: torch.softmax(x, dim=-1), [torch.tensor([[1e4, 1e4 - 12.0, -1e4, 1e4 - 3.5], [-2e4, -2e4 + 0.25, -2e4 - 40.0, -2e4 + 1.0]])])
c.add("softmax_scalar", lambda x: torch.softmax(x, dim=0), [torch.tensor(0.75)])
c.add("softmax_size_one_axis", lambda x: torch.softmax(x, dim=1), [c.randn(3, 1)])
c.add("softmax_empty_batch", lambda x: torch.softmax(x, dim=1), [c.randn(0, 3)])
c.add("log_softmax_last_axis", lambda x: torch.log_softmax(x, dim=-1), [c.randn(3, 5)])
c.add("log_softmax_axis0", lambda x: torch.log_softmax(x, dim=0), [c.randn(2, 3, 2)])
c.add("log_softmax_logits_1e3", lambda x: torch.log_softmax(x, dim=-1), [c.randn(3, 4, scale=1e3)])
c.add("log_softmax_dominant_1e4", lambda x: torch.log_softmax(x, dim=-1), [torch.tensor([[1e4, 1e4 - 12.0, -1e4, 1e4 - 3.5], [-2e4, -2e4 + 0.25, -2e4 - 40.0, -2e4 + 1.0]])])
c.add("log_softmax_size_one_axis", lambda x: torch.log_softmax(x, dim=-1), [c.randn(4, 1)])

# Regression losses.
for reduction in ("mean", "sum", "none"):
    c.add(f"mse_{reduction}", lambda x, t, r=reduction: F.mse_loss(x, t, reduction=r), [c.randn(3, 4), c.randn(3, 4)])
    c.add(f"mae_{reduction}", lambda x, t, r=reduction: F.l1_loss(x, t, reduction=r), [c.randn(3, 4), c.randn(3, 4)])
c.add("huber_mean", lambda x, t: F.huber_loss(x, t), [c.randn(3, 4, scale=2.0), c.randn(3, 4)])
c.add("huber_delta_half_sum", lambda x, t: F.huber_loss(x, t, delta=0.5, reduction="sum"), [c.randn(2, 5), c.randn(2, 5)])
c.add("huber_delta_2_none", lambda x, t: F.huber_loss(x, t, delta=2.0, reduction="none"), [c.randn(10, scale=3.0), c.randn(10)])
c.add("mse_scalar", F.mse_loss, [torch.tensor(1.5), torch.tensor(-0.25)])

# Cross entropy with class targets.
for reduction in ("mean", "sum", "none"):
    c.add(f"cross_entropy_{reduction}", lambda x, y, r=reduction: F.cross_entropy(x, y, reduction=r), [c.randn(4, 5)], [c.randint(5, 4)])
    c.add(f"cross_entropy_smoothing_{reduction}", lambda x, y, r=reduction: F.cross_entropy(x, y, reduction=r, label_smoothing=0.2), [c.randn(4, 5)], [c.randint(5, 4)])
c.add("cross_entropy_single_sample", F.cross_entropy, [c.randn(6)], [torch.tensor(4)])
c.add("cross_entropy_single_sample_none", lambda x, y: F.cross_entropy(x, y, reduction="none", label_smoothing=0.1), [c.randn(3)], [torch.tensor(0)])
c.add("cross_entropy_nd_mean", F.cross_entropy, [c.randn(2, 4, 3, 2)], [c.randint(4, 2, 3, 2)])
c.add("cross_entropy_nd_none_smoothing", lambda x, y: F.cross_entropy(x, y, reduction="none", label_smoothing=0.3), [c.randn(2, 3, 5)], [c.randint(3, 2, 5)])
c.add("cross_entropy_logits_1e3", F.cross_entropy, [c.randn(4, 3, scale=1e3)], [c.randint(3, 4)])
c.add("cross_entropy_logits_1e4_smoothing", lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1), [c.randn(4, 3, scale=1e4)], [c.randint(3, 4)])
c.add("cross_entropy_weight_mean", lambda x, w, y: F.cross_entropy(x, y, weight=w.detach()), [c.randn(5, 3), c.rand(3, low=0.5, high=2.0)], [c.randint(3, 5)])
c.add("cross_entropy_weight_smoothing_mean", lambda x, w, y: F.cross_entropy(x, y, weight=w.detach(), label_smoothing=0.25), [c.randn(2, 3, 4), c.rand(3, low=0.5, high=2.0)], [c.randint(3, 2, 4)])
c.add("cross_entropy_weight_sum", lambda x, w, y: F.cross_entropy(x, y, weight=w.detach(), reduction="sum"), [c.randn(5, 3), c.rand(3, low=0.5, high=2.0)], [c.randint(3, 5)])
c.add("cross_entropy_ignore_mean", lambda x, y: F.cross_entropy(x, y), [c.randn(5, 4)], [torch.tensor([1, -100, 3, 0, -100])])
c.add("cross_entropy_ignore_class_weight_smoothing", lambda x, w, y: F.cross_entropy(x, y, weight=w.detach(), ignore_index=2, label_smoothing=0.15), [c.randn(6, 4), c.rand(4, low=0.5, high=2.0)], [torch.tensor([2, 0, 3, 2, 1, 3])])
c.add("cross_entropy_ignore_none_smoothing", lambda x, y: F.cross_entropy(x, y, ignore_index=0, reduction="none", label_smoothing=0.2), [c.randn(4, 3)], [torch.tensor([0, 2, 1, 0])])

# Cross entropy with probability targets.
for reduction in ("mean", "sum", "none"):
    c.add(f"cross_entropy_probs_{reduction}", lambda x, t, r=reduction: F.cross_entropy(x, t, reduction=r), [c.randn(4, 5), probabilities(4, 5, dim=1)])
c.add("cross_entropy_probs_smoothing", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.2), [c.randn(4, 5), probabilities(4, 5, dim=1)])
c.add("cross_entropy_probs_nd_none", lambda x, t: F.cross_entropy(x, t, reduction="none"), [c.randn(2, 3, 4), probabilities(2, 3, 4, dim=1)])
c.add("cross_entropy_probs_single_sample", F.cross_entropy, [c.randn(5), probabilities(5, dim=0)])
c.add("cross_entropy_probs_weight", lambda x, t, w: F.cross_entropy(x, t, weight=w.detach(), label_smoothing=0.1), [c.randn(3, 4), probabilities(3, 4, dim=1), c.rand(4, low=0.5, high=2.0)])
c.add("cross_entropy_probs_logits_1e3", F.cross_entropy, [c.randn(3, 4, scale=1e3), probabilities(3, 4, dim=1)])

# Negative log-likelihood.
for reduction in ("mean", "sum", "none"):
    c.add(f"nll_{reduction}", lambda q, y, r=reduction: F.nll_loss(q, y, reduction=r), [torch.log_softmax(c.randn(4, 5), dim=1)], [c.randint(5, 4)])
c.add("nll_weight_ignore", lambda q, w, y: F.nll_loss(q, y, weight=w.detach(), ignore_index=1), [torch.log_softmax(c.randn(5, 3), dim=1), c.rand(3, low=0.5, high=2.0)], [torch.tensor([1, 0, 2, 2, 1])])
c.add("nll_nd_none", lambda q, y: F.nll_loss(q, y, reduction="none"), [torch.log_softmax(c.randn(2, 3, 4), dim=1)], [c.randint(3, 2, 4)])
c.add("nll_single_sample", F.nll_loss, [torch.log_softmax(c.randn(4), dim=0)], [torch.tensor(2)])

# Binary cross entropy from logits.
for reduction in ("mean", "sum", "none"):
    c.add(f"bce_logits_{reduction}", lambda x, t, r=reduction: F.binary_cross_entropy_with_logits(x, t, reduction=r), [c.randn(3, 4, scale=2.0), c.rand(3, 4)])
c.add("bce_logits_hard_targets", F.binary_cross_entropy_with_logits, [c.randn(8, scale=3.0), torch.tensor([0.0, 1, 1, 0, 1, 0, 0, 1])])
c.add("bce_logits_pos_weight", lambda x, t, p: F.binary_cross_entropy_with_logits(x, t, pos_weight=p.detach()), [c.randn(4, 3), c.rand(4, 3), c.rand(3, low=0.5, high=3.0)])
c.add("bce_logits_weight_pos_weight_none", lambda x, t, w, p: F.binary_cross_entropy_with_logits(x, t, weight=w.detach(), pos_weight=p.detach(), reduction="none"), [c.randn(2, 3, 2), c.rand(2, 3, 2), c.rand(3, 1, low=0.5, high=2.0), c.rand(2, low=0.5, high=3.0)])
c.add("bce_logits_1e3", lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"), [torch.tensor([1e3, -1e3, 1e3, -1e3, 2e3, -5e3]), torch.tensor([1.0, 0.0, 0.0, 1.0, 0.3, 0.7])])

# Binary SVM hinge loss, max(0, margin - y f).
labels = torch.tensor([[1.0, -1, -1, 1], [-1, 1, 1, -1], [1, 1, -1, -1]])
for reduction in ("mean", "sum", "none"):
    c.add(f"hinge_{reduction}", lambda f, y, r=reduction: {"mean": torch.mean, "sum": torch.sum, "none": lambda v: v}[r](torch.relu(1 - y * f)), [c.randn(3, 4, scale=1.5), labels])
c.add("hinge_margin_half", lambda f, y: torch.relu(0.5 - y * f).mean(), [c.randn(3, 4), labels])

# KL divergence (input: log-probabilities).
for reduction in ("mean", "sum", "none", "batchmean"):
    c.add(f"kl_div_{reduction}", lambda q, p, r=reduction: F.kl_div(q, p, reduction=r), [torch.log_softmax(c.randn(3, 4), dim=1), probabilities(3, 4, dim=1)])
c.add("kl_div_log_target", lambda q, p: F.kl_div(q, p, reduction="sum", log_target=True), [torch.log_softmax(c.randn(3, 4), dim=1), torch.log_softmax(c.randn(3, 4), dim=1)])
c.add("kl_div_log_target_batchmean", lambda q, p: F.kl_div(q, p, reduction="batchmean", log_target=True), [torch.log_softmax(c.randn(2, 5), dim=1), torch.log_softmax(c.randn(2, 5), dim=1)])
c.add("kl_div_zero_target", lambda q, p: F.kl_div(q, p.detach(), reduction="none"), [torch.log_softmax(c.randn(2, 3), dim=1), torch.tensor([[0.0, 0.25, 0.75], [0.5, 0.5, 0.0]])])
c.dump()
