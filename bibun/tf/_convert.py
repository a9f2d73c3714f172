"""From Python values to tensors and back, with TensorFlow's rules: Python floats become float32 and ints
int32, NumPy arrays keep their dtype, and two tensors of different dtypes never meet in one op."""
import numpy as np

from .._tensor import Tensor as _Engine
from . import _recording, dtypes
from .errors import InvalidArgumentError
from .tensor import Tensor, TensorLike

_INT32 = np.iinfo(np.int32)


def _python_array(value):
    """A Python number or (nested) list as TensorFlow reads it: float32 for floats, int32 for ints that fit."""
    a = np.asarray(value)
    if a.dtype == np.float64:
        return a.astype(np.float32)
    if a.dtype.kind == "i" and (a.size == 0 or (_INT32.min <= a.min() and a.max() <= _INT32.max)):
        return a.astype(np.int32)
    return a


def np_value(value, dtype=None):
    """The value as an ndarray, converted to `dtype` (a DType or anything tf.as_dtype reads) when given."""
    if isinstance(value, TensorLike):
        a = value._array()
    elif isinstance(value, _Engine):
        a = value._data
    elif isinstance(value, (np.ndarray, np.generic)) or dtype is not None:
        a = np.asarray(value)              # Python numbers go straight to the dtype asked for: 0.1 as float64 is 0.1
    else:
        a = _python_array(value)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"bibun.tf holds numbers and booleans, not {a.dtype} values like {value!r}: give numbers "
                        f"(e.g. tf.constant([1.0, 2.0]))")
    if dtype is None:
        return a
    want = dtypes.as_dtype(dtype)
    target = np.dtype(want.as_numpy_dtype)
    if a.dtype == target:
        return a
    if target.kind in "iub" and a.dtype.kind == "f" and not np.all(np.mod(a, 1) == 0):
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {want.name}: it has fractional "
                        f"values; round it first or ask for a float dtype")
    return a.astype(target)


def dtype_of(x):
    """The dtype of a tensor operand, or None for a Python value or an array (converted to the other's)."""
    if isinstance(x, TensorLike):
        return x._array().dtype
    if isinstance(x, _Engine):
        return x._data.dtype
    return None


def unwrap(x, dtype=None):
    """The engine tensor an op computes with: a tensor's own (graph and all, where a tape records it), or a
    constant made from a Python value or array (converted to `dtype`, a NumPy dtype, when given)."""
    if isinstance(x, TensorLike):
        return x._read()
    if isinstance(x, _Engine):
        return x
    return _Engine._wrap(np_value(x, None if dtype is None else dtypes.as_dtype(dtype)))


def wrap(t):
    """A tf.Tensor over the engine tensor an op returned."""
    return Tensor._new(t, t.requires_grad and bool(_recording.active()))


_TF_NAMES = {"float32": "float", "float64": "double"}


def operands(op, *xs):
    """The engine tensors of an op's operands: tensors must share one dtype (TensorFlow never converts one
    tensor to another's dtype); Python values and arrays take that dtype."""
    kinds = [dtype_of(x) for x in xs]
    given = [(i, d) for i, d in enumerate(kinds) if d is not None]
    if given:
        first = given[0][1]
        for i, d in given[1:]:
            if d != first:
                raise InvalidArgumentError(
                    f"cannot compute {op} as input #{i}(zero-based) was expected to be a "
                    f"{_TF_NAMES.get(first.name, first.name)} tensor but is a {_TF_NAMES.get(d.name, d.name)} "
                    f"tensor [Op:{op}]: TensorFlow never converts a tensor's dtype for you; cast one first, e.g. "
                    f"tf.cast(x, tf.{first.name})")
        return [unwrap(x, first) for x in xs]
    return [unwrap(x) for x in xs]


def constant(value, dtype=None, shape=None, name=None):
    """tf.constant: a tensor holding a copy of `value` (float32 for Python floats, int32 for Python ints)."""
    a = np.array(np_value(value, dtype))
    if shape is not None:
        shape = tuple(int(s) for s in shape)
        if a.size == 1:
            a = np.full(shape, a.reshape(()), dtype=a.dtype)
        elif a.size == int(np.prod(shape)):
            a = a.reshape(shape)
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tried to convert a value of "
                            f"{a.size} elements to shape {shape}: give a value with {int(np.prod(shape))} elements "
                            f"or a single one")
    return Tensor._new(_Engine._wrap(a))


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """tf.convert_to_tensor: a tensor as it is (refusing a different dtype), anything else as tf.constant."""
    if isinstance(value, Tensor):
        if dtype is not None and dtypes.as_dtype(dtype) != value.dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} for Tensor with "
                             f"dtype {value.dtype.name}: change a tensor's dtype with tf.cast(x, tf.{dtypes.as_dtype(dtype).name})")
        return value
    if isinstance(value, TensorLike):                    # a Variable: its value now
        return convert_to_tensor(wrap(value._read()), dtype)
    if isinstance(value, _Engine):
        return wrap(value) if dtype is None else wrap(value.to(dtypes.as_dtype(dtype).name))
    if dtype is None and dtype_hint is not None and dtype_of(value) is None:
        try:
            return constant(value, dtype_hint)
        except TypeError:
            pass
    return constant(value, dtype)
