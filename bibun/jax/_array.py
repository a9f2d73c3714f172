"""The JAX array: an immutable value over a bibun Tensor, printed as JAX prints it.

An `Array` holds one Tensor (`_t`) and never changes it: every operation makes a new Array, and item
assignment is refused with JAX's fix (`x.at[i].set(v)`, see _at.py). Outside a transform the Tensor does
not require grad; inside `grad` it is part of the graph the transform differentiates.

JAX works in 32 bits unless x64 is enabled, so 64-bit NumPy results are narrowed on the way in
(`canonical`): float64 -> float32, int64 -> int32, uint64 -> uint32.
"""
import warnings

import numpy as np

from .._tensor import Tensor

_NARROW = {np.dtype(np.float64): np.dtype(np.float32), np.dtype(np.int64): np.dtype(np.int32),
           np.dtype(np.uint64): np.dtype(np.uint32)}


def canonical_dtype(dtype, where=None):
    """The dtype JAX (without x64) uses for `dtype`; asking for a 64-bit one by name warns, as JAX does."""
    d = np.dtype(dtype)
    narrow = _NARROW.get(d)
    if narrow is None:
        return d
    if where is not None:
        warnings.warn(f"{where}: dtype {d} is not available (JAX works in 32 bits unless x64 is enabled), so the "
                      f"array is {narrow}; ask for {narrow} to silence this", UserWarning, stacklevel=3)
    return narrow


def canonical(a):
    """A NumPy value as an array of JAX's dtypes (copied only when narrowed)."""
    a = np.asarray(a)
    narrow = _NARROW.get(a.dtype)
    return a.astype(narrow) if narrow is not None else a


def _frozen(a):
    a.flags.writeable = False           # np.asarray(x)[0] = 1 must not change an Array either
    return a


class Array:
    """A jax.Array: shape, dtype, arithmetic, indexing and the NumPy methods JAX arrays have."""
    __slots__ = ("_t",)
    __array_priority__ = 2000          # ndarray <op> Array calls our reflected op
    __hash__ = None                    # unhashable, as JAX's arrays

    def __init__(self, *args, **kwargs):
        raise TypeError("make arrays with jax.numpy: jnp.array([1.0, 2.0]), jnp.zeros(3), ...")

    # -- what it is ---------------------------------------------------------------------------------------
    @property
    def shape(self):
        return self._t._data.shape

    @property
    def ndim(self):
        return self._t._data.ndim

    @property
    def size(self):
        return self._t._data.size

    @property
    def dtype(self):
        return self._t._data.dtype

    @property
    def at(self):
        """Functional updates: `x.at[i].set(v)`, `.add(v)`, `.multiply(v)`, `.get()` return new arrays."""
        from ._at import IndexUpdateHelper
        return IndexUpdateHelper(self)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of unsized object (a 0-d array)")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    # -- immutability ---------------------------------------------------------------------------------------
    def __setitem__(self, key, value):
        raise TypeError("JAX arrays are immutable and do not support in-place item assignment: instead of "
                        "x[idx] = y, write x = x.at[idx].set(y) (or .add(y), .multiply(y)), which returns the "
                        "updated array")

    def __delitem__(self, key):
        raise TypeError("JAX arrays are immutable: an element cannot be deleted; build a new array instead "
                        "(jnp.concatenate, or indexing with the elements to keep)")

    # -- indexing -------------------------------------------------------------------------------------------
    def __getitem__(self, key):
        return wrap(self._t[tensor_index(key)])

    # -- leaving JAX ---------------------------------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        if self._t.requires_grad:
            raise TypeError(f"a traced array (shape {self.shape}, {self.dtype}) cannot become a NumPy array inside "
                            f"a jax transform: NumPy would not record how it depends on the input. Use jax.numpy "
                            f"(jnp.f) instead of numpy (np.f) inside the function you differentiate")
        a = self._t._data
        if dtype is not None and np.dtype(dtype) != a.dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def item(self):
        if self.size != 1:
            raise ValueError(f"can only convert an array of size 1 to a Python scalar (this one has {self.size} "
                             f"elements): index one element or reduce the array first")
        return self._t._data.item()

    def tolist(self):
        return self._t._data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __index__(self):
        if self.dtype.kind not in "iub":
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return int(self.item())

    def __bool__(self):
        if self.size != 1:
            raise ValueError(f"the truth value of an array with {self.size} elements is ambiguous: use a.any() or "
                             f"a.all()")
        return bool(self._t._data.item())

    def block_until_ready(self):
        return self                       # bibun computes eagerly: the value is always ready

    def copy(self):
        return wrap(self._t.clone())

    # -- printing -------------------------------------------------------------------------------------------
    def __str__(self):
        return str(self._t._data)

    def __repr__(self):
        a = self._t._data
        prefix, dtype = "Array(", f"dtype={a.dtype.name})"
        if a.size == 0:
            body = f"[], shape={a.shape}"
        else:
            body = np.array2string(a, prefix=prefix, suffix=",", separator=", ")
        width = np.get_printoptions()["linewidth"]
        last_line = len(body) - body.rfind("\n") + 1
        gap = " " if last_line + len(dtype) + 1 <= width else "\n" + " " * len(prefix)
        return f"{prefix}{body},{gap}{dtype}"

    def __format__(self, spec):
        if spec and self.ndim == 0:
            return format(self._t._data.item(), spec)
        return str(self) if not spec else object.__format__(self, spec)


