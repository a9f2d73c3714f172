"""TensorFlow's dtypes (`tf.float32`, ...): objects that print as TensorFlow prints them and know their NumPy
dtype. Python floats become float32 and Python ints int32, as in TensorFlow; NumPy arrays keep theirs."""
import builtins

import numpy as np


class DType:
    __slots__ = ("name", "as_numpy_dtype")

    def __init__(self, name):
        self.name = name
        self.as_numpy_dtype = np.dtype(name).type

    @property
    def is_floating(self):
        return np.dtype(self.as_numpy_dtype).kind == "f"

    @property
    def is_integer(self):
        return np.dtype(self.as_numpy_dtype).kind in "iu"

    @property
    def is_bool(self):
        return self.name == "bool"

    @property
    def size(self):
        return np.dtype(self.as_numpy_dtype).itemsize

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return f"<dtype: '{self.name}'>"

    def __eq__(self, other):
        try:
            return self is as_dtype(other)
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.name)

    def __reduce__(self):               # singletons, also across copy/pickle
        return self.name


float16, float32, float64 = DType("float16"), DType("float32"), DType("float64")
int8, int16, int32, int64, uint8 = DType("int8"), DType("int16"), DType("int32"), DType("int64"), DType("uint8")
bool = DType("bool")  # noqa: A001 (tf.bool)
half, double = float16, float64
_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool)
_BY_NAME = {d.name: d for d in _ALL}


def as_dtype(type_value):
    """tf.as_dtype: the DType of a DType, a NumPy dtype or type, a name ("float32") or a Python type."""
    if isinstance(type_value, DType):
        return type_value
    if type_value is None:
        raise TypeError("Cannot convert None to a bibun.tf DType; give one, e.g. tf.float32")
    if type_value is float:
        return float32
    if type_value is int:
        return int32
    if type_value is builtins.bool:
        return bool
    name = getattr(type_value, "name", None)          # a bibun dtype
    try:
        name = np.dtype(type_value).name if name is None or not isinstance(name, str) else name
    except TypeError:
        name = None
    if name in _BY_NAME:
        return _BY_NAME[name]
    raise TypeError(f"Cannot convert {type_value!r} to a bibun.tf DType; use one of "
                    f"{', '.join('tf.' + d.name for d in _ALL)}")
