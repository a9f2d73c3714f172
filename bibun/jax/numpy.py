"""jax.numpy over bibun's engine: the NumPy functions bibun.numpy traces, returning JAX arrays.

Each function takes Arrays (or anything NumPy takes), runs the op that bibun.numpy runs for it and
returns an Array of JAX's 32-bit dtypes: `jnp.array([1.0, 0.5])` is float32, `jnp.arange(3)` int32.
Given bibun Tensors and no Array (as `bibun.explain` calls a function), they return Tensors: a function
written with jnp can be explained like one written with bibun's PyTorch surface.

The functions come from the op table (its `numpy=` names), the same list bibun.numpy binds; the four
that real jax.numpy does not have (sigmoid, softmax, log_softmax, logsumexp) live in jax.nn instead, and
NumPy's `fix`, which JAX has not, and `erf` (jax.scipy.special.erf there) are left out.
"""
import builtins as _builtins
import sys as _sys
import types as _types

import numpy as _np

from .._tensor import Tensor as _Tensor
from ..ops import bindings as _bindings
from ..ops.shape import _stack_function
from ._array import Array as _Array, canonical as _canonical, canonical_dtype as _canonical_dtype, wrap as _wrap

ndarray = _Array

# dtypes: NumPy's scalar types, as jnp.float32 is a dtype-like scalar type in JAX
float16, float32, float64 = _np.float16, _np.float32, _np.float64
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, uint32 = _np.uint8, _np.uint32
bool_ = _np.bool_
dtype, finfo, iinfo, issubdtype = _np.dtype, _np.finfo, _np.iinfo, _np.issubdtype
floating, integer, inexact, number = _np.floating, _np.integer, _np.inexact, _np.number
pi, e, inf, nan, newaxis = _np.pi, _np.e, _np.inf, _np.nan, _np.newaxis

_NOT_IN_JAX_NUMPY = {"sigmoid", "softmax", "log_softmax", "logsumexp", "fix", "erf"}


class _Call:
    """Turns one call's arguments into what the op takes, remembering whether an _Array was among them."""
    __slots__ = ("saw_array", "saw_tensor")

    def __init__(self):
        self.saw_array = self.saw_tensor = False

    def arg(self, x):
        if isinstance(x, _Array):
            self.saw_array = True
            return x._t
        if isinstance(x, _Tensor):
            self.saw_tensor = True
            return x
        if isinstance(x, (_np.ndarray, _np.generic)) and not isinstance(x, (_np.str_, _np.bytes_)):
            return _Tensor._wrap(_canonical(x))
        if isinstance(x, (list, tuple)) and _builtins.any(isinstance(v, (_Array, _Tensor, _np.ndarray, list, tuple))
                                                for v in x):
            return type(x)(self.arg(v) for v in x)
        return x

    def result(self, r):
        if isinstance(r, (tuple, list)):
            return type(r)(self.result(v) for v in r)
        if self.saw_tensor and not self.saw_array:
            return r                        # Tensors in, Tensors out (bibun.explain's leaves)
        if isinstance(r, (_Tensor, _np.ndarray, _np.generic, bool, int, float)):
            return _wrap(r)
        return r


def _jnp_function(name, tensor_fn):
    def f(*args, **kwargs):
        call = _Call()
        args = [call.arg(a) for a in args]
        kwargs = {k: call.arg(v) for k, v in kwargs.items()}
        if args and isinstance(args[0], (list, tuple)) and name not in _SEQUENCE_FIRST:
            args[0] = _stacked(args[0])          # jnp.sum([1., 2.]) sums an array
        return call.result(tensor_fn(*args, **kwargs))
    f.__name__ = f.__qualname__ = name.rsplit(".", 1)[-1]
    f.__doc__ = f"jax.numpy.{name} on bibun's engine (NumPy's {name}, 32-bit, differentiable)."
    return f


# functions whose first argument is a sequence of arrays, not one array
_SEQUENCE_FIRST = {"concatenate", "stack", "hstack", "vstack", "dstack", "column_stack", "einsum"}

linalg = _types.ModuleType(__name__ + ".linalg", "jax.numpy.linalg on bibun's engine (see bibun.jax.numpy).")
_sys.modules[linalg.__name__] = linalg


def _bind():
    for name, impl, entry in _bindings("numpy"):
        if name in _NOT_IN_JAX_NUMPY:
            continue
        tensor_fn = (impl[1] if impl[1] is not None else entry.traced) if isinstance(impl, tuple) else impl
        space, _, short = name.rpartition(".")
        setattr(linalg if space == "linalg" else _sys.modules[__name__], short, _jnp_function(name, tensor_fn))


_bind()


# -- making arrays ------------------------------------------------------------------------------------------
def _nested(obj, kind):
    return isinstance(obj, kind) or (isinstance(obj, (list, tuple)) and _builtins.any(_nested(x, kind) for x in obj))


