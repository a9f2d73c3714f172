"""jax.nn: the activations and normalisers a first JAX model uses, as bibun ops (one op each, so that
`bibun.explain` draws σ as σ)."""
import numpy as np

from ..ops import OPS
from . import numpy as jnp
from ._array import Array, canonical_dtype, wrap


def _op(name, **params):
    """Call op `name` the way jax.numpy calls ops: Arrays in, Arrays out (Tensors in, Tensors out)."""
    fn = OPS[name].traced

    def call(x):
        return fn(x, **params) if params else fn(x)
    return jnp._jnp_function(name, call)


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return _op("sigmoid")(x)


def relu(x):
    """max(x, 0); its derivative at 0 is 0, as in JAX."""
    return _op("relu")(x)


def _axis(x, axis):
    nd = np.ndim(x._t._data if isinstance(x, Array) else x)
    return axis % nd if nd else None


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`."""
    return _op("softmax", axis=_axis(x, axis))(x)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`."""
    return _op("log_softmax", axis=_axis(x, axis))(x)


def logsumexp(a, axis=None, keepdims=False):
    """log(sum(exp(a))) along `axis` (all axes by default), computed without overflow."""
    nd = np.ndim(a._t._data if isinstance(a, Array) else a)
    axes = None if axis is None else tuple(sorted(ax % nd for ax in (axis if isinstance(axis, (tuple, list))
                                                                      else (axis,))))
    return _op("logsumexp", axis=axes, keepdims=keepdims)(a)


def one_hot(x, num_classes, dtype=np.float32, axis=-1):
    """x's integer labels as rows of zeros with a one at the label (all zeros for a label out of range)."""
    labels = np.asarray(x._t._data if isinstance(x, Array) else x)
    hot = labels[..., None] == np.arange(int(num_classes))
    return wrap(np.moveaxis(hot, -1, axis).astype(canonical_dtype(dtype)))
