"""tf.Tensor: an immutable value over a bibun Tensor, printed as TensorFlow prints it.

A tf.Tensor holds the bibun Tensor `_t` that the engine computed, so `bibun explain` and the backward engine
see the same graph whichever surface built it. `_on_tape` marks a tensor computed while a GradientTape was
recording: outside every tape it is read without its graph, as TensorFlow records nothing there.
"""
import numpy as np

from .._tensor import Tensor as _Engine
from . import _recording, dtypes

DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"


class TensorShape(tuple):
    """A shape: `TensorShape([2, 3])` as its repr, `(2, 3)` printed, equal to the tuple or list it holds."""

    def __new__(cls, dims):
        return super().__new__(cls, () if dims is None else (int(d) for d in dims))

    def __repr__(self):
        return f"TensorShape([{', '.join(str(d) for d in self)}])"

    __str__ = tuple.__repr__

    def __eq__(self, other):
        return isinstance(other, (tuple, list)) and tuple(self) == tuple(other)

    __hash__ = tuple.__hash__

    @property
    def rank(self):
        return len(self)

    ndims = rank

    def as_list(self):
        return list(self)

    def num_elements(self):
        return int(np.prod(self))


def numpy_text(a, is_repr):
    """The value as TensorFlow shows it inside a printed tensor: NumPy's str or repr of the array, a Python
    number for a scalar in the repr, and a new line first when it spans lines."""
    if a.ndim == 0:
        text = repr(a.item()) if is_repr else str(a[()])
    else:
        text = repr(a) if is_repr else str(a)
    return "\n" + text if "\n" in text else text


class TensorLike:
    """What tf.Tensor and tf.Variable share: reading the value, its shape and dtype, leaving for NumPy. The
    arithmetic operators are installed by bibun.tf._operators."""
    __slots__ = ()
    __array_priority__ = 1000            # ndarray <op> tensor calls our reflected operator

    def _read(self):                     # the engine tensor an op computes with
        raise NotImplementedError

    def _array(self):                    # the current value, never on a graph
        raise NotImplementedError

    @property
    def shape(self):
        return TensorShape(self._array().shape)

    def get_shape(self):
        return self.shape

    @property
    def dtype(self):
        return dtypes.as_dtype(self._array().dtype)

    @property
    def ndim(self):
        return self._array().ndim

    @property
    def device(self):
        return DEVICE

    def numpy(self):
        """The value as NumPy: a copy (a tensor never changes), a NumPy scalar for a 0-d tensor."""
        a = self._array()
        return a[()] if a.ndim == 0 else a.copy()

    def __array__(self, dtype=None, copy=None):
        a = self._array()
        return a.astype(dtype) if dtype is not None and np.dtype(dtype) != a.dtype else a.copy()

    def __len__(self):
        a = self._array()
        if a.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`")
        return a.shape[0]

    def __iter__(self):
        if self._array().ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        return bool(self._array())

    def __float__(self):
        return float(self._array())

    def __int__(self):
        return int(self._array())

    def __index__(self):
        a = self._array()
        if a.dtype.kind not in "iu" or a.ndim:
            raise TypeError(f"only integer scalar tensors can be used as an index, not one of dtype "
                            f"{a.dtype.name} and shape {tuple(a.shape)}")
        return int(a)

    def __format__(self, spec):
        a = self._array()
        return format(a.item(), spec) if spec and a.ndim == 0 else format(str(self), spec)


class Tensor(TensorLike):
    """tf.Tensor (TensorFlow's EagerTensor). Made by tf.constant, tf.convert_to_tensor and every op."""
    __slots__ = ("_t", "_on_tape", "__weakref__")

    def __init__(self, *args, **kwargs):
        raise TypeError("tf.Tensor is not made directly: use tf.constant(value) or tf.convert_to_tensor(value)")

    @classmethod
    def _new(cls, t, on_tape=False):
        self = object.__new__(cls)
        self._t, self._on_tape = t, on_tape
        return self

    def _read(self):
        t = self._t
        if self._on_tape and not _recording.active():
            return _Engine._wrap(t._data)        # recorded on a tape that is not recording now: a constant
        return t

    def _array(self):
        return self._t._data

    def __bibun_tensor__(self):
        """The engine tensor, graph included (for `bibun explain`)."""
        return self._t

    def __str__(self):
        a = self._t._data
        return f"tf.Tensor({numpy_text(a, False)}, shape={self.shape}, dtype={self.dtype.name})"

    def __repr__(self):
        a = self._t._data
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={numpy_text(a, True)}>"
