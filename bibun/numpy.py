"""NumPy-like functions that trace: given a Tensor they build the graph, given arrays they are NumPy.

This is HIPS autograd's `autograd.numpy`, so the chapter's 8.1.4 cell runs with `autograd` replaced
by `bibun`. The backward engine also runs VJPs against this module to build graphs of gradients
(`create_graph=True`, `grad(grad(f))`). Names not listed here fall through to NumPy itself.
"""
import numpy as _np

from ._tensor import Tensor, _axes
from ._tensor import cat as _cat, stack as _stack
from .autograd import engine as _engine
from .ops import elementwise as _E, linalg as _L, reduction as _R, shape as _S


def _traced(np_fn, tensor_fn, name):
    def f(*args, **kwargs):
        for a in args:
            if isinstance(a, Tensor):
                return tensor_fn(*args, **kwargs)
        return np_fn(*args, **kwargs)
    f.__name__ = name
    f.__doc__ = f"NumPy's {name}, traced when given a bibun Tensor."
    return f


def _t(x):
    return Tensor._from_data(x)


def _reduce(op):
    def f(a, axis=None, keepdims=False):
        a = _t(a)
        return op(a, axis=_axes(axis, a.ndim), keepdims=keepdims)
    return f


def _last_axis(op):
    def f(a, axis=-1):
        a = _t(a)
        return op(a, axis=_axes(axis, a.ndim)[0])
    return f


def _transpose(a, axes=None):
    a = _t(a)
    return _S.permute(a, axes=tuple(range(a.ndim))[::-1] if axes is None else tuple(ax % a.ndim for ax in axes))


def _swapaxes(a, i, j):
    return _t(a).transpose(i, j)


def _expand_dims(a, axis):
    a = _t(a)
    axes = axis if isinstance(axis, tuple) else (axis,)
    shape = list(a.shape)
    for ax in sorted(ax % (a.ndim + len(axes)) for ax in axes):
        shape.insert(ax, 1)
    return _S.reshape(a, shape=tuple(shape))


def _np_softmax(a, axis=-1):
    return _R._softmax(_np.asarray(a), axis)


def _np_log_softmax(a, axis=-1):
    return _R._log_softmax(_np.asarray(a), axis)


def _sign(a):
    return Tensor._wrap(_np.sign(a._data))            # a step function: its derivative is 0


def _constant(np_fn):
    return lambda *args, **kw: Tensor._wrap(_np.asarray(np_fn(*[x._data if isinstance(x, Tensor) else x
                                                                for x in args], **kw)))


array = _np.array
asarray = _np.asarray
add = _traced(_np.add, _E.add, "add")
subtract = _traced(_np.subtract, _E.sub, "subtract")
multiply = _traced(_np.multiply, _E.mul, "multiply")
divide = true_divide = _traced(_np.true_divide, _E.div, "divide")
power = _traced(_np.power, _E.pow, "power")
negative = _traced(_np.negative, _E.neg, "negative")
exp = _traced(_np.exp, _E.exp, "exp")
log = _traced(_np.log, _E.log, "log")
sqrt = _traced(_np.sqrt, _E.sqrt, "sqrt")
sin = _traced(_np.sin, _E.sin, "sin")
cos = _traced(_np.cos, _E.cos, "cos")
tanh = _traced(_np.tanh, _E.tanh, "tanh")
abs = absolute = _traced(_np.abs, _E.abs, "abs")
maximum = _traced(_np.maximum, _E.maximum, "maximum")
minimum = _traced(_np.minimum, _E.minimum, "minimum")
clip = _traced(_np.clip, lambda a, lo=None, hi=None: _E.clamp(a, min=lo, max=hi), "clip")
where = _traced(_np.where, lambda c, a, b: _E.where(c._data if isinstance(c, Tensor) else c, a, b), "where")
dot = _traced(_np.dot, lambda a, b: _L.dot(a, b) if _np.ndim(a) == 1 and _np.ndim(b) == 1 else _L.matmul(a, b), "dot")
matmul = _traced(_np.matmul, _L.matmul, "matmul")
sum = _traced(_np.sum, _reduce(_R.sum), "sum")
mean = _traced(_np.mean, _reduce(_R.mean), "mean")
max = amax = _traced(_np.max, _reduce(_R.amax), "max")
min = amin = _traced(_np.min, _reduce(_R.amin), "min")
logsumexp = _traced(lambda a, axis=None, keepdims=False: _R._logsumexp(_np.asarray(a), axis, keepdims),
                    _reduce(_R.logsumexp), "logsumexp")
softmax = _traced(_np_softmax, _last_axis(_R.softmax), "softmax")
log_softmax = _traced(_np_log_softmax, _last_axis(_R.log_softmax), "log_softmax")
sigmoid = _traced(_E._sigmoid, _E.sigmoid, "sigmoid")
reshape = _traced(_np.reshape, lambda a, shape: _S.reshape(a, shape=tuple(shape) if _np.ndim(shape) else (shape,)),
                  "reshape")
transpose = _traced(_np.transpose, _transpose, "transpose")
swapaxes = _traced(_np.swapaxes, _swapaxes, "swapaxes")
expand_dims = _traced(_np.expand_dims, _expand_dims, "expand_dims")
broadcast_to = _traced(_np.broadcast_to, lambda a, shape: _S.broadcast_to(a, shape=tuple(shape)), "broadcast_to")
sign = _traced(_np.sign, _sign, "sign")
concatenate = lambda arrays, axis=0: (_cat(arrays, axis) if any(isinstance(a, Tensor) for a in arrays)  # noqa: E731
                                      else _np.concatenate(arrays, axis))
stack = lambda arrays, axis=0: (_stack(arrays, axis) if any(isinstance(a, Tensor) for a in arrays)  # noqa: E731
                                else _np.stack(arrays, axis))
zeros_like = _traced(_np.zeros_like, _constant(_np.zeros_like), "zeros_like")
ones_like = _traced(_np.ones_like, _constant(_np.ones_like), "ones_like")


def __getattr__(name):              # constants, dtypes, np.random, ...: plain NumPy
    return getattr(_np, name)


_engine.traced_numpy = __import__(__name__, fromlist=["_"])
