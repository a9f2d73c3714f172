"""Turning user arguments into op inputs: Tensors stay, Python scalars stay weak, the rest become Tensors."""
import numbers

import numpy as np

from . import _registry
from ._registry import apply

_SCALARS = (int, float, bool)


def operand(x):
    """(input, data) for one argument of an op."""
    T = _registry.Tensor
    if isinstance(x, T):
        return x, x._data
    if type(x) in _SCALARS:
        return x, x
    if isinstance(x, np.generic) and not isinstance(x, np.ndarray):
        return x.item(), x.item()
    if isinstance(x, numbers.Number):
        raise TypeError(f"bibun tensors cannot hold {type(x).__name__} numbers")
    t = T._from_data(x)
    return t, t._data


def unary(op, floating=False):
    """`floating`: the op's result is a float even for integer input (exp, sqrt...): float32, as in
    PyTorch, where NumPy would give float64."""
    T = _registry._TENSOR_TYPES

    def f(x, **params):
        if type(x) not in T:
            x = _registry.Tensor._from_data(x)
        d = x._data
        if floating and d.dtype.kind != "f":
            d = d.astype(np.float32)
        return apply(op, (x,), (d,), params or None, (x.requires_grad,))
    f.__name__ = op.name
    op.traced = f
    return f


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
_PROMOTED = {}


def _torch_dtype(da, db, a0, b0):
    """PyTorch's result dtype for two tensors of dtypes da, db (a0/b0: 0-d). A 0-d tensor decides only when it
    is of a higher category (bool < integer < float) than the others; across categories the higher one's
    dtype wins (float32 + int64 -> float32), within one the wider (NumPy's promotion)."""
    def promote(x, y):
        cx, cy = _CATEGORY[x.kind], _CATEGORY[y.kind]
        return (x if cx > cy else y) if cx != cy else np.promote_types(x, y)
    if a0 == b0:
        return promote(da, db)
    dim, zero = (db, da) if a0 else (da, db)
    return zero if _CATEGORY[zero.kind] > _CATEGORY[dim.kind] else dim


def _promote(ad, bd):
    """The two arrays cast to PyTorch's result dtype (cached per pair of dtypes and 0-d-ness)."""
    key = (ad.dtype, bd.dtype, ad.ndim == 0, bd.ndim == 0)
    target = _PROMOTED.get(key)
    if target is None:
        target = _PROMOTED[key] = _torch_dtype(*key)
    return (ad if ad.dtype == target else ad.astype(target)), (bd if bd.dtype == target else bd.astype(target))


def binary(op):
    T = _registry._TENSOR_TYPES

    def f(a, b):
        if type(a) in T and type(b) in T:          # the common case: two tensors
            ad, bd = a._data, b._data
            if ad.dtype is not bd.dtype:            # mixed dtypes: promote as PyTorch does, not as NumPy
                ad, bd = _promote(ad, bd)
            return apply(op, (a, b), (ad, bd), None, (a.requires_grad, b.requires_grad))
        a, ad = operand(a)
        b, bd = operand(b)
        if type(bd) is float and ad.dtype.kind in "biu":     # int tensor op 2.5 -> float32, as PyTorch
            ad = ad.astype(np.float32)
        elif type(ad) is float and bd.dtype.kind in "biu":
            bd = bd.astype(np.float32)
        elif type(ad) is np.ndarray and type(bd) is np.ndarray and ad.dtype is not bd.dtype:
            ad, bd = _promote(ad, bd)
        return apply(op, (a, b), (ad, bd))
    f.__name__ = op.name
    op.traced = f
    return f


def nary(op):
    """An op whose inputs are all positional arrays (some maybe constants) plus keyword params."""
    def f(*args, **params):
        pairs = [operand(a) for a in args]
        return apply(op, tuple(p[0] for p in pairs), tuple(p[1] for p in pairs), params or None)
    f.__name__ = op.name
    op.traced = f
    return f
