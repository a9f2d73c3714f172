"""tf.Variable: a named value that changes only through assign, and that tapes watch when it is read.

The value is an engine tensor that never requires grad. While a tape that watches the variable records, a
read gives that tape a leaf over the same array (one leaf until the next assign, shared by the tapes open
then), and the tape differentiates with respect to its leaves. An assign makes a new array, so a gradient
is always taken at the value the tape saw.
"""
import numpy as np

from .._tensor import Tensor as _Engine
from . import _recording
from ._convert import np_value, wrap
from .tensor import TensorLike, numpy_text


class Variable(TensorLike):
    __slots__ = ("_value", "_leaf", "_trainable", "_name", "__weakref__")

    def __init__(self, initial_value=None, trainable=None, name=None, dtype=None, shape=None):
        if initial_value is None:
            raise ValueError("initial_value must be specified: tf.Variable(tf.zeros([2]), name='w'), for example")
        if callable(initial_value):
            initial_value = initial_value()
        a = np.array(np_value(initial_value, dtype))
        if shape is not None and tuple(shape) != a.shape:
            raise ValueError(f"tf.Variable: the initial value has shape {a.shape}, not the shape={tuple(shape)} "
                             f"given; give a value of that shape")
        self._value = _Engine._wrap(a)
        self._leaf = None
        self._trainable = True if trainable is None else bool(trainable)
        self._name = "Variable" if name is None else str(name)

    @property
    def name(self):
        return f"{self._name}:0"

    @property
    def trainable(self):
        return self._trainable

    def _array(self):
        return self._value._data

    def _read(self):
        tapes = _recording.active()
        if not tapes or self._value._data.dtype.kind != "f":
            return self._value
        watching = [t for t in tapes if t._watches(self)]
        if not watching:
            return self._value
        return self._leaf_for(watching)

    def _leaf_for(self, tapes):
        if self._leaf is None:
            self._leaf = _Engine._wrap(self._value._data, True)
        for t in tapes:
            t._add(self, self._leaf)
        return self._leaf

    def value(self):
        return wrap(self._read())

    read_value = value

    # -- changing it -------------------------------------------------------------------------------------
    def _set(self, a, what):
        a = np.asarray(a)
        old = self._value._data
        if a.shape != old.shape:
            raise ValueError(f"Cannot {what} variable '{self.name}': Shape mismatch. The variable shape "
                             f"{old.shape}, and the assigned value shape {a.shape} are incompatible; give a value "
                             f"of shape {old.shape} (or make a new tf.Variable)")
        self._value = _Engine._wrap(np.array(a, dtype=old.dtype))
        self._leaf = None
        return _Unread(self)

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._set(np_value(value, self._array().dtype), "assign to")

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._set(self._array() + np_value(delta, self._array().dtype), "add to")

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._set(self._array() - np_value(delta, self._array().dtype), "subtract from")

    def __repr__(self):
        return (f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy={numpy_text(self._array(), True)}>")


class _Unread(TensorLike):
    """What assign returns: the variable itself under TensorFlow's name for it, 'UnreadVariable'."""
    __slots__ = ("_var",)

    def __init__(self, var):
        self._var = var

    def _read(self):
        return self._var._read()

    def _array(self):
        return self._var._array()

    def __getattr__(self, name):
        return getattr(self._var, name)

    def __repr__(self):
        return f"<tf.Variable 'UnreadVariable' shape={self.shape} dtype={self.dtype.name}, " \
               f"numpy={numpy_text(self._array(), True)}>"
