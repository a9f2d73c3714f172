"""jax.random with explicit keys, over NumPy's Philox counter-based generator.

A key is two uint32 words, as JAX's `PRNGKey(seed)` (PRNGKey(42) is [0 42]). The same key always gives
the same numbers, and there is no hidden state: `split` derives new keys from a key, and each draw uses
the key it is given. The numbers come from NumPy's Philox generator keyed by the key's 64 bits, each use
(splitting, folding in, drawing) with a counter block of its own, so they are reproducible across runs
and machines but are not the numbers real JAX draws for the same key.
"""
import numpy as np

from ._array import Array, canonical_dtype, wrap

_SPLIT, _FOLD, _DRAW = 1, 2, 3          # the counter's top word: what the stream is used for


def PRNGKey(seed):
    """A key for `seed` (an int): [high 32 bits, low 32 bits] of the seed, as JAX lays it out."""
    if isinstance(seed, Array):
        seed = seed.item()
    if isinstance(seed, (bool, float)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"PRNGKey takes an int seed, got {type(seed).__name__} {seed!r}: e.g. "
                        f"jax.random.PRNGKey(0)")
    s = int(seed) & 0xFFFFFFFFFFFFFFFF
    return wrap(np.array([s >> 32, s & 0xFFFFFFFF], dtype=np.uint32))


def _key_words(key, what):
    a = key._t._data if isinstance(key, Array) else key
    if not (isinstance(a, np.ndarray) and a.shape == (2,) and a.dtype == np.uint32):
        shape = getattr(a, "shape", None)
        if isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[1:] == (2,):
            raise TypeError(f"jax.random.{what} takes one key, but got {a.shape[0]} keys (shape {shape}): pick one, "
                            f"e.g. keys[0], or unpack them with k1, k2 = jax.random.split(key)")
        raise TypeError(f"jax.random.{what} takes a key made by jax.random.PRNGKey(seed), got "
                        f"{type(key).__name__} {key!r}: write key = jax.random.PRNGKey(0) once, and "
                        f"key, subkey = jax.random.split(key) before each draw")
    return (int(a[0]) << 32) | int(a[1])


def _generator(key, what, purpose, word=0):
    return np.random.Generator(np.random.Philox(key=_key_words(key, what), counter=[0, 0, word, purpose]))


def _shape(shape, what):
    if shape is None:
        return ()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"jax.random.{what}: shape must be a tuple of ints, e.g. (3,) or (2, 4), got "
                        f"{shape!r}") from None


def split(key, num=2):
    """`num` new keys (an array of shape (num, 2)), independent of each other and of `key`."""
    bits = _generator(key, "split", _SPLIT).integers(0, 2 ** 32, size=(int(num), 2), dtype=np.uint32)
    return wrap(bits)


def fold_in(key, data):
    """A new key from `key` and an int (e.g. a step number)."""
    word = int(data) & 0xFFFFFFFFFFFFFFFF
    return wrap(_generator(key, "fold_in", _FOLD, word).integers(0, 2 ** 32, size=2, dtype=np.uint32))


def _float_dtype(dtype, what):
    d = canonical_dtype(dtype, f"jax.random.{what}")
    if d.kind != "f":
        raise TypeError(f"jax.random.{what} draws floats: give a float dtype such as jnp.float32, not {d}")
    return d


def normal(key, shape=(), dtype=np.float32):
    """Standard normal numbers of `shape`."""
    d = _float_dtype(dtype, "normal")
    draw = _generator(key, "normal", _DRAW).standard_normal(_shape(shape, "normal"), dtype=np.float32)
    return wrap(draw.astype(d, copy=False))


def uniform(key, shape=(), dtype=np.float32, minval=0.0, maxval=1.0):
    """Numbers uniform in [minval, maxval) of `shape`."""
    d = _float_dtype(dtype, "uniform")
    u = _generator(key, "uniform", _DRAW).random(_shape(shape, "uniform"), dtype=np.float32).astype(d, copy=False)
    lo, hi = (np.asarray(v._t._data if isinstance(v, Array) else v, dtype=d) for v in (minval, maxval))
    return wrap(lo + u * (hi - lo))


def randint(key, shape, minval, maxval, dtype=np.int32):
    """Integers in [minval, maxval) of `shape`."""
    d = canonical_dtype(dtype, "jax.random.randint")
    lo, hi = (int(v.item() if isinstance(v, Array) else v) for v in (minval, maxval))
    return wrap(_generator(key, "randint", _DRAW).integers(lo, hi, size=_shape(shape, "randint"), dtype=d))


def bernoulli(key, p=0.5, shape=None):
    """True with probability p, of `shape` (default p's shape)."""
    p = np.asarray(p._t._data if isinstance(p, Array) else p, dtype=np.float32)
    shape = p.shape if shape is None else _shape(shape, "bernoulli")
    return wrap(_generator(key, "bernoulli", _DRAW).random(shape, dtype=np.float32) < p)


def permutation(key, x, axis=0):
    """A shuffled arange(x) for an int x, else x shuffled along `axis`."""
    if isinstance(x, (int, np.integer)):
        return wrap(_generator(key, "permutation", _DRAW).permutation(int(x)).astype(np.int32))
    from .numpy import asarray
    a = asarray(x)
    order = _generator(key, "permutation", _DRAW).permutation(a.shape[axis])
    return a[(slice(None),) * (axis % a.ndim) + (order,)]
