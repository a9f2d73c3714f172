"""Reductions and normalisations along axes. Axes arrive normalised: a tuple of non-negative ints, or None."""
import numpy as np

from ._registry import defop
from ._wrap import unary


def _expand(xp, g, shape, axis, keepdims):
    """Bring the gradient of a reduced output back to the input's shape."""
    if axis is not None and not keepdims:
        g = xp.expand_dims(g, axis)
    return xp.broadcast_to(g, shape)


def _count(shape, axis):
    return int(np.prod([shape[i] for i in axis])) if axis is not None else int(np.prod(shape))


def _extreme_grad(xp, g, out, a, axis=None, keepdims=False):
    # ties share the gradient equally (PyTorch's amax/amin rule)
    hit = a == _expand(xp, out, a.shape, axis, keepdims)
    n = xp.sum(hit, axis=axis, keepdims=True)
    return _expand(xp, g, a.shape, axis, keepdims) * hit / n


def _logsumexp(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    s = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return s if keepdims else (np.squeeze(s, axis) if axis is not None else s.reshape(()))


def _softmax(a, axis):
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def _log_softmax(a, axis):
    s = a - np.max(a, axis=axis, keepdims=True)
    s -= np.log(np.sum(np.exp(s), axis=axis, keepdims=True))
    return s


R = "reduction"
sum = unary(defop("sum", lambda a, axis=None, keepdims=False: np.sum(a, axis=axis, keepdims=keepdims),
                  lambda xp, g, out, a, axis=None, keepdims=False: _expand(xp, g, a.shape, axis, keepdims),
                  kind=R, symbol=r"\sum", local=("1",)))
mean = unary(defop("mean", lambda a, axis=None, keepdims=False: np.mean(a, axis=axis, keepdims=keepdims),
                   lambda xp, g, out, a, axis=None, keepdims=False:
                   _expand(xp, g, a.shape, axis, keepdims) / _count(a.shape, axis),
                   kind=R, symbol="mean", local=(r"\frac{1}{n}",)))
amax = unary(defop("amax", lambda a, axis=None, keepdims=False: np.max(a, axis=axis, keepdims=keepdims),
                   _extreme_grad, kind=R, symbol=r"\max", local=(r"[@0 = \max]",), grad_name="MaxBackward1"))
amin = unary(defop("amin", lambda a, axis=None, keepdims=False: np.min(a, axis=axis, keepdims=keepdims),
                   _extreme_grad, kind=R, symbol=r"\min", local=(r"[@0 = \min]",), grad_name="MinBackward1"))
logsumexp = unary(defop("logsumexp", _logsumexp,
                        lambda xp, g, out, a, axis=None, keepdims=False:
                        _expand(xp, g, a.shape, axis, keepdims) * xp.exp(a - _expand(xp, out, a.shape, axis, keepdims)),
                        kind=R, symbol="logsumexp", local=(r"\mathrm{softmax}(@0)",)))
softmax = unary(defop("softmax", _softmax,
                      lambda xp, g, out, a, axis: out * (g - xp.sum(g * out, axis=axis, keepdims=True)),
                      kind=R, symbol="softmax", local=(r"\mathrm{diag}(s) - s s^\top",)))
log_softmax = unary(defop("log_softmax", _log_softmax,
                          lambda xp, g, out, a, axis: g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True),
                          kind=R, symbol="log softmax", local=(r"I - \mathbf{1} s^\top",),
                          grad_name="LogSoftmaxBackward0"))
