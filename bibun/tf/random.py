"""tf.random: normal and uniform draws from NumPy's generator, reproducible after tf.random.set_seed.

As in TensorFlow, the same global seed gives the same sequence of draws, and an op-level `seed=` changes
the stream; the numbers themselves are NumPy's, not TensorFlow's Philox stream.
"""
import numpy as np

from .._tensor import Tensor as _Engine
from . import dtypes
from ._convert import wrap
from .array_ops import _ints

_state = {"seed": None, "rng": None, "op_calls": {}}


def set_seed(seed):
    """Make the draws that follow reproducible: the same seed, the same sequence."""
    _state["seed"] = int(seed)
    _state["rng"] = np.random.default_rng(int(seed))
    _state["op_calls"] = {}


def _generator(seed):
    if seed is None:
        if _state["rng"] is None:
            _state["rng"] = np.random.default_rng()
        return _state["rng"]
    # an op seed: its own stream, the n-th call with it giving the n-th draw
    n = _state["op_calls"].get(int(seed), 0)
    _state["op_calls"][int(seed)] = n + 1
    base = 0 if _state["seed"] is None else _state["seed"]
    return np.random.default_rng([base, int(seed), n])


def _float(dtype, fn):
    d = dtypes.as_dtype(dtype)
    if not d.is_floating:
        raise ValueError(f"tf.random.{fn} draws floats, not {d.name}: use dtype=tf.float32 (or float64)")
    return d.as_numpy_dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    t = _float(dtype, "normal")
    a = _generator(seed).normal(float(mean), float(stddev), size=_ints(shape))
    return wrap(_Engine._wrap(np.asarray(a, dtype=t)))


def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Floats in [minval, maxval) (maxval 1 by default), or integers when dtype is an integer one (maxval
    required)."""
    d = dtypes.as_dtype(dtype)
    rng = _generator(seed)
    if d.is_integer:
        if maxval is None:
            raise ValueError("Must specify maxval for integer dtype: tf.random.uniform(shape, 0, 10, dtype=tf.int32)")
        a = rng.integers(int(minval), int(maxval), size=_ints(shape))
    else:
        a = rng.uniform(float(minval), 1.0 if maxval is None else float(maxval), size=_ints(shape))
    return wrap(_Engine._wrap(np.asarray(a, dtype=d.as_numpy_dtype)))
