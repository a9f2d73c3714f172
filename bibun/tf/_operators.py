"""The Python operators of tf.Tensor and tf.Variable, each the tf function of the same meaning."""
from . import array_ops, math
from ._convert import unwrap, wrap


def _reflected(fn):
    return lambda self, other: fn(other, self)


def _getitem(self, key):
    if isinstance(key, tuple):
        key = tuple(k._array() if hasattr(k, "_array") else k for k in key)
    elif hasattr(key, "_array"):
        key = key._array()
    return wrap(unwrap(self)[key])


def _eq(fn):
    def f(self, other):
        if other is None:
            return fn is math.not_equal
        return fn(self, other)
    return f


OPERATORS = {
    "__add__": math.add, "__radd__": _reflected(math.add),
    "__sub__": math.subtract, "__rsub__": _reflected(math.subtract),
    "__mul__": math.multiply, "__rmul__": _reflected(math.multiply),
    "__truediv__": math.divide, "__rtruediv__": _reflected(math.divide),
    "__pow__": math.pow, "__rpow__": _reflected(math.pow),
    "__matmul__": array_ops.matmul, "__rmatmul__": _reflected(array_ops.matmul),
    "__neg__": math.negative, "__abs__": math.abs,
    "__lt__": math.less, "__le__": math.less_equal, "__gt__": math.greater, "__ge__": math.greater_equal,
    "__eq__": _eq(math.equal), "__ne__": _eq(math.not_equal),
    "__getitem__": _getitem,
}


def install(*classes):
    for cls in classes:
        for name, fn in OPERATORS.items():
            setattr(cls, name, fn)
        cls.__hash__ = object.__hash__       # == is elementwise; tensors are keyed by identity
