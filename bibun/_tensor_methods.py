"""Tensor methods beginners' PyTorch code reaches for, made from the ops and methods the Tensor has:
the in-place forms (exp_, unsqueeze_, clamp_min_, ...), clamp_min / clamp_max, and unique.

An in-place method under grad mode records the out-of-place op and makes the tensor its result (as
`Tensor._inplace` does for +=), so its gradient is right; outside grad mode it writes into the tensor's
own array, so that views of it see the change. Either way the version clock ticks, so a graph that saved
the old value refuses to backpropagate through it, as PyTorch does.
"""
import numpy as np

from . import _tensor_messages as _msg
from ._tensor import Tensor, _axes


def _elementwise_inplace(name, compute):
    """`name`_: compute(self, *args) written back into self."""
    what = name + "_"

    def method(self, *args, **kwargs):
        self._check_inplace(what)
        if self._records(tuple(args) + tuple(kwargs.values())):
            return self._record(compute, what, *args, **kwargs)
        new = compute(Tensor._wrap(self._data), *args, **kwargs)
        self._fits(new._data.shape)
        if not np.can_cast(new._data.dtype, self._data.dtype, casting="same_kind"):
            raise RuntimeError(_msg.cannot_store(new.dtype, self.dtype, what, f"`t = t.{name}(...)`"))
        np.copyto(self._data, new._data, casting="same_kind")
        self._changed(what)
        return self
    method.__name__ = what
    method.__doc__ = f"In place: self = self.{name}(...), returning self."
    return method


def _shape_inplace(name, compute):
    """`name`_: the tensor takes the shape compute(self, ...) gives (a view of the same numbers)."""
    what = name + "_"

    def method(self, *args):
        self._check_inplace(what)
        if self._records(()):
            before = self._alias()                  # the shape changes: no _fits check
            return self._rebase(before, compute(before, *args), what)
        self._data = compute(Tensor._wrap(self._data), *args)._data
        self._changed(what)
        return self
    method.__name__ = what
    method.__doc__ = f"In place: self takes the shape of self.{name}(...), returning self."
    return method


def clamp_min(self, min):
    return self.clamp(min=min)


def clamp_max(self, max):
    return self.clamp(max=max)


def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values in ascending order (rows along `dim` when given), with the index of each
    element's value (return_inverse) and how often each occurs (return_counts), as torch.unique. Its
    result carries no gradient."""
    a = self._data
    axis = None if dim is None else _axes(dim, a.ndim)[0]
    values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True, axis=axis)
    out = [Tensor._wrap(values)]
    if return_inverse:
        out.append(Tensor._wrap(inverse.reshape(a.shape if axis is None else -1).astype(np.int64)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def _transpose(t, dim0, dim1):
    return t.transpose(dim0, dim1)


def _t(t):
    return t.t()


def _squeeze(t, dim=None):
    return t.squeeze(dim)


def _unsqueeze(t, dim):
    return t.unsqueeze(dim)


def _clamp(t, min=None, max=None):
    return t.clamp(min, max)


METHODS = {
    "clamp_min": clamp_min, "clamp_max": clamp_max, "unique": unique,
    "clamp_": _elementwise_inplace("clamp", _clamp),
    "clip_": _elementwise_inplace("clip", _clamp),
    "clamp_min_": _elementwise_inplace("clamp_min", clamp_min),
    "clamp_max_": _elementwise_inplace("clamp_max", clamp_max),
    "unsqueeze_": _shape_inplace("unsqueeze", _unsqueeze),
    "squeeze_": _shape_inplace("squeeze", _squeeze),
    "t_": _shape_inplace("t", _t),
    "transpose_": _shape_inplace("transpose", _transpose),
}
for _name in ("abs", "exp", "log", "neg", "sqrt", "sigmoid", "tanh", "relu", "sin", "cos", "reciprocal",
              "square", "pow"):
    METHODS[_name + "_"] = _elementwise_inplace(_name, getattr(Tensor, _name))
del _name

for _name, _fn in METHODS.items():
    setattr(Tensor, _name, _fn)
del _name, _fn
