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


def binary(op):
    T = _registry._TENSOR_TYPES

    def f(a, b):
        if type(a) in T and type(b) in T:          # the common case: two tensors
            return apply(op, (a, b), (a._data, b._data), None, (a.requires_grad, b.requires_grad))
        a, ad = operand(a)
        b, bd = operand(b)
        if type(bd) is float and ad.dtype.kind in "biu":     # int tensor op 2.5 -> float32, as PyTorch
            ad = ad.astype(np.float32)
        elif type(ad) is float and bd.dtype.kind in "biu":
            bd = bd.astype(np.float32)
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
