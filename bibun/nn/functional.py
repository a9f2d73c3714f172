"""bibun.nn.functional: the layers and losses as functions. Shape and dtype mistakes stop here with a
message that says what was expected and how to fix it."""
import numpy as np

import warnings

from .._errors import ShapeError, module_name
from .._tensor import Tensor
from . import reduction as _reduction
from ..ops import elementwise as E, losses as LS
from ..ops._registry import OPS, apply
from ..random import _gen

_LINEAR = OPS["linear"]
_BCE_LOGITS = OPS["binary_cross_entropy_with_logits"]
_CE = OPS["cross_entropy"]
_SOFTMAX = OPS["softmax"]
_SIGMOID = OPS["sigmoid"]


def _t(x):
    return x if isinstance(x, Tensor) else Tensor._from_data(x)


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


def _layer_name(layer, wd):
    """`fc1` = Linear(in_features=784, ...): the layer as the user named it, and as it prints."""
    text = repr(layer) if layer is not None else f"Linear(in_features={wd.shape[1]}, out_features={wd.shape[0]})"
    name = module_name(layer) if layer is not None else None
    return f"`{name}` = {text}" if name else text


def _linear_shape_error(xd, wd, layer):
    n_in, n_out = wd.shape[1], wd.shape[0]
    got = xd.shape[-1] if xd.ndim else None
    rows = int(np.prod(xd.shape[:-1])) if xd.ndim else 1
    if xd.ndim > 2 and int(np.prod(xd.shape[1:])) == n_in:
        hint = (f"Your input looks like a batch of {xd.shape[0]} samples of shape {tuple(xd.shape[1:])}: flatten "
                f"each sample first, x.flatten(1) (or put nn.Flatten() before this layer).")
    elif xd.ndim == 2 and xd.shape[0] == n_in:
        hint = (f"Its first dimension is {n_in}: the input may be transposed; rows must be samples, so pass "
                f"x.T (shape {tuple(xd.shape[::-1])}).")
    elif got == n_out and n_in != n_out:
        hint = (f"The input has {n_out} features, this layer's out_features: were in and out swapped? "
                f"nn.Linear(in_features, out_features) takes the input size first: nn.Linear({n_out}, {n_in}).")
    elif xd.ndim == 0:
        hint = "Give it a batch of samples, shape (N, features)."
    else:
        hint = (f"If the input is right (it has {got} features), this layer should be nn.Linear({got}, {n_out}); "
                f"if the layer is right, check what comes before it.")
    wrong = ""
    if xd.ndim >= 1 and xd.size % n_in == 0 and xd.size // n_in != xd.shape[0] and not (
            xd.ndim > 2 and int(np.prod(xd.shape[1:])) == n_in):
        wrong = (f" Do not force the numbers to fit with x.view(-1, {n_in}): that would cut and glue samples "
                 f"together into {xd.size // n_in} rows.")
    raise ShapeError(f"{_layer_name(layer, wd)} expects inputs with {n_in} features (the last dimension), but "
                     f"got an input of shape {tuple(xd.shape)}, so mat1 and mat2 shapes cannot be multiplied "
                     f"({rows}x{got if got is not None else 1} and {n_in}x{n_out}). {hint}{wrong}")


def _dtype_error(xd, wd, layer):
    raise ShapeError(f"{_layer_name(layer, wd)}: the input is {xd.dtype} but the layer's weights are {wd.dtype} "
                     f"(mat1 and mat2 must have the same dtype); NumPy arrays and Python data default to "
                     f"float64, layers to float32. Fix: convert the input, x.float() (or build the data with "
                     f"dtype=bibun.float32 / arr.astype(np.float32)). Calling model.double() also makes them "
                     f"match, but computes everything in float64, about twice as slow, for no gain in learning.")


def sigmoid(input):
    return E.sigmoid(input)


def relu(input, inplace=False):
    return input.relu_() if inplace else E.relu(input)


def tanh(input):
    return E.tanh(input)


def softmax(input, dim=None):
    return _t(input).softmax(-1 if dim is None else dim)


def log_softmax(input, dim=None):
    return _t(input).log_softmax(-1 if dim is None else dim)


def dropout(input, p=0.5, training=True, inplace=False):
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input.mul_(0.0) if inplace else input * 0.0
    x = _t(input)
    keep = Tensor._wrap((_gen(None).random(x._data.shape) >= p).astype(x._data.dtype) / (1 - p))
    return x.mul_(keep) if inplace else x * keep