def _binary(name, reflected=False):
    method = getattr(Tensor, name)

    def op(self, other):
        o = operand(other)
        if o is NotImplemented:
            return NotImplemented
        return wrap(method(self._t, o))
    op.__name__ = name
    return op


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul"):
    setattr(Array, f"__{_name}__", _binary(f"__{_name}__"))
    setattr(Array, f"__r{_name}__", _binary(f"__r{_name}__"))
for _name in ("eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor"):
    setattr(Array, f"__{_name}__", _binary(f"__{_name}__"))
for _name in ("and", "or", "xor"):
    setattr(Array, f"__r{_name}__", _binary(f"__{_name}__"))
Array.__neg__ = lambda self: wrap(-self._t)
Array.__pos__ = lambda self: self
Array.__abs__ = lambda self: wrap(abs(self._t))
Array.__invert__ = lambda self: wrap(~self._t)
del _name


# -- crossing between Arrays and Tensors --------------------------------------------------------------------
def wrap(t):
    """An Array of the Tensor `t` (or of a NumPy value), narrowed to JAX's dtypes."""
    if not isinstance(t, Tensor):
        t = Tensor._wrap(_frozen(canonical(t)))
    else:
        narrow = _NARROW.get(t._data.dtype)
        if narrow is not None:
            t = t.type(narrow) if t.requires_grad else Tensor._wrap(t._data.astype(narrow))
        if t._data.flags.writeable and t._data.flags.owndata:
            _frozen(t._data)
    a = object.__new__(Array)
    a._t = t
    return a


def operand(x):
    """What an op gets for an Array's partner: a Tensor, a Python scalar (which keeps the array's dtype, as
    JAX's weakly typed scalars do), or NotImplemented for anything else (lists too, as in JAX)."""
    if isinstance(x, Array):
        return x._t
    if isinstance(x, (bool, int, float, Tensor)):
        return x
    if isinstance(x, (np.ndarray, np.generic)):
        return Tensor._wrap(canonical(x))
    return NotImplemented


def tensor_index(key):
    """An index with Arrays in it, as the Tensor's indexing understands it."""
    if isinstance(key, Array):
        return key._t._data
    if isinstance(key, tuple):
        return tuple(k._t._data if isinstance(k, Array) else k for k in key)
    if isinstance(key, list) and any(isinstance(k, Array) for k in key):
        return [k._t._data if isinstance(k, Array) else k for k in key]
    return key
