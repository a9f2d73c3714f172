"""Seedable random numbers: bibun.manual_seed and Generator, over NumPy's PCG64."""
import numpy as np

from . import _device, _dtype

_DEFAULT_SEED = 67280421310721          # PyTorch's default seed: runs are repeatable even unseeded


class Generator:
    def __init__(self, device="cpu"):
        _device.check(device)
        self._seed = _DEFAULT_SEED
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        return self.manual_seed(np.random.SeedSequence().entropy % 2**63)._seed

    def get_state(self):
        return self._rng.bit_generator.state

    def set_state(self, state):
        self._rng.bit_generator.state = state


default_generator = Generator()


def _gen(generator):
    return (generator or default_generator)._rng


def manual_seed(seed):
    """Seed the default generator (randn, rand, randint, randperm, layer initialisation, shuffling)."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _make(a, dtype, requires_grad, default=np.float32):
    from ._tensor import Tensor
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
