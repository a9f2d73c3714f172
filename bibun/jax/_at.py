"""`x.at[idx].set(v)` / `.add(v)` / `.multiply(v)` / `.get()`: JAX's functional index updates.

Each returns a new array and leaves `x` as it was. Under a transform the update is built from ops the
engine differentiates: `add` is one scatter-add (repeated indices add up, as in JAX); `set` and `multiply`
place `v` with a scatter-add and pick it with a mask. An index that names one element several times is
applied in rounds, one per repetition, so that `set` keeps the last value given for it (as NumPy does;
JAX leaves the choice open) and `multiply` multiplies by every one of them (as JAX does).
Indices out of bounds raise IndexError (JAX would clamp `get` and drop the updates).
"""
import numpy as np

from .._tensor import Tensor
from ..ops.elementwise import where
from ..ops.shape import scatter_add
from ._array import Array, canonical, tensor_index, wrap


class IndexUpdateHelper:
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index):
        return IndexUpdateRef(self.array, index)

    def __repr__(self):
        return f"_IndexUpdateHelper({self.array!r})"


class IndexUpdateRef:
    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array, self.index = array, index

    def get(self, *, indices_are_sorted=False, unique_indices=False):
        return self.array[self.index]

    def set(self, values, *, indices_are_sorted=False, unique_indices=False):
        return _update(self.array, self.index, values, "set")

    def add(self, values, *, indices_are_sorted=False, unique_indices=False):
        return _update(self.array, self.index, values, "add")

    def multiply(self, values, *, indices_are_sorted=False, unique_indices=False):
        return _update(self.array, self.index, values, "multiply")

    def __repr__(self):
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"


_NUMPY = {"set": lambda out, key, v: out.__setitem__(key, v), "add": np.add.at, "multiply": np.multiply.at}


def _values(values, dtype):
    """The update values as a Tensor of the array's dtype (JAX casts them too)."""
    if isinstance(values, Array):
        t = values._t
    elif isinstance(values, Tensor):
        t = values
    else:
        t = Tensor._wrap(canonical(np.asarray(values)))
    if t._data.dtype != dtype:
        t = t.type(dtype) if t.requires_grad and dtype.kind == "f" else Tensor._wrap(t._data.astype(dtype))
    return t


def _rounds(ids):
    """For each element of `ids` (flat target positions), how many times its target came before it."""
    flat = ids.ravel()
    order = np.argsort(flat, kind="stable")
    ranked = flat[order]
    starts = np.r_[0, np.flatnonzero(ranked[1:] != ranked[:-1]) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, flat.size]))
    rank = np.empty(flat.size, dtype=np.int64)
    rank[order] = np.arange(flat.size) - group_start
    return rank.reshape(ids.shape)


def _update(array, index, values, how):
    x = array._t
    key = tensor_index(index)
    ids = np.arange(x._data.size).reshape(x._data.shape)[key]       # the flat position each update goes to
    v = _values(values, x._data.dtype)
    if v._data.shape != ids.shape:
        try:
            np.broadcast_shapes(v._data.shape, ids.shape)
        except ValueError:
            raise ValueError(f"x.at[...].{how}(values): values of shape {v._data.shape} do not fit the selected "
                             f"elements, of shape {ids.shape}; give one value or an array of that shape") from None
        v = v.broadcast_to(ids.shape)
    if not (x.requires_grad or v.requires_grad):
        out = x._data.copy()
        _NUMPY[how](out, key, v._data)
        return wrap(out)
    if how == "add":
        return wrap(x + scatter_add(v, shape=x._data.shape, key=key))
    rank = _rounds(ids)
    out = x
    for r in range(int(rank.max()) + 1 if rank.size else 0):
        this = rank == r
        v_r = v if this.all() else v * Tensor._wrap(this.astype(x._data.dtype))
        hit = np.zeros(x._data.size, dtype=bool)
        hit[ids[this]] = True
        hit = hit.reshape(x._data.shape)
        placed = scatter_add(v_r, shape=x._data.shape, key=key)
        if how == "set":
            out = where(hit, placed, out)
        else:
            out = out * (placed + Tensor._wrap((~hit).astype(x._data.dtype)))
    return wrap(out)