def _stacked(obj):
    """A (nested) list holding traced values as one traced array: jnp.array([x, 2 * x])."""
    if isinstance(obj, _Array):
        return obj._t
    if isinstance(obj, _Tensor):
        return obj
    if isinstance(obj, (list, tuple)) and _nested(obj, (_Array, _Tensor)):
        return _stack_function([_stacked(x) for x in obj])
    return _Tensor._wrap(_canonical(_np.asarray(obj)))


def array(object, dtype=None, copy=True, ndmin=0):
    """An _Array of `object`, float32 for Python floats and float64 data, int32 for integers (JAX's defaults)."""
    want = None if dtype is None else _canonical_dtype(dtype, "jnp.array")
    if _nested(object, (_Array, _Tensor)):
        t = _stacked(object)
        if want is not None and t._data.dtype != want:
            t = t.type(want) if t.requires_grad and want.kind == "f" else _Tensor._wrap(t._data.astype(want))
        elif copy:
            t = t.clone() if t.requires_grad else _Tensor._wrap(t._data.copy())
        if ndmin > t.ndim:
            t = t.reshape((1,) * (ndmin - t.ndim) + tuple(t.shape))
        if _nested(object, _Array) or not _nested(object, _Tensor):
            return _wrap(t)
        return t
    a = _np.array(object, dtype=want, ndmin=ndmin)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"jnp.array: cannot make an array of {type(object).__name__} ({a.dtype}); give numbers, "
                        f"nested lists of numbers, or a NumPy array")
    return _wrap(a)


def asarray(a, dtype=None, copy=None):
    if isinstance(a, _Array) and (dtype is None or _np.dtype(dtype) == a.dtype):
        return a
    return array(a, dtype, copy=bool(copy))


def _creation(np_fn, default_dtype=None):
    def f(*args, dtype=None, **kwargs):
        dtype = default_dtype if dtype is None else _canonical_dtype(dtype, f"jnp.{np_fn.__name__}")
        args = [x._t._data if isinstance(x, _Array) else x for x in args]
        return _wrap(np_fn(*args, dtype=dtype, **kwargs))
    f.__name__ = f.__qualname__ = np_fn.__name__
    f.__doc__ = f"jax.numpy.{np_fn.__name__}: NumPy's, in JAX's dtypes (a constant: nothing to differentiate)."
    return f


zeros, ones, empty, eye, identity = (_creation(_np.zeros, float32), _creation(_np.ones, float32),
                                     _creation(_np.empty, float32), _creation(_np.eye, float32),
                                     _creation(_np.identity, float32))
full, arange, linspace = _creation(_np.full), _creation(_np.arange), _creation(_np.linspace)
zeros_like, ones_like, full_like, empty_like = (_creation(_np.zeros_like), _creation(_np.ones_like),
                                                _creation(_np.full_like), _creation(_np.empty_like))


def shape(a):
    return _np.shape(a._t._data if isinstance(a, _Array) else a)


def ndim(a):
    return len(shape(a))


def size(a):
    return int(_np.prod(shape(a)))


def _logical(np_fn):
    def f(a, axis=None, keepdims=False):
        return _wrap(np_fn(a._t._data if isinstance(a, _Array) else _np.asarray(a), axis=axis, keepdims=keepdims))
    f.__name__ = f.__qualname__ = np_fn.__name__
    f.__doc__ = f"jax.numpy.{np_fn.__name__}: a bool array (nothing to differentiate)."
    return f


all, any = _logical(_np.all), _logical(_np.any)


def _astype(a, dtype):
    want = _canonical_dtype(dtype, "astype")
    t = a._t
    if t._data.dtype == want:
        return a
    if t.requires_grad and want.kind == "f":
        return _wrap(t.type(want))
    return _wrap(t._data.astype(want))


def _shape_args(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


# the methods of jax._Array: each is the jnp function of its name, applied to the array
def _bind_methods():
    for name in ("sum", "mean", "max", "min", "prod", "std", "var", "argmax", "argmin", "cumsum", "ravel",
                 "squeeze", "clip", "round", "swapaxes", "repeat", "dot", "trace", "all", "any"):
        fn = globals()[name]
        setattr(_Array, name, lambda self, *args, _fn=fn, **kwargs: _fn(self, *args, **kwargs))
    reshape, transpose, swapaxes = (globals()[n] for n in ("reshape", "transpose", "swapaxes"))   # bound by _bind
    _Array.reshape = lambda self, *shape, order="C": reshape(self, _shape_args(shape))
    _Array.transpose = lambda self, *axes: transpose(self, _shape_args(axes) or None)
    _Array.flatten = lambda self: reshape(self, (-1,))
    _Array.T = property(lambda self: transpose(self))
    _Array.mT = property(lambda self: swapaxes(self, -1, -2))
    _Array.astype = _astype


_bind_methods()


def __getattr__(name):
    raise AttributeError(f"bibun.jax.numpy has no {name!r}: it has the NumPy functions bibun traces (see "
                         f"bibun.jax.numpy.__doc__); compute it from those, or with NumPy outside the function you "
                         f"differentiate")
