"""bibun.nn.functional: the layers and losses as functions. Shape and dtype mistakes stop here with a
message that says what was expected and how to fix it."""
import numpy as np

from .._tensor import Tensor
from ..ops import elementwise as E, losses as LS
from ..ops._registry import OPS, apply
from ..random import _gen

_LINEAR = OPS["linear"]
_BCE_LOGITS = OPS["binary_cross_entropy_with_logits"]
_CE = OPS["cross_entropy"]


def _t(x):
    return x if isinstance(x, Tensor) else Tensor._from_data(x)


def _check_reduction(reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction!r} is not a valid value for reduction: use 'mean', 'sum' or 'none'")


def linear(input, weight, bias=None, *, layer=None):
    x = _t(input)
    xd, wd = x._data, weight._data
    if xd.ndim == 0 or xd.shape[-1] != wd.shape[1]:
        _linear_shape_error(xd, wd, layer)
    if xd.dtype != wd.dtype:
        _dtype_error(xd, wd, layer)
    if bias is None:
        return apply(_LINEAR, (x, weight), (xd, wd))
    return apply(_LINEAR, (x, weight, bias), (xd, wd, bias._data))


def _linear_shape_error(xd, wd, layer):
    name = repr(layer) if layer is not None else f"Linear(in_features={wd.shape[1]}, out_features={wd.shape[0]})"
    got = xd.shape[-1] if xd.ndim else "a 0-d tensor"
    hint = ""
    if xd.ndim > 2 and int(np.prod(xd.shape[1:])) == wd.shape[1]:
        hint = f" Your input looks like a batch of {xd.shape[1:]} images: flatten it first (x.flatten(1) or nn.Flatten())."
    elif xd.ndim == 2 and xd.shape[0] == wd.shape[1]:
        hint = " The first dimension has that size: the input may be transposed (use x.T); rows must be samples."
    raise RuntimeError(f"{name} expects inputs with {wd.shape[1]} features in the last dimension, but got shape "
                       f"{tuple(xd.shape)} (last dimension {got}): mat1 and mat2 shapes cannot be multiplied "
                       f"({int(np.prod(xd.shape[:-1])) if xd.ndim else 1}x{xd.shape[-1] if xd.ndim else 1} and "
                       f"{wd.shape[1]}x{wd.shape[0]}).{hint}")


def _dtype_error(xd, wd, layer):
    raise RuntimeError(f"{repr(layer) if layer is not None else 'linear'}: the input is {xd.dtype} but the weights are {wd.dtype} "
                       f"(mat1 and mat2 must have the same dtype). Convert the input with "
                       f"x.float() (or build data with dtype=bibun.float32); or call model.double() to "
                       f"compute in float64.")


def sigmoid(input):
    return E.sigmoid(input)


def relu(input, inplace=False):
    return E.relu(input)


def tanh(input):
    return E.tanh(input)


def softmax(input, dim=None):
    return _t(input).softmax(-1 if dim is None else dim)


def log_softmax(input, dim=None):
    return _t(input).log_softmax(-1 if dim is None else dim)


def dropout(input, p=0.5, training=True):
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    x = _t(input)
    keep = (_gen(None).random(x._data.shape) >= p).astype(x._data.dtype) / (1 - p)
    return x * Tensor._wrap(keep)


def _same_shape(input, target, name):
    if input._data.shape != target._data.shape:
        raise ValueError(
            f"{name}: Target size ({tuple(target.shape)}) must be the same as input size ({tuple(input.shape)}). "
            + (f"Reshape the target with y.reshape(-1, 1) (or squeeze the output with out.squeeze(1)); "
               f"otherwise broadcasting would silently compare every output with every target."
               if sorted(input.shape) == sorted(target.shape) or 1 in (tuple(input.shape) + tuple(target.shape))
               else "Check which tensor is which."))


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    _check_reduction(reduction)
    z, y = _t(input), _t(target)
    _same_shape(z, y, "binary_cross_entropy_with_logits")
    if y._data.dtype != z._data.dtype:
        y = y.type(z.dtype)
    params = {"reduction": reduction} if reduction != "mean" else None
    if pos_weight is not None:
        params = dict(params or {}, pos_weight=_t(pos_weight)._data, reduction=reduction)
    if weight is not None:
        l = apply(_BCE_LOGITS, (z, y), (z._data, y._data), dict(params or {}, reduction="none")) * weight
        return _apply_reduction(l, reduction)
    return apply(_BCE_LOGITS, (z, y), (z._data, y._data), params)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    _check_reduction(reduction)
    p, y = _t(input), _t(target)
    _same_shape(p, y, "binary_cross_entropy")
    d = p._data
    if d.size and (d.min() < 0 or d.max() > 1):
        raise RuntimeError("all elements of input should be between 0 and 1: binary_cross_entropy takes "
                               "probabilities. If you pass raw scores (logits), use "
                               "binary_cross_entropy_with_logits / BCEWithLogitsLoss instead (more stable too).")
    l = LS.binary_cross_entropy(p, y.type(p.dtype), reduction=reduction if weight is None else "none")
    return l if weight is None else _apply_reduction(l * weight, reduction)


