"""The random state behind bibun.manual_seed and Generator: NumPy's PCG64, seeded as PyTorch seeds.

In the base layer, so that the tensor (its uniform_ and normal_) and the random functions above it
share one state without importing each other."""
import numpy as np

from . import _device

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


# set by bibun.jit: called before every draw, it refuses draws that a trace would freeze
draw_guard = None


def _gen(generator):
    if draw_guard is not None:
        draw_guard()
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
