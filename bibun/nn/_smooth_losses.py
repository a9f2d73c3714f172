"""Smooth L1 and Huber losses: squared error near zero, absolute error beyond, as PyTorch defines them.

Built from the elementary ops (abs, where, arithmetic), so bibun.explain shows how they are made and
their gradient is the one of each piece: d/beta inside the band, sign(d) outside (0 at d = 0).
"""
from .._creation import where
from . import functional as F, reduction as _reduction
from .module import Module


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d²/beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target); beta = 0 is the L1 loss."""
    _reduction.check(reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss does not support negative values for beta (got {beta}): beta is the "
                         f"width of the quadratic band around zero; use beta=0 for the L1 loss")
    x, y = F._t(input), F._t(target)
    F._same_shape(x, y, "smooth_l1_loss")
    d = x - y
    a = d.abs()
    l = a if beta == 0 else where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
    return _reduction.apply(l, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d² where |d| < delta, delta (|d| - 0.5 delta) elsewhere (d = input - target)."""
    _reduction.check(reduction)
    if not delta > 0:
        raise ValueError(f"huber_loss does not support non-positive values for delta (got {delta}): delta is "
                         f"where the loss turns from squared to absolute error")
    x, y = F._t(input), F._t(target)
    F._same_shape(x, y, "huber_loss")
    d = x - y
    a = d.abs()
    return _reduction.apply(where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta)), reduction)


class SmoothL1Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__()
        _reduction.check(reduction)
        self.reduction, self.beta = reduction, beta

    def forward(self, input, target):
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(Module):
    def __init__(self, reduction="mean", delta=1.0):
        super().__init__()
        _reduction.check(reduction)
        self.reduction, self.delta = reduction, delta

    def forward(self, input, target):
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)
