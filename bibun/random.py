"""Seedable random numbers: bibun.manual_seed and Generator, over NumPy's PCG64."""
import numpy as np

from . import _device, _dtype
from ._generator import (Generator, default_generator, _gen, manual_seed, seed, initial_seed, get_rng_state,  # noqa: F401
                         set_rng_state)
from ._tensor import Tensor


def _make(a, dtype, requires_grad, default=np.float32):
    t = Tensor._wrap(a.astype(_dtype.to_np(dtype) if dtype is not None else default, copy=False))
    return t.requires_grad_(True) if requires_grad else t


def _size(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


def randn(*size, generator=None, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    return _make(_gen(generator).standard_normal(_size(size)), dtype, requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    return _make(_gen(generator).random(_size(size)), dtype, requires_grad)


def randint(low, high=None, size=(), generator=None, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    if high is None:
        low, high = 0, low
    elif isinstance(high, (tuple, list)):        # randint(high, size), as PyTorch allows
        low, high, size = 0, low, high
    return _make(_gen(generator).integers(low, high, _size((size,))), dtype, requires_grad, np.int64)


def randperm(n, generator=None, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    return _make(_gen(generator).permutation(n), dtype, requires_grad, np.int64)


def normal(mean, std, size=None, generator=None, device=None):
    _device.check(device)
    return _make(np.asarray(_gen(generator).normal(mean, std, size)), None, False)


def randn_like(x, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    return randn(*x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad)


def rand_like(x, dtype=None, requires_grad=False, device=None):
    _device.check(device)
    return rand(*x.shape, dtype=dtype or x.dtype, requires_grad=requires_grad)
