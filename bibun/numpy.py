"""NumPy-like functions that trace: given a Tensor they build the graph, given arrays they are NumPy.

This is HIPS autograd's `autograd.numpy`, so the chapter's 8.1.4 cell runs with `autograd` replaced by
`bibun`, and it follows NumPy's semantics exactly, traced or not (np.dot is NumPy's dot, np.var has ddof=0).
The backward engine also runs VJPs against this module to build graphs of gradients (`create_graph=True`,
`grad(grad(f))`). Each function is declared with its op (the `numpy=` names in bibun/ops) and bound here in
one loop; names not declared fall through to NumPy itself.
"""
import sys as _sys
import types as _types

import numpy as _np

from ._tensor import Tensor
from .autograd import engine as _engine
from .ops import bindings as _bindings
from .ops._args import any_tensor as _any_tensor
from .ops.shape import _stack_function


def _numpy_function(name):
    f = _np
    for part in name.split("."):
        f = getattr(f, part)
    return f


def _traced(np_fn, tensor_fn, name):
    def f(*args, **kwargs):
        if _any_tensor(args) or (kwargs and _any_tensor(kwargs.values())):
            return tensor_fn(*args, **kwargs)
        return np_fn(*args, **kwargs)
    f.__name__ = f.__qualname__ = name.rsplit(".", 1)[-1]
    f.__doc__ = f"NumPy's {name}, traced when given a bibun Tensor."
    return f


def _nested_tensor(obj):
    return isinstance(obj, Tensor) or (isinstance(obj, (list, tuple)) and any(_nested_tensor(x) for x in obj))


def _traced_array(obj):
    if isinstance(obj, Tensor):
        return obj
    if isinstance(obj, (list, tuple)) and _nested_tensor(obj):
        return _stack_function([_traced_array(x) for x in obj])
    return Tensor._wrap(_np.asarray(obj))


def array(object, dtype=None, *args, **kwargs):
    """np.array: a list holding traced values (np.array([x, 2 * x])) becomes one traced array."""
    if _nested_tensor(object):
        a = _traced_array(object)
        return a if dtype is None else a.astype(dtype)
    return _np.array(object, dtype, *args, **kwargs)


def asarray(a, dtype=None, *args, **kwargs):
    if _nested_tensor(a):
        return array(a, dtype)
    return _np.asarray(a, dtype, *args, **kwargs)


def _constant(np_fn):
    return lambda *args, **kw: Tensor._wrap(_np.asarray(np_fn(*[x._data if isinstance(x, Tensor) else x
                                                                for x in args], **kw)))


zeros_like = _traced(_np.zeros_like, _constant(_np.zeros_like), "zeros_like")
ones_like = _traced(_np.ones_like, _constant(_np.ones_like), "ones_like")

linalg = _types.ModuleType(__name__ + ".linalg", "bibun.numpy.linalg: NumPy's linalg, traced (see bibun.numpy).")
linalg.__getattr__ = lambda name: getattr(_np.linalg, name)
_sys.modules[linalg.__name__] = linalg


def _bind():
    """Every bibun.numpy name an op (or a surface entry) declares: its impl is the Tensor side and NumPy's
    function of the same name the array side; a pair gives both."""
    for name, impl, entry in _bindings("numpy"):
        if isinstance(impl, tuple):
            np_fn, tensor_fn = impl[0], impl[1] if impl[1] is not None else entry.traced
        else:
            np_fn, tensor_fn = _numpy_function(name), impl
        space, _, short = name.rpartition(".")
        setattr(linalg if space == "linalg" else _sys.modules[__name__], short, _traced(np_fn, tensor_fn, name))


_bind()


def __getattr__(name):              # constants, dtypes, np.random, ...: plain NumPy
    return getattr(_np, name)


_engine.bind(traced=_sys.modules[__name__])