def _class_targets(input, target, name):
    t = _t(target)
    if t._data.dtype.kind == "f":
        if t.shape == input.shape:
            hint = ("it looks one-hot (or probabilities): pass class indices instead, e.g. "
                    "target.argmax(dim=1)")
        else:
            hint = "convert them with target.long()"
        raise RuntimeError(f"{name} expects class indices (an integer tensor of shape (N,), values 0..C-1) as "
                           f"target, got a {t.dtype} tensor of shape {tuple(t.shape)}: {hint}. Do not pass "
                           f"probabilities after softmax as input either: give the raw scores (logits).")
    if t._data.dtype.kind not in "iu":
        raise RuntimeError(f"{name} expects an integer class-index target, got {t.dtype}")
    if input.ndim < 1 or t.ndim != input.ndim - 1 or tuple(t.shape) != (tuple(input.shape[:1]) + tuple(input.shape[2:])):
        raise ValueError(f"{name}: input of shape {tuple(input.shape)} (N, C) needs a target of shape "
                         f"{(input.shape[0],) if input.ndim else ()} holding class indices, got {tuple(t.shape)}")
    td = t._data
    n_cls = input.shape[1] if input.ndim > 1 else input.shape[0]
    if td.size and (td.min() < 0 or td.max() >= n_cls):
        bad = td[(td < 0) | (td >= n_cls)]
        if not (bad == -100).all():
            raise IndexError(f"{name}: Target {int(bad[0])} is out of bounds: with {n_cls} classes the labels "
                             f"must be in 0..{n_cls - 1}")
    return t


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    _check_reduction(reduction)
    z = _t(input)
    if z.ndim != 2:
        raise ValueError(f"cross_entropy: expected input of shape (N, C) with raw class scores, got {tuple(z.shape)}")
    t = _class_targets(z, target, "cross_entropy")
    if weight is not None or label_smoothing:
        return nll_loss(log_softmax(z, 1), t, weight=weight, ignore_index=ignore_index, reduction=reduction) \
            if not label_smoothing else _smoothed_ce(z, t, label_smoothing, reduction)
    params = None if reduction == "mean" and ignore_index == -100 else {"reduction": reduction, "ignore_index": ignore_index}
    return apply(_CE, (z, t), (z._data, t._data), params)


def _smoothed_ce(z, t, eps, reduction):
    logp = log_softmax(z, 1)
    nll = nll_loss(logp, t, reduction="none")
    smooth = -logp.mean(dim=1)
    return _apply_reduction(nll * (1 - eps) + smooth * eps, reduction)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    _check_reduction(reduction)
    x = _t(input)
    t = _class_targets(x, target, "nll_loss")
    if weight is not None:
        w = _t(weight)._data[np.where(t._data == ignore_index, 0, t._data)] * (t._data != ignore_index)
        l = LS.nll_loss(x, t, reduction="none", ignore_index=ignore_index) * Tensor._wrap(w.astype(x._data.dtype))
        if reduction == "mean":
            return l.sum() / float(w.sum())
        return _apply_reduction(l, reduction)
    return LS.nll_loss(x, t, reduction=reduction, ignore_index=ignore_index)


def mse_loss(input, target, reduction="mean"):
    _check_reduction(reduction)
    x, y = _t(input), _t(target)
    if tuple(x.shape) != tuple(y.shape):
        raise ValueError(
            f"mse_loss: input shape {tuple(x.shape)} and target shape {tuple(y.shape)} differ; broadcasting "
            f"them would compare every prediction with every target and give a wrong loss. Make them match: "
            f"target.reshape({tuple(x.shape)}) or input.squeeze(-1).")
    d = x - y
    return _apply_reduction(d * d, reduction)


def l1_loss(input, target, reduction="mean"):
    x, y = _t(input), _t(target)
    _same_shape(x, y, "l1_loss")
    return _apply_reduction((x - y).abs(), reduction)


def _apply_reduction(l, reduction):
    if reduction == "mean":
        return l.mean()
    if reduction == "sum":
        return l.sum()
    return l


def one_hot(tensor, num_classes=-1):
    t = _t(tensor)._data
    n = int(t.max()) + 1 if num_classes < 0 else num_classes
    return Tensor._wrap(np.eye(n, dtype=np.int64)[t])