def _same_shape(input, target, name):
    if input._data.shape != target._data.shape:
        raise ShapeError(
            f"{name}: Target size ({tuple(target.shape)}) must be the same as input size ({tuple(input.shape)}). "
            + (f"Reshape the target with y.reshape(-1, 1) (or squeeze the output with out.squeeze(1)); "
               f"otherwise broadcasting would silently compare every output with every target."
               if sorted(input.shape) == sorted(target.shape) or 1 in (tuple(input.shape) + tuple(target.shape))
               else "Check which tensor is which."))


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    _reduction.check(reduction)
    z, y = _t(input), _t(target)
    _same_shape(z, y, "binary_cross_entropy_with_logits")
    if z.grad_fn is not None and z.grad_fn.op is _SIGMOID:
        _warn_squashed("binary_cross_entropy_with_logits", "sigmoid", "nn.Sigmoid() layer or the .sigmoid()",
                       "BCELoss / binary_cross_entropy")
    if y._data.dtype != z._data.dtype:
        y = y.type(z.dtype)
    params = {"reduction": reduction} if reduction != "mean" else None
    if pos_weight is not None:
        params = dict(params or {}, pos_weight=_t(pos_weight)._data, reduction=reduction)
    if weight is not None:
        l = apply(_BCE_LOGITS, (z, y), (z._data, y._data), dict(params or {}, reduction="none")) * weight
        return _reduction.apply(l, reduction)
    return apply(_BCE_LOGITS, (z, y), (z._data, y._data), params)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    _reduction.check(reduction)
    p, y = _t(input), _t(target)
    _same_shape(p, y, "binary_cross_entropy")
    d = p._data
    if d.size and (d.min() < 0 or d.max() > 1):
        raise RuntimeError("all elements of input should be between 0 and 1: binary_cross_entropy takes "
                               "probabilities. If you pass raw scores (logits), use "
                               "binary_cross_entropy_with_logits / BCEWithLogitsLoss instead (more stable too).")
    l = LS.binary_cross_entropy(p, y.type(p.dtype), reduction=reduction if weight is None else "none")
    return l if weight is None else _reduction.apply(l * weight, reduction)


def _class_targets(input, target, name):
    t = _t(target)
    n_cls = input.shape[1] if input.ndim > 1 else (input.shape[0] if input.ndim else 0)
    want = f"class indices: an integer tensor of shape {(input.shape[0],) if input.ndim > 1 else ()} with values 0..{n_cls - 1}"
    if t._data.dtype.kind == "f":
        if t.shape == input.shape:
            hint = ("it looks one-hot (or like probabilities): pass the class of each row instead, "
                    "target.argmax(dim=1)")
        else:
            hint = "if they are whole numbers already, convert them with target.long()"
        raise ShapeError(f"{name} expects {want} as target (expected scalar type Long), but got a {t.dtype} tensor "
                         f"of shape {tuple(t.shape)}: {hint}. Do not turn the targets into probabilities or "
                         f"apply softmax to the input to make them match: {name} takes raw scores (logits) and "
                         f"class indices.")
    if t._data.dtype.kind not in "iu":
        raise ShapeError(f"{name} expects {want} as target, got {t.dtype}: convert with target.long()")
    if t.shape == input.shape and t.ndim == 2:
        raise ShapeError(f"{name} expects {want} as target (0D or 1D target tensor expected, multi-target not "
                         f"supported), but got shape {tuple(t.shape)}, the input's shape: it looks one-hot. Pass "
                         f"the class of each row instead, target.argmax(dim=1).")
    if input.ndim < 1 or t.ndim != input.ndim - 1 or tuple(t.shape) != (tuple(input.shape[:1]) + tuple(input.shape[2:])):
        raise ShapeError(f"{name}: input of shape {tuple(input.shape)} (N, C) needs {want}, but the target has "
                         f"shape {tuple(t.shape)} (Expected input batch_size to match target batch_size): check "
                         f"that the scores and labels come from the same batch.")
    td = t._data
    if td.size and (td.min() < 0 or td.max() >= n_cls):
        bad = td[(td < 0) | (td >= n_cls)]
        if not (bad == -100).all():
            raise IndexError(f"{name}: Target {int(bad[0])} is out of bounds: with {n_cls} classes the labels "
                             f"must be in 0..{n_cls - 1}")
    return t


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    _reduction.check(reduction)
    z = _t(input)
    if z.ndim == 1:                  # one unbatched sample: scores (C,) and a 0-d class index, as PyTorch allows
        t = _t(target)
        if t.ndim == 0:
            loss = cross_entropy(z.unsqueeze(0), t.reshape(1), weight, ignore_index, reduction, label_smoothing)
            return loss.reshape(()) if reduction == "none" else loss
    if z.ndim != 2:
        raise ValueError(f"cross_entropy: expected input of shape (N, C) with raw class scores (or (C,) with a 0-d "
                         f"target for one sample), got {tuple(z.shape)}")
    t = _class_targets(z, target, "cross_entropy")
    if z.grad_fn is not None and z.grad_fn.op is _SOFTMAX:
        _warn_squashed("cross_entropy", "softmax", "nn.Softmax() layer or the .softmax()", "NLLLoss on .log()")
    if weight is not None or label_smoothing:
        return nll_loss(log_softmax(z, 1), t, weight=weight, ignore_index=ignore_index, reduction=reduction) \
            if not label_smoothing else _smoothed_ce(z, t, label_smoothing, reduction)
    params = None if reduction == "mean" and ignore_index == -100 else {"reduction": reduction, "ignore_index": ignore_index}
    return apply(_CE, (z, t), (z._data, t._data), params)


