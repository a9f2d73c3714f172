"""Reductions and normalisations along axes, and the names they go by. Axes arrive at the ops normalised: a
tuple of non-negative ints, or None; the methods take PyTorch's `dim`, bibun.numpy NumPy's `axis`."""
import collections

import numpy as np

from ._args import axes, axis as one_axis, constant, tensor_of
from ._registry import ATOM, METHOD, Form, Text, defop, defsurface
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


def _prod_others(xp, a, axis):
    """For each element, the product of the other elements it is reduced with: exact where some are 0 (the
    gradient of a product, which out / a is not)."""
    red = tuple(range(a.ndim)) if axis is None else tuple(axis)
    keep = [i for i in range(a.ndim) if i not in red]
    perm = tuple(keep + list(red))
    t = xp.transpose(a, perm)
    moved = tuple(t.shape)
    n = _count(a.shape, red)
    t = xp.reshape(t, moved[:len(keep)] + (n,))
    if isinstance(t, np.ndarray):               # products of those before times those after, in O(n)
        ones = np.ones(t.shape[:-1] + (1,), t.dtype)
        before = np.cumprod(np.concatenate([ones, t[..., :-1]], axis=-1), axis=-1)
        after = np.cumprod(np.concatenate([ones, t[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = before * after
    else:                                       # traced (a graph of the gradient): products of shifted copies
        others = xp.ones_like(t)
        for k in range(1, n):
            others = others * xp.roll(t, k, axis=-1)
    return xp.transpose(xp.reshape(others, moved), tuple(np.argsort(perm)))


def _prod(a, axis=None, keepdims=False):
    return np.prod(a, axis=axis, keepdims=keepdims, dtype=np.int64 if a.dtype.kind in "biu" else None)


def _reverse(x, axis):
    return x[(slice(None),) * axis + (slice(None, None, -1),)]


def _cumsum_grad(xp, g, out, a, axis):
    return _reverse(xp.cumsum(_reverse(g, axis), axis=axis), axis)


_values_indices = collections.namedtuple("return_types", ["values", "indices"])


# -- the methods (PyTorch's dim, keepdim) -----------------------------------------------------------------------
def _sum_method(self, dim=None, keepdim=False, dtype=None):
    x = self if dtype is None else self.type(dtype)
    return sum(x, axis=axes(dim, self.ndim), keepdims=keepdim)


def _mean_method(self, dim=None, keepdim=False, dtype=None):
    x = self if dtype is None else self.type(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be floating point, "
                           f"got {self.dtype}; convert first with .float()")
    return mean(x, axis=axes(dim, self.ndim), keepdims=keepdim)


def _var(x, ax, ddof, keepdims):
    n = _count(x.shape, ax)
    d = x - mean(x, axis=ax, keepdims=True)
    return sum(d * d, axis=ax, keepdims=keepdims) / max(n - ddof, 0)


def _var_method(self, dim=None, keepdim=False, unbiased=True, correction=None):
    ddof = (1 if unbiased else 0) if correction is None else correction
    return _var(self, axes(dim, self.ndim), ddof, keepdim)


def _std_method(self, dim=None, keepdim=False, unbiased=True, correction=None):
    return _var_method(self, dim, keepdim, unbiased, correction).sqrt()


def _extreme(self, op, argf, dim, keepdim):
    if hasattr(dim, "_data"):                 # torch.max(a, b): the elementwise form
        from .elementwise import maximum, minimum
        return (maximum if op is amax else minimum)(self, dim)
    data = self._data
    if data.size == 0 and (dim is None or data.ndim and data.shape[dim] == 0):
        raise RuntimeError(f"{'max' if op is amax else 'min'}() of an empty tensor (shape {tuple(data.shape)}) has "
                           f"no value: check where it became empty (a mask that selects nothing, an empty batch)")
    if dim is None:
        return op(self)
    ax = axes(dim, self.ndim)
    if ax is None:                            # a 0-d tensor: its value, at index 0
        return _values_indices(op(self), constant(np.zeros((), dtype=np.int64)))
    values = (max_dim if op is amax else min_dim)(self, axis=ax[0], keepdims=keepdim)
    idx = argf(self._data, axis=ax[0], keepdims=keepdim)
    return _values_indices(values, constant(np.asarray(idx, dtype=np.int64)))


def _max_method(self, dim=None, keepdim=False):
    return _extreme(self, amax, np.argmax, dim, keepdim)


def _min_method(self, dim=None, keepdim=False):
    return _extreme(self, amin, np.argmin, dim, keepdim)


def _arg(f):
    def method(self, dim=None, keepdim=False):
        if dim is None:
            r = f(self._data)
            return constant(np.asarray(r, dtype=np.int64).reshape((1,) * self.ndim if keepdim else ()))
        return constant(np.asarray(f(self._data, axis=one_axis(dim, self.ndim), keepdims=keepdim), dtype=np.int64))
    method.__name__ = f.__name__
    return method


def _bool_reduction(f):
    def method(self, dim=None, keepdim=False):
        return constant(f(self._data, axis=dim, keepdims=keepdim))
    method.__name__ = f.__name__
    return method


def _softmax_method(op):
    def method(self, dim):
        return op(self, axis=axes(dim, self.ndim)[0] if self.ndim else None)
    return method


# -- NumPy's forms (axis, keepdims, ddof) ------------------------------------------------------------------------
def _np_axes(ax, ndim):
    return None if ax is None else tuple(sorted(a % ndim for a in (ax if isinstance(ax, (tuple, list)) else (ax,))))


def _np_reduce(op_name):
    def f(a, axis=None, dtype=None, out=None, keepdims=False):
        a = tensor_of(a)
        if dtype is not None:
            a = a.astype(dtype)
        return globals()[op_name](a, axis=_np_axes(axis, a.ndim), keepdims=keepdims)
    f.__name__ = op_name
    return f


def _np_var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    a = tensor_of(a)
    return _var(a, _np_axes(axis, a.ndim), ddof, keepdims)


def _np_std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _np_var(a, axis, dtype, out, ddof, keepdims).sqrt()


def _np_arg(f):
    def g(a, axis=None, keepdims=False):
        return constant(f(a._data if hasattr(a, "_data") else a, axis=axis, keepdims=keepdims))
    g.__name__ = f.__name__
    return g


def _np_cumsum(a, axis=None, dtype=None):
    a = tensor_of(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    return cumsum(a, axis=axis % a.ndim)


def _np_last_axis(op):
    def f(a, axis=-1):
        a = tensor_of(a)
        return op(a, axis=axis % a.ndim)
    return f


def _np_logsumexp(a, axis=None, keepdims=False):
    return _logsumexp(np.asarray(a), _np_axes(axis, np.ndim(a)), keepdims)


R = "reduction"
sum = unary(defop(
    "sum", fwd=_sum, vjp=lambda xp, g, out, a, axis=None, keepdims=False: _expand(xp, g, a.shape, axis, keepdims),
    kind=R, grad_name_dim="SumBackward1",
    symbol=r"\sum", label=r"\Sigma", local=("1",), forward=Form(r"\sum @0", "sum(@0)", ATOM),
    vjp_text=(Text(r"@g \mathbf{1}", "@g·1"),),
    method={"sum": _sum_method}, function={"sum": METHOD}, numpy={"sum": _np_reduce("sum")}))
mean = unary(defop(
    "mean", fwd=_mean,
    vjp=lambda xp, g, out, a, axis=None, keepdims=False: _expand(xp, g, a.shape, axis, keepdims) / _count(a.shape, axis),
    kind=R, grad_name_dim="MeanBackward1",
    symbol="mean", label=r"\mathrm{mean}", local=(r"\frac{1}{@n}",), forward=Form(r"\mathrm{mean}(@0)", "mean(@0)", ATOM),
    vjp_text=(Text(r"\frac{@g}{@n}", "@g/@n"),),
    method={"mean": _mean_method}, function={"mean": METHOD}, numpy={"mean": _np_reduce("mean")}))
amax = unary(defop(
    "amax", fwd=lambda a, axis=None, keepdims=False: np.max(a, axis=axis, keepdims=keepdims), vjp=_extreme_grad,
    kind=R, grad_name="MaxBackward1", symbol=r"\max", local=(r"[@0 = \max]",),
    method={"amax": lambda self, dim=None, keepdim=False: amax(self, axis=axes(dim, self.ndim), keepdims=keepdim)},
    function={"amax": METHOD}, numpy={"max": _np_reduce("amax"), "amax": _np_reduce("amax")}))
amin = unary(defop(
    "amin", fwd=lambda a, axis=None, keepdims=False: np.min(a, axis=axis, keepdims=keepdims), vjp=_extreme_grad,
    kind=R, grad_name="MinBackward1", symbol=r"\min", local=(r"[@0 = \min]",),
    method={"amin": lambda self, dim=None, keepdim=False: amin(self, axis=axes(dim, self.ndim), keepdims=keepdim)},
    function={"amin": METHOD}, numpy={"min": _np_reduce("amin"), "amin": _np_reduce("amin")}))
# the values of max(dim) / min(dim), `axis` an int; the indices are computed beside them, never recorded
max_dim = unary(defop(
    "max_dim", fwd=lambda a, axis, keepdims=False: np.max(a, axis=axis, keepdims=keepdims),
    vjp=_selected_grad(np.argmax), kind=R, grad_name="MaxBackward0", symbol=r"\max", local=(r"[@0 = \max]",),
    method={"max": _max_method}, function={"max": METHOD}))
min_dim = unary(defop(
    "min_dim", fwd=lambda a, axis, keepdims=False: np.min(a, axis=axis, keepdims=keepdims),
    vjp=_selected_grad(np.argmin), kind=R, grad_name="MinBackward0", symbol=r"\min", local=(r"[@0 = \min]",),
    method={"min": _min_method}, function={"min": METHOD}))
logsumexp = unary(defop(
    "logsumexp", fwd=_logsumexp,
    vjp=lambda xp, g, out, a, axis=None, keepdims=False:
    _expand(xp, g, a.shape, axis, keepdims) * xp.exp(a - _expand(xp, out, a.shape, axis, keepdims)),
    kind=R, symbol="logsumexp", label=r"\mathrm{logsumexp}", local=(r"\mathrm{softmax}(@0)",),
    forward=Form(r"\log\sum\exp(@0)", "logsumexp(@0)", ATOM),
    method={"logsumexp": lambda self, dim, keepdim=False: logsumexp(self, axis=axes(dim, self.ndim), keepdims=keepdim)},
    function={"logsumexp": METHOD}, numpy={"logsumexp": (_np_logsumexp, _np_reduce("logsumexp"))}))
softmax = unary(defop(
    "softmax", fwd=_softmax, vjp=lambda xp, g, out, a, axis: out * (g - xp.sum(g * out, axis=axis, keepdims=True)),
    kind=R, symbol="softmax", label=r"\mathrm{softmax}", local=(r"\mathrm{diag}(s) - s s^\top",),
    forward=Form(r"\mathrm{softmax}(@0)", "softmax(@0)", ATOM),
    method={"softmax": _softmax_method(lambda x, axis: softmax(x, axis=axis))}, function={"softmax": METHOD},
    numpy={"softmax": (lambda a, axis=-1: _softmax(np.asarray(a), axis), _np_last_axis(lambda x, axis: softmax(x, axis=axis)))}))
log_softmax = unary(defop(
    "log_softmax", fwd=_log_softmax,
    vjp=lambda xp, g, out, a, axis: g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True),
    kind=R, grad_name="LogSoftmaxBackward0",
    symbol="log softmax", label=r"\log\mathrm{softmax}", local=(r"I - \mathbf{1} s^\top",),
    forward=Form(r"\log\mathrm{softmax}(@0)", "log_softmax(@0)", ATOM),
    method={"log_softmax": _softmax_method(lambda x, axis: log_softmax(x, axis=axis))},
    function={"log_softmax": METHOD},
    numpy={"log_softmax": (lambda a, axis=-1: _log_softmax(np.asarray(a), axis),
                           _np_last_axis(lambda x, axis: log_softmax(x, axis=axis)))}))
prod = unary(defop(
    "prod", fwd=_prod,
    vjp=lambda xp, g, out, a, axis=None, keepdims=False: _expand(xp, g, a.shape, axis, keepdims) * _prod_others(xp, a, axis),
    kind=R, grad_name_dim="ProdBackward1", symbol=r"\prod", label=r"\Pi", local=(r"\prod_{j \neq i} @0_j",),
    forward=Form(r"\prod @0", "prod(@0)", ATOM),
    method={"prod": lambda self, dim=None, keepdim=False, dtype=None:
            prod(self if dtype is None else self.type(dtype), axis=axes(dim, self.ndim), keepdims=keepdim)},
    function={"prod": METHOD}, numpy={"prod": _np_reduce("prod")}))
cumsum = unary(defop(
    "cumsum", fwd=lambda a, axis: np.cumsum(a, axis=axis, dtype=np.int64 if a.dtype.kind in "biu" else None),
    vjp=_cumsum_grad, kind=R, symbol=r"\mathrm{cumsum}", local=(r"[j \leq i]",),
    forward=Form(r"\mathrm{cumsum}(@0)", "cumsum(@0)", ATOM), vjp_text=(Text(r"\mathrm{revcumsum}(@g)", "revcumsum(@g)"),),
    method={"cumsum": lambda self, dim, dtype=None:
            cumsum(self if dtype is None else self.type(dtype), axis=one_axis(dim, self.ndim))},
    function={"cumsum": METHOD}, numpy={"cumsum": _np_cumsum}))

defsurface("var", method={"var": _var_method}, function={"var": METHOD}, numpy={"var": _np_var})
defsurface("std", method={"std": _std_method}, function={"std": METHOD}, numpy={"std": _np_std})
defsurface("argmax", method={"argmax": _arg(np.argmax)}, function={"argmax": METHOD},
           numpy={"argmax": _np_arg(np.argmax)})
defsurface("argmin", method={"argmin": _arg(np.argmin)}, function={"argmin": METHOD},
           numpy={"argmin": _np_arg(np.argmin)})
defsurface("all", method={"all": _bool_reduction(np.all)}, function={"all": METHOD})
defsurface("any", method={"any": _bool_reduction(np.any)}, function={"any": METHOD})
