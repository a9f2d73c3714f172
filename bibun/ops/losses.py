"""Fused losses: the stable forms, with their short closed-form VJPs.

Each takes `reduction` ('mean', 'sum' or 'none'); `_reduce` / `_unreduce` are the one place
that handles it.
"""
import math

import numpy as np

from ._registry import ATOM, Form, defop
from ._wrap import nary


def _reduce(l, reduction):
    if reduction == "mean":
        return np.add.reduce(l, axis=None) / l.size
    if reduction == "sum":
        return np.add.reduce(l, axis=None)
    return l


def _unreduce(xp, g, n, reduction):
    """The gradient of the reduction, broadcastable to the per-element losses."""
    if reduction != "mean":
        return g
    if type(g) is np.ndarray and g.ndim == 0:
        # g / n as a NumPy scalar of g's dtype, without a ufunc call on a 0-d array: the quotient rounded to
        # double, then to g's dtype, is the quotient rounded to g's dtype (53 >= 2 * 24 + 2 bits)
        return g.dtype.type(float(g) / n)
    return g / n


def _numel(a):
    return a.size if isinstance(a, np.ndarray) else a.numel()


def _softplus(x):
    # log(1 + e^x) = log(e^0 + e^x): NumPy's logaddexp is stable for any x
    return np.logaddexp(0, x, dtype=x.dtype)


def _bce_logits(z, y, pos_weight=None, reduction="mean"):
    if pos_weight is None:
        # softplus(z) - z y = log(e^(-zy) + e^(z - zy)): one logaddexp, exact for hard labels (softplus(z) - z y
        # itself cancels: softplus(20) - 20 is 0 in float32, where the loss is 2e-9)
        a = -(z * y)
        out = _reduce(np.logaddexp(a, z + a), reduction)
        if out.ndim == 0 and math.isfinite(out) or out.ndim and np.isfinite(out).all():
            return out
        with np.errstate(all="ignore"):      # an infinite logit: PyTorch's form, inf (not nan) at +inf, y < 1
            m = np.maximum(-z, 0)
            l = (1 - y) * z + m + np.log(np.exp(-m) + np.exp(-z - m))
    else:
        l = (1 - y) * z + (1 + (pos_weight - 1) * y) * _softplus(-z)
    return _reduce(l, reduction)


def _bce_logits_dz(xp, g, out, z, y, pos_weight=None, reduction="mean"):
    if pos_weight is None:
        d = xp.tanh(z * 0.5) * 0.5 + (0.5 - y)       # sigma(z) - y; tanh cannot overflow
    else:
        d = (1 - y) - (1 + (pos_weight - 1) * y) * xp.sigmoid(-z)
    return _unreduce(xp, g, _numel(z), reduction) * d


def _bce_logits_dy(xp, g, out, z, y, pos_weight=None, reduction="mean"):
    # softplus(-z) = max(-z, 0) + log(1 + e^-|z|): no overflow for logits of -1000
    d = -z if pos_weight is None else \
        -z + (pos_weight - 1) * (xp.maximum(-z, 0) + xp.log(1 + xp.exp(-xp.abs(z))))
    return _unreduce(xp, g, _numel(z), reduction) * d


def _bce(p, y, reduction="mean"):
    # PyTorch clamps each log at -100 so that p = 0 or 1 gives a finite loss
    with np.errstate(divide="ignore"):
        l = -(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log1p(-p), -100))
    return _reduce(l.astype(p.dtype, copy=False), reduction)


def _bce_dp(xp, g, out, p, y, reduction="mean"):
    return _unreduce(xp, g, _numel(p), reduction) * (p - y) / xp.maximum(p * (1 - p), 1e-12)


def _bce_dy(xp, g, out, p, y, reduction="mean"):
    return _unreduce(xp, g, _numel(p), reduction) * (xp.log(1 - p) - xp.log(p))


def _rows(target, ignore_index):
    keep = target != ignore_index
    return keep, np.where(keep, target, 0)


def _nll(logp, target, reduction="mean", ignore_index=-100):
    keep, t = _rows(target, ignore_index)
    picked = np.take_along_axis(logp, np.expand_dims(t, 1), axis=1).squeeze(1)
    l = np.where(keep, -picked, 0).astype(logp.dtype, copy=False)
    if reduction == "mean":
        n = int(keep.sum())           # every target ignored: the mean of nothing is NaN, as in PyTorch
        return np.asarray(l.sum() / n if n else np.nan, dtype=logp.dtype)
    return _reduce(l, reduction)


