"""Shapes, products and creation: matmul, tensordot, reshape, transpose, concat, stack, zeros, ones, ..."""
import numpy as np

from .._tensor import Tensor as _Engine
from ..ops import linalg as _linalg, shape as _shape
from . import dtypes
from ._convert import np_value, operands, unwrap, wrap
from .errors import InvalidArgumentError


def _ints(shape):
    if hasattr(shape, "_array"):
        shape = shape._array()
    return tuple(int(s) for s in np.atleast_1d(np.asarray(shape))) if np.ndim(shape) else (int(shape),)


def matmul(a, b, transpose_a=False, transpose_b=False, name=None):
    """tf.matmul: the matrix product of two tensors of rank 2 or more (batched over the leading axes)."""
    x, y = operands("MatMul", a, b)
    if x.ndim < 2 or y.ndim < 2:
        raise InvalidArgumentError(f"In[0] and In[1] must be matrices (rank >= 2), got shapes {tuple(x.shape)} and "
                                   f"{tuple(y.shape)} [Op:MatMul]: for vectors use tf.tensordot(a, b, 1), or "
                                   f"reshape them to matrices, e.g. tf.reshape(v, [1, -1])")
    if transpose_a:
        x = x.mT
    if transpose_b:
        y = y.mT
    if x.shape[-1] != y.shape[-2]:
        raise InvalidArgumentError(f"Matrix size-incompatible: In[0]: [{','.join(map(str, x.shape))}], "
                                   f"In[1]: [{','.join(map(str, y.shape))}] "
                                   f"[Op:MatMul]: the first's last axis ({x.shape[-1]}) must equal the second's "
                                   f"second-to-last ({y.shape[-2]}); transpose_b=True may be what you meant")
    return wrap(x.matmul(y))


def tensordot(a, b, axes, name=None):
    """tf.tensordot: sum over the last `axes` axes of a and the first of b, or over the axes paired in
    `axes` = [a's axes, b's axes]. Two vectors with axes=1 make a dot product (the op `dot`)."""
    x, y = operands("Tensordot", a, b)
    if hasattr(axes, "_array"):
        axes = axes._array().tolist()
    if isinstance(axes, (int, np.integer)):
        dims = int(axes)
        if dims > min(x.ndim, y.ndim) or dims < 0:
            raise ValueError(f"tensordot: axes={dims} is more axes than the tensors have (ranks {x.ndim} and "
                             f"{y.ndim}); use an integer up to {min(x.ndim, y.ndim)}")
        pair = (tuple(range(x.ndim - dims, x.ndim)), tuple(range(dims)))
    else:
        sa, sb = axes
        pair = tuple(np.atleast_1d(sa).tolist()), tuple(np.atleast_1d(sb).tolist())
    for i, j in zip(*pair):
        if x.shape[i] != y.shape[j]:
            raise InvalidArgumentError(f"tensordot: axis {i} of the first tensor has {x.shape[i]} elements and "
                                       f"axis {j} of the second {y.shape[j]}; the axes summed over must match")
    if x.ndim == 1 and y.ndim == 1 and pair == ((0,), (0,)):
        return wrap(x.dot(y))
    return wrap(_linalg.tensordot(x, y, axes=pair))


def reshape(tensor, shape, name=None):
    """tf.reshape: the same elements in a new shape; one -1 stands for what is left."""
    t = unwrap(tensor)
    shape = _ints(shape)
    known = int(np.prod([s for s in shape if s != -1]))
    if shape.count(-1) > 1 or (-1 not in shape and known != t._data.size) or (
            -1 in shape and (known == 0 or t._data.size % known)):
        raise InvalidArgumentError(f"Input to reshape is a tensor with {t._data.size} values, but the requested "
                                   f"shape {list(shape)} does not hold that many; give a shape whose product is "
                                   f"{t._data.size}, with at most one -1")
    return wrap(t.reshape(shape))


def transpose(a, perm=None, conjugate=False, name=None):
    """tf.transpose: the axes in the order `perm` (reversed by default)."""
    t = unwrap(a)
    perm = tuple(range(t.ndim))[::-1] if perm is None else _ints(perm)
    if sorted(perm) != list(range(t.ndim)):
        raise InvalidArgumentError(f"transpose: perm={list(perm)} is not a permutation of the {t.ndim} axes "
                                   f"{list(range(t.ndim))}")
    return wrap(t.permute(perm))


def concat(values, axis, name=None):
    ts = operands("ConcatV2", *values)
    return wrap(_shape._cat_function(ts, dim=int(axis)))


def stack(values, axis=0, name=None):
    ts = operands("Pack", *values)
    return wrap(_shape._stack_function(ts, dim=int(axis)))


def expand_dims(input, axis, name=None):
    return wrap(unwrap(input).unsqueeze(int(axis)))


def squeeze(input, axis=None, name=None):
    t = unwrap(input)
    if axis is None:
        return wrap(t.reshape(tuple(s for s in t.shape if s != 1)))
    return wrap(t.reshape(tuple(s for i, s in enumerate(t.shape) if i not in {a % t.ndim for a in _ints(axis)})))


def identity(input, name=None):
    return wrap(unwrap(input))


def _filled(fill, shape, dtype):
    return wrap(_Engine._wrap(np.full(_ints(shape), fill, dtype=dtypes.as_dtype(dtype).as_numpy_dtype)))


def zeros(shape, dtype=dtypes.float32, name=None):
    return _filled(0, shape, dtype)


def ones(shape, dtype=dtypes.float32, name=None):
    return _filled(1, shape, dtype)


def fill(dims, value, name=None):
    a = np_value(value)
    return wrap(_Engine._wrap(np.full(_ints(dims), a, dtype=a.dtype)))


def zeros_like(input, dtype=None, name=None):
    a = np_value(input)
    return _filled(0, a.shape, a.dtype if dtype is None else dtype)


def ones_like(input, dtype=None, name=None):
    a = np_value(input)
    return _filled(1, a.shape, a.dtype if dtype is None else dtype)


def range(start, limit=None, delta=1, dtype=None, name=None):  # noqa: A001 (tf.range)
    """tf.range: int32 for integer arguments, float32 when one is a float (unless dtype says otherwise)."""
    if limit is None:
        start, limit = 0, start
    a = np.arange(start, limit, delta)
    kind = np.float32 if any(isinstance(v, float) for v in (start, limit, delta)) else np.int32
    return wrap(_Engine._wrap(a.astype(kind if dtype is None else dtypes.as_dtype(dtype).as_numpy_dtype)))


def shape(input, out_type=dtypes.int32, name=None):
    return wrap(_Engine._wrap(np.asarray(np_value(input).shape, dtype=out_type.as_numpy_dtype)))


def size(input, out_type=dtypes.int32, name=None):
    return wrap(_Engine._wrap(np.asarray(np_value(input).size, dtype=out_type.as_numpy_dtype)))
