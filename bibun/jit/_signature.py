"""The key a call is cached under: for each argument its kind and what tracing depends on (a tensor's shape,
dtype and requires_grad; an array's shape and dtype; a Python number's type and value), plus grad mode. The
tensors and arrays among the arguments (`leaves`) are what a replay reads."""
import numpy as np

from .._tensor import Tensor
from ..autograd import grad_mode


def key(args, kwargs):
    """(key, leaves): the cache key of a call and its tensor/array arguments in order."""
    leaves = []
    if not kwargs:
        parts = []
        for a in args:
            if type(a) is Tensor:              # the common case, written out
                d = a._data
                parts.append((d.shape, d.dtype, a.requires_grad))
                leaves.append(a)
            else:
                parts.append(_part(a, leaves))
        return (tuple(parts), grad_mode.is_grad_enabled()), leaves
    return ((tuple(_part(a, leaves) for a in args),
             tuple((k, _part(v, leaves)) for k, v in sorted(kwargs.items())), grad_mode.is_grad_enabled()), leaves)


def _part(a, leaves):
    if isinstance(a, Tensor):
        leaves.append(a)
        return (a._data.shape, a._data.dtype, a.requires_grad, type(a))
    if isinstance(a, np.ndarray):
        leaves.append(a)
        return ("array", a.shape, a.dtype)
    if isinstance(a, (tuple, list)):
        return (type(a), tuple(_part(x, leaves) for x in a))
    if isinstance(a, dict):
        return (dict, tuple((k, _part(v, leaves)) for k, v in a.items()))
    if isinstance(a, (bool, int, float, complex, str, bytes, type(None), np.generic)):
        return (type(a), a)
    return ("object", _Same(a))       # anything else: the same object traces once


class _Same:
    """An object in a cache key, compared by identity. It holds the object, so that while the key is cached no
    other object can take its id and be mistaken for it."""
    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other):
        return type(other) is _Same and other.obj is self.obj

    def __hash__(self):
        return id(self.obj)


def describe(part):
    """A key part as a reader sees it: float32[4, 2], array float64[3], int 5."""
    if isinstance(part, tuple) and part and isinstance(part[0], tuple):
        return f"{np.dtype(part[1]).name}[{', '.join(map(str, part[0]))}]"
    if isinstance(part, tuple) and part and part[0] == "array":
        return f"array {np.dtype(part[2]).name}[{', '.join(map(str, part[1]))}]"
    if isinstance(part, tuple) and len(part) == 2 and isinstance(part[0], type):
        return f"{part[0].__name__} {part[1]!r}"
    return "an object"


def what_changed(old, new, names):
    """Which argument makes `new` a different key from `old`, in words, or None."""
    (oa, *orest), (na, *nrest) = old, new
    for i, (a, b) in enumerate(zip(oa, na)):
        if a != b:
            name = names[i] if i < len(names) else f"argument {i}"
            return f"argument {i} ({name}) changed from {describe(a)} to {describe(b)}"
    if len(oa) != len(na):
        return f"the number of arguments changed from {len(oa)} to {len(na)}"
    if orest != nrest:
        return "the keyword arguments or grad mode changed"
    return None
