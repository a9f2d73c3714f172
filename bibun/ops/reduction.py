"""Reductions and normalisations along axes. Axes arrive normalised: a tuple of non-negative ints, or None."""
import numpy as np

from ._registry import ATOM, defop
from ._wrap import unary


def _expand(xp, g, shape, axis, keepdims):
    """Bring the gradient of a reduced output back to the input's shape."""
    if axis is not None and not keepdims:
        g = xp.expand_dims(g, axis)
    return xp.broadcast_to(g, shape)


def _count(shape, axis):
    n = 1
    for i in (range(len(shape)) if axis is None else axis):
        n *= shape[i]
    return n


def _extreme_grad(xp, g, out, a, axis=None, keepdims=False):
    # ties share the gradient equally (PyTorch's amax/amin rule)
    hit = a == _expand(xp, out, a.shape, axis, keepdims)
    n = xp.sum(hit, axis=axis, keepdims=True)
    return _expand(xp, g, a.shape, axis, keepdims) * hit / n


def _selected_grad(argf):
    """max(dim) / min(dim): the whole gradient goes to the index returned, ties or not (PyTorch's rule)."""
    def vjp(xp, g, out, a, axis, keepdims=False):
        data = a if isinstance(a, np.ndarray) else a._data
        hit = np.zeros(data.shape, dtype=bool)
        np.put_along_axis(hit, argf(data, axis=axis, keepdims=True), True, axis=axis)
        return _expand(xp, g, data.shape, (axis,), keepdims) * hit
    return vjp


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


def _sum(a, axis=None, keepdims=False):
    # the ufunc's reduce directly (np.sum's wrapper costs more than a small sum); ints and bools sum as int64
    return np.add.reduce(a, axis=axis, keepdims=keepdims, dtype=np.int64 if a.dtype.kind in "biu" else None)


def _mean(a, axis=None, keepdims=False):
    return np.add.reduce(a, axis=axis, keepdims=keepdims) / _count(a.shape, axis)


R = "reduction"
sum = unary(defop("sum", _sum,
                  lambda xp, g, out, a, axis=None, keepdims=False: _expand(xp, g, a.shape, axis, keepdims),
                  kind=R, symbol=r"\sum", label=r"\Sigma", local=("1",), grad_name_dim="SumBackward1",
                  forward=(r"\sum @0", "sum(@0)", ATOM), vjp_text=((r"@g \mathbf{1}", "@g·1"),)))
mean = unary(defop("mean", _mean,
                   lambda xp, g, out, a, axis=None, keepdims=False:
                   _expand(xp, g, a.shape, axis, keepdims) / _count(a.shape, axis),
                   kind=R, symbol="mean", label=r"\mathrm{mean}", local=(r"\frac{1}{@n}",),
                   grad_name_dim="MeanBackward1", forward=(r"\mathrm{mean}(@0)", "mean(@0)", ATOM),
                   vjp_text=((r"\frac{@g}{@n}", "@g/@n"),)))
amax = unary(defop("amax", lambda a, axis=None, keepdims=False: np.max(a, axis=axis, keepdims=keepdims),
                   _extreme_grad, kind=R, symbol=r"\max", local=(r"[@0 = \max]",), grad_name="MaxBackward1"))
amin = unary(defop("amin", lambda a, axis=None, keepdims=False: np.min(a, axis=axis, keepdims=keepdims),
                   _extreme_grad, kind=R, symbol=r"\min", local=(r"[@0 = \min]",), grad_name="MinBackward1"))
# the values of max(dim) / min(dim), `axis` an int; the indices are computed beside them, never recorded
max_dim = unary(defop("max_dim", lambda a, axis, keepdims=False: np.max(a, axis=axis, keepdims=keepdims),
                      _selected_grad(np.argmax), kind=R, symbol=r"\max", local=(r"[@0 = \max]",),
                      grad_name="MaxBackward0"))
min_dim = unary(defop("min_dim", lambda a, axis, keepdims=False: np.min(a, axis=axis, keepdims=keepdims),
                      _selected_grad(np.argmin), kind=R, symbol=r"\min", local=(r"[@0 = \min]",),
                      grad_name="MinBackward0"))
logsumexp = unary(defop("logsumexp", _logsumexp,
                        lambda xp, g, out, a, axis=None, keepdims=False:
                        _expand(xp, g, a.shape, axis, keepdims) * xp.exp(a - _expand(xp, out, a.shape, axis, keepdims)),
                        kind=R, symbol="logsumexp", label=r"\mathrm{logsumexp}", local=(r"\mathrm{softmax}(@0)",),
                        forward=(r"\log\sum\exp(@0)", "logsumexp(@0)", ATOM)))
softmax = unary(defop("softmax", _softmax,
                      lambda xp, g, out, a, axis: out * (g - xp.sum(g * out, axis=axis, keepdims=True)),
                      kind=R, symbol="softmax", label=r"\mathrm{softmax}", local=(r"\mathrm{diag}(s) - s s^\top",),
                      forward=(r"\mathrm{softmax}(@0)", "softmax(@0)", ATOM)))
log_softmax = unary(defop("log_softmax", _log_softmax,
                          lambda xp, g, out, a, axis: g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True),
                          kind=R, symbol="log softmax", label=r"\log\mathrm{softmax}",
                          local=(r"I - \mathbf{1} s^\top",), grad_name="LogSoftmaxBackward0",
                          forward=(r"\log\mathrm{softmax}(@0)", "log_softmax(@0)", ATOM)))