def _nll_grad(xp, g, out, logp, target, reduction="mean", ignore_index=-100):
    keep, t = _rows(target, ignore_index)
    n = max(int(keep.sum()), 1)
    onehot = np.zeros(logp.shape, dtype=logp.dtype if isinstance(logp, np.ndarray) else logp._data.dtype)
    np.put_along_axis(onehot, np.expand_dims(t, 1), np.expand_dims(keep, 1).astype(onehot.dtype), axis=1)
    gl = _unreduce(xp, g, n, reduction)
    if reduction == "none":
        gl = xp.expand_dims(gl, 1)
    return -gl * onehot


def _cross_entropy(z, target, reduction="mean", ignore_index=-100):
    from .reduction import _log_softmax
    return _nll(_log_softmax(z, 1), target, reduction, ignore_index)


def _cross_entropy_grad(xp, g, out, z, target, reduction="mean", ignore_index=-100):
    # d/dz (logsumexp(z) - z_t) = softmax(z) - onehot(t), zero on ignored rows
    keep, _ = _rows(target, ignore_index)
    s = xp.softmax(z, axis=1) * np.expand_dims(keep, 1)
    return s * _cross_entropy_scale(xp, g, keep, reduction) + _nll_grad(xp, g, out, z, target, reduction, ignore_index)


def _cross_entropy_scale(xp, g, keep, reduction):
    gl = _unreduce(xp, g, max(int(keep.sum()), 1), reduction)
    return xp.expand_dims(gl, 1) if reduction == "none" else gl


LOSS = "loss"
binary_cross_entropy_with_logits = nary(defop(
    "binary_cross_entropy_with_logits", fwd=_bce_logits, vjp=(_bce_logits_dz, _bce_logits_dy), kind=LOSS,
    grad_name="BinaryCrossEntropyWithLogitsBackward0",
    symbol="BCE", label=r"\mathrm{BCE}\circ\sigma", local=(r"\sigma(@0) - @1", r"-@0"),
    forward=Form(r"\mathrm{BCE}(\sigma(@0), @1)", "BCE(σ(@0), @1)", ATOM)))
binary_cross_entropy = nary(defop(
    "binary_cross_entropy", fwd=_bce, vjp=(_bce_dp, _bce_dy), kind=LOSS, grad_name="BinaryCrossEntropyBackward0",
    symbol="BCE", label=r"\mathrm{BCE}", local=(r"\frac{@0 - @1}{@0(1-@0)}", r"\log\frac{1-@0}{@0}"),
    forward=Form(r"\mathrm{BCE}(@0, @1)", "BCE(@0, @1)", ATOM)))
def _mse(a, y, reduction="mean"):
    d = a - y
    return _reduce(d * d, reduction)


def _mse_da(xp, g, out, a, y, reduction="mean"):
    return _unreduce(xp, g, _numel(a), reduction) * (2 * (a - y))


def _mse_dy(xp, g, out, a, y, reduction="mean"):
    return _unreduce(xp, g, _numel(a), reduction) * (2 * (y - a))


mse_loss = nary(defop(
    "mse_loss", fwd=_mse, vjp=(_mse_da, _mse_dy), kind=LOSS, grad_name="MseLossBackward0",
    symbol="MSE", label=r"\mathrm{MSE}", local=(None, None),
    forward=Form(r"\mathrm{MSE}(@0, @1)", "MSE(@0, @1)", ATOM)))
nll_loss = nary(defop(
    "nll_loss", fwd=_nll, vjp=(_nll_grad, None), kind=LOSS, grad_name="NllLossBackward0",
    symbol="NLL", local=(r"-[k = @1]", None)))
cross_entropy = nary(defop(
    "cross_entropy", fwd=_cross_entropy, vjp=(_cross_entropy_grad, None), kind=LOSS, grad_name="NllLossBackward0",
    symbol="CE", label=r"\mathrm{CE}", local=(r"\mathrm{softmax}(@0) - \mathrm{onehot}(@1)", None),
    forward=Form(r"\mathrm{CE}(@0, @1)", "CE(@0, @1)", ATOM)))
