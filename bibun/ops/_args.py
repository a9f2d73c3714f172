"""PyTorch's and NumPy's argument forms, turned into what the ops take (normalised axes, shapes), and
the few ways a public function makes a Tensor without recording an op."""
import numpy as np

from . import _registry


def axes(dim, ndim):
    """PyTorch's `dim` (int, tuple or None) as NumPy's normalised axis tuple."""
    if dim is None:
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    out = []
    for d in dims:
        d = int(d)
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {d})")
        out.append(d % ndim if ndim else 0)
    return tuple(out) if ndim else None


def axis(dim, ndim):
    """One dimension, normalised (0 for a 0-d tensor)."""
    a = axes(dim, ndim)
    return a[0] if a else 0


def shape_arg(shape):
    """A shape given as f(2, 3) or f((2, 3))."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def tensor_of(x):
    """`x` as a Tensor (a constant when it is not one), without copying."""
    return x if type(x) in _registry._TENSOR_TYPES else _registry.Tensor._from_data(x)


def constant(data):
    """A Tensor that no gradient flows through (indices, comparisons, step functions)."""
    return _registry.Tensor._wrap(np.asarray(data))


def data_of(x):
    return x._data if type(x) in _registry._TENSOR_TYPES else np.asarray(x)


def is_tensor(x):
    return type(x) in _registry._TENSOR_TYPES


def any_tensor(args):
    """True when an argument, or an element of a list / tuple argument, is a Tensor."""
    for a in args:
        if type(a) in _registry._TENSOR_TYPES:
            return True
        if type(a) in (list, tuple) and any_tensor(a):
            return True
    return False
