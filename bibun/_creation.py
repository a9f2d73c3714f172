"""Making tensors: tensor, as_tensor, from_numpy, zeros, ones, empty, full, the *_like forms, eye, arange,
linspace, and cat, stack and where (declared with their ops), as PyTorch names and types them."""
import numbers

import numpy as np

from . import _device, _dtype
from ._tensor import Tensor, _infer, _shape_arg
from . import _tensor_messages as _msg
from .autograd import version_counter

def tensor(data, dtype=None, requires_grad=False, device=None):
    """A new tensor holding a copy of `data` (Python floats become float32, ints int64)."""
    _device.check(device)
    a = _infer(data, None if dtype is None else _dtype.to_np(dtype))
    if dtype is not None:
        a = a.astype(_dtype.to_np(dtype), copy=False)
    _dtype.from_np(a.dtype)
    if requires_grad and a.dtype.kind != "f":
        raise RuntimeError(_msg.int_grad(a))
    t = Tensor._wrap(a, requires_grad)
    t._version = version_counter.FROM_DATA
    return t


def as_tensor(data, dtype=None, device=None):
    """A tensor sharing memory with `data` where it can (an ndarray of the right dtype, a Tensor)."""
    _device.check(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.type(dtype)
    if isinstance(data, np.ndarray):
        a = data if dtype is None else data.astype(_dtype.to_np(dtype), copy=False)
        _dtype.from_np(a.dtype)
        t = Tensor._wrap(a)
        t._version = version_counter.FROM_DATA
        return t
    return tensor(data, dtype=dtype)


def from_numpy(a):
    """A tensor sharing memory with the ndarray `a`, keeping its dtype."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(a).__name__})")
    _dtype.from_np(a.dtype)
    t = Tensor._wrap(a)
    t._version = version_counter.FROM_DATA
    return t


def _filled(shape, value, dtype, requires_grad, default=np.float32):
    dt = _dtype.to_np(dtype) if dtype is not None else np.dtype(default)
    t = Tensor._wrap(np.full(_shape_arg(shape), value, dtype=dt))
    return t.requires_grad_(True) if requires_grad else t


def zeros(*size, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    return _filled(size, 0, dtype, requires_grad)


def ones(*size, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    return _filled(size, 1, dtype, requires_grad)


def empty(*size, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    return _filled(size, 0, dtype, requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    default = np.float32 if isinstance(fill_value, float) else (np.bool_ if isinstance(fill_value, bool) else np.int64)
    return _filled(size, fill_value, dtype, requires_grad, default)


def _like(x, value, dtype, requires_grad):
    return _filled(x.shape, value, dtype if dtype is not None else x._data.dtype, requires_grad)


def zeros_like(x, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    return _like(x, 0, dtype, requires_grad)


def ones_like(x, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    return _like(x, 1, dtype, requires_grad)


def empty_like(x, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    return _like(x, 0, dtype, requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    return _like(x, fill_value, dtype, requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    t = Tensor._wrap(np.eye(n, m, dtype=_dtype.to_np(dtype) if dtype else np.float32))
    return t.requires_grad_(True) if requires_grad else t


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    if end is None:
        start, end = 0, start
    ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    dt = _dtype.to_np(dtype) if dtype else (np.int64 if ints else np.float32)
    t = Tensor._wrap(np.arange(start, end, step).astype(dt))
    return t.requires_grad_(True) if requires_grad else t


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    t = Tensor._wrap(np.linspace(start, end, steps).astype(_dtype.to_np(dtype) if dtype else np.float32))
    return t.requires_grad_(True) if requires_grad else t


# cat, stack and where are declared with their ops (bibun.ops.shape, bibun.ops.elementwise)
from .ops.elementwise import _where_function as where  # noqa: E402,F401
from .ops.shape import _cat_function as cat, _stack_function as stack  # noqa: E402,F401

concat = concatenate = cat
