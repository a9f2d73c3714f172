"""tf.math: elementwise functions, arithmetic, comparisons and reductions, each one engine op on the tensor
it is given (so a tape or `bibun explain` records what the same PyTorch-surface expression records)."""
import numpy as np

from .._dtype import float64 as _float64, from_np as _engine_dtype
from .._tensor import Tensor as _Engine
from ._convert import operands, unwrap, wrap
from .errors import InvalidArgumentError


def _floating(a, fn):
    if a._data.dtype.kind != "f":
        raise InvalidArgumentError(f"tf.math.{fn} needs a float tensor, got one of dtype {a._data.dtype.name}: cast "
                                   f"it first, e.g. tf.cast(x, tf.float32)")
    return a


def _unary(fn_name, engine_fn, float_only=True):
    def f(x, name=None):
        a = unwrap(x)
        return wrap(engine_fn(_floating(a, fn_name) if float_only else a))
    f.__name__ = f.__qualname__ = fn_name
    f.__doc__ = f"tf.math.{fn_name}, elementwise."
    return f


log = _unary("log", _Engine.log)
exp = _unary("exp", _Engine.exp)
sigmoid = _unary("sigmoid", _Engine.sigmoid)
tanh = _unary("tanh", _Engine.tanh)
sqrt = _unary("sqrt", _Engine.sqrt)
log1p = _unary("log1p", _Engine.log1p)
square = _unary("square", lambda a: a * a if a._data.dtype.kind != "f" else a.square(), float_only=False)
abs = _unary("abs", _Engine.abs, float_only=False)  # noqa: A001 (tf.math.abs)
negative = _unary("negative", lambda a: -a, float_only=False)


def _binary(fn_name, op, engine_fn):
    def f(x, y, name=None):
        a, b = operands(op, x, y)
        return wrap(engine_fn(a, b))
    f.__name__ = f.__qualname__ = fn_name
    f.__doc__ = f"tf.math.{fn_name}, elementwise with broadcasting; both tensors of one dtype."
    return f


def _true_divide(a, b):
    if a._data.dtype.kind != "f":          # TensorFlow divides integer tensors in float64
        a, b = a.to(_float64), b.to(_float64)
    return a / b


add = _binary("add", "AddV2", lambda a, b: a + b)
subtract = _binary("subtract", "Sub", lambda a, b: a - b)
multiply = _binary("multiply", "Mul", lambda a, b: a * b)
divide = truediv = _binary("divide", "RealDiv", _true_divide)
pow = _binary("pow", "Pow", lambda a, b: a ** b)  # noqa: A001 (tf.math.pow)
maximum = _binary("maximum", "Maximum", _Engine.maximum)
minimum = _binary("minimum", "Minimum", _Engine.minimum)


def _comparison(fn_name, op, np_fn):
    def f(x, y, name=None):
        a, b = operands(op, x, y)
        return wrap(_Engine._wrap(np.asarray(np_fn(a._data, b._data))))
    f.__name__ = f.__qualname__ = fn_name
    f.__doc__ = f"tf.math.{fn_name}: a bool tensor, elementwise (not differentiable)."
    return f


equal = _comparison("equal", "Equal", np.equal)
not_equal = _comparison("not_equal", "NotEqual", np.not_equal)
greater = _comparison("greater", "Greater", np.greater)
greater_equal = _comparison("greater_equal", "GreaterEqual", np.greater_equal)
less = _comparison("less", "Less", np.less)
less_equal = _comparison("less_equal", "LessEqual", np.less_equal)


def _axis(axis):
    if axis is None:
        return None
    a = np.asarray(axis._array() if hasattr(axis, "_array") else axis)
    return int(a) if a.ndim == 0 else tuple(int(i) for i in a)


def _reduction(fn_name, engine_fn, np_fn):
    def f(input_tensor, axis=None, keepdims=False, name=None):
        a = unwrap(input_tensor)
        ax = _axis(axis)
        if a._data.dtype.kind != "f":      # integer reductions stay integers, as in TensorFlow (no gradient)
            r = np_fn(a._data, axis=ax, keepdims=bool(keepdims))
            return wrap(_Engine._wrap(np.asarray(r).astype(a._data.dtype)))
        if ax is None:
            ax = tuple(range(a.ndim))
        return wrap(engine_fn(a, ax, keepdim=bool(keepdims)) if a.ndim else a)
    f.__name__ = f.__qualname__ = fn_name
    f.__doc__ = (f"tf.math.{fn_name}(input_tensor, axis=None, keepdims=False): over every axis when axis is None, "
                 f"else over the axis or list of axes given.")
    return f


def _int_mean(a, axis=None, keepdims=False):
    return np.trunc(np.mean(a, axis=axis, keepdims=keepdims))


reduce_sum = _reduction("reduce_sum", _Engine.sum, np.sum)
reduce_mean = _reduction("reduce_mean", _Engine.mean, _int_mean)
reduce_max = _reduction("reduce_max", _Engine.amax, np.max)
reduce_min = _reduction("reduce_min", _Engine.amin, np.min)


def argmax(input, axis=None, output_type=None, name=None):
    """tf.math.argmax: indices of the largest values along `axis` (0 by default), int64 unless output_type."""
    a = unwrap(input)._data
    r = np.argmax(a, axis=0 if axis is None else int(axis))
    return wrap(_Engine._wrap(np.asarray(r, dtype=np.int64 if output_type is None
                                         else np.dtype(output_type.as_numpy_dtype))))


def cast(x, dtype, name=None):
    """tf.cast: the same values in another dtype (differentiable between float dtypes)."""
    from .dtypes import as_dtype
    a = unwrap(x)
    target = np.dtype(as_dtype(dtype).as_numpy_dtype)
    if a._data.dtype == target:
        return wrap(a)
    if a.requires_grad and target.kind == "f":
        return wrap(a.to(_engine_dtype(target)))
    data = a._data
    if target.kind in "iu" and data.dtype.kind == "f":
        data = np.trunc(data)                 # TensorFlow truncates toward zero
    return wrap(_Engine._wrap(data.astype(target)))