def _smoothed_ce(z, t, eps, reduction):
    logp = log_softmax(z, 1)
    nll = nll_loss(logp, t, reduction="none")
    smooth = -logp.mean(dim=1)
    return _reduction.apply(nll * (1 - eps) + smooth * eps, reduction)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    _reduction.check(reduction)
    x = _t(input)
    t = _class_targets(x, target, "nll_loss")
    if weight is not None:
        w = _t(weight)._data[np.where(t._data == ignore_index, 0, t._data)] * (t._data != ignore_index)
        l = LS.nll_loss(x, t, reduction="none", ignore_index=ignore_index) * Tensor._wrap(w.astype(x._data.dtype))
        if reduction == "mean":
            return l.sum() / float(w.sum())
        return _reduction.apply(l, reduction)
    return LS.nll_loss(x, t, reduction=reduction, ignore_index=ignore_index)


def mse_loss(input, target, reduction="mean"):
    _reduction.check(reduction)
    x, y = _t(input), _t(target)
    if x._data.shape != y._data.shape:
        _mse_shape_error(x, y)
    return LS.mse_loss(x, y, reduction=reduction) if reduction != "mean" else LS.mse_loss(x, y)


def _mse_shape_error(x, y):
    xs, ys = tuple(x.shape), tuple(y.shape)
    try:
        b = f"would broadcast to {tuple(np.broadcast_shapes(xs, ys))}, comparing every prediction with every target"
    except ValueError:
        b = "cannot be broadcast together"
    if len(xs) == len(ys) + 1 and xs[-1] == 1 and xs[:-1] == ys:
        fix = f"pred.squeeze({len(xs) - 1}) (or target.reshape(-1, 1), or target.unsqueeze(1))"
    elif len(ys) == len(xs) + 1 and ys[-1] == 1 and ys[:-1] == xs:
        fix = f"target.squeeze({len(ys) - 1}) (or pred.unsqueeze(1))"
    else:
        fix = "reshape one of them to the other's shape"
    raise ShapeError(f"mse_loss: the prediction has shape {xs} and the target {ys}: they {b} and giving a wrong "
                     f"loss (PyTorch only warns: Using a target size that is different to the input size). The two "
                     f"must have the same shape. Fix: {fix}. Writing the loss by hand, ((pred - target) ** 2).mean(), "
                     f"would not stop on this: it would broadcast silently.")


def _warn_squashed(loss, squash, where, other):
    warnings.warn(f"{loss} got the output of {squash} as its input: {loss} applies {'log-softmax' if squash == 'softmax' else 'the sigmoid'} "
                  f"itself, so the scores get squashed twice and the model learns slowly or not at all. Fix: pass "
                  f"the raw scores (logits): remove the {where} call before the loss (apply it only to read "
                  f"probabilities). Keeping {squash} and switching to {other} works, but is less stable.",
                  UserWarning, stacklevel=3)


def l1_loss(input, target, reduction="mean"):
    x, y = _t(input), _t(target)
    _same_shape(x, y, "l1_loss")
    return _reduction.apply((x - y).abs(), reduction)


def one_hot(tensor, num_classes=-1):
    t = _t(tensor)._data
    n = int(t.max()) + 1 if num_classes < 0 else num_classes
    return Tensor._wrap(np.eye(n, dtype=np.int64)[t])


# built from the ones above (a module of their own: they are composites, not new ops)
from ._smooth_losses import smooth_l1_loss, huber_loss  # noqa: E402,F401
from ._activations import (gelu, silu, leaky_relu, elu, softplus, logsigmoid, hardtanh, relu6, mish,  # noqa: E402,F401
                           softsign, threshold, prelu, glu, softmin)
from ._conv import (conv1d, conv2d, max_pool2d, avg_pool2d, adaptive_avg_pool2d, pad, unfold, fold,  # noqa: E402,F401
                    dropout2d)
from ._norm import batch_norm, layer_norm, group_norm  # noqa: E402,F401
from ._embedding import embedding  # noqa: E402,F401
from ._similarity import kl_div, cosine_similarity, normalize  # noqa: E402,F401
