"""Composite ops written as the elementary ops a textbook draws.

``explain(..., expand=True)`` replays the recorded computation and, where it meets one of the ops below,
runs its expansion instead, so that σ(z) becomes 1/(exp(z·(-1)) + 1): the nodes ×(−1), exp, +1, 1/a of
the chapter's eq. (8.6). Each expansion is plain bibun code, so its steps are recorded like any other.
The fused ops stay what the engine runs everywhere else; only the explanation is expanded.
"""
import numpy as np

from ..nn import reduction as _reduction


def _sigmoid(a):
    import bibun
    return 1 / (bibun.exp(-a) + 1)


def _bce_terms(p, y):
    """-(y log p + (1-y) log(1-p)), specialised when the target is a constant 0 or 1 everywhere (the
    chapter's eq. (8.5): for y = 1 the loss is -log p)."""
    import bibun
    yd = y._data if isinstance(y, bibun.Tensor) else np.asarray(y)
    constant = not (isinstance(y, bibun.Tensor) and y.requires_grad)
    if constant and np.all(yd == 1):
        return -bibun.log(p)
    if constant and np.all(yd == 0):
        return -bibun.log(1 - p)
    return -(y * bibun.log(p) + (1 - y) * bibun.log(1 - p))


def _bce(p, y, reduction="mean"):
    return _reduction.apply(_bce_terms(p, y), reduction)


def _bce_logits(z, y, pos_weight=None, reduction="mean"):
    if pos_weight is not None:
        return None                              # no textbook form: keep the fused op
    return _reduction.apply(_bce_terms(_sigmoid(z), y), reduction)


def _mse(a, y, reduction="mean"):
    d = a - y
    return _reduction.apply(d * d, reduction)


def _linear(x, w, b=None):
    out = x @ w.T
    return out if b is None else out + b


# op name -> function of the op's inputs and params returning the same value built from elementary ops
# (or None to keep the op as it is)
EXPANSIONS = {
    "sigmoid": _sigmoid,
    "binary_cross_entropy": _bce,
    "binary_cross_entropy_with_logits": _bce_logits,
    "linear": _linear,
    "mse_loss": _mse,
}
