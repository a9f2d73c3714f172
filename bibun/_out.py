"""`out=` on the functions that have it in PyTorch (bibun.add(a, b, out=c), bibun.sum(x, 1, out=s),
bibun.eq(a, b, out=m), ...).

A result written into `out` is outside any graph, so, as PyTorch, out= refuses arguments that require
grad while gradients are being recorded.
"""
import functools
import warnings

import numpy as np

from . import _tensor_messages as _msg
from ._tensor import Tensor
from .autograd import grad_mode


def _tracked(args, kwargs):
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, Tensor) and a.requires_grad:
            return True
        if isinstance(a, (list, tuple)) and any(isinstance(x, Tensor) and x.requires_grad for x in a):
            return True
    return False


def with_out(f, name):
    """`f` taking out=: the result is written into that tensor (resized when its shape differs), which is
    returned."""
    @functools.wraps(f)
    def g(*args, out=None, **kwargs):
        if out is None:
            return f(*args, **kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(f"{name}(): out= must be a Tensor, got {type(out).__name__}")
        if grad_mode.is_grad_enabled() and (out.requires_grad or _tracked(args, kwargs)):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                               f"differentiation, but one of the arguments requires grad. Fix: write "
                               f"`c = bibun.{name}(...)` instead (or use out= under bibun.no_grad())")
        r = f(*args, **kwargs)
        write(out, r._data if isinstance(r, Tensor) else np.asarray(r), name)
        return out
    return g


def write(out, value, name):
    if not np.can_cast(value.dtype, out._data.dtype, casting="same_kind"):
        raise RuntimeError(f"{name}(): " + _msg.cannot_store(Tensor._wrap(value).dtype, out.dtype, "out=",
                                                             f"`c = bibun.{name}(...)`"))
    if value.shape == out._data.shape:
        np.copyto(out._data, value, casting="same_kind")
    else:
        if out._data.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out._data.shape)}, which does not match the required output shape "
                          f"{list(value.shape)}. Pass an empty tensor (bibun.empty(0)) as out= to resize it "
                          f"silently, or one of the right shape.", UserWarning, stacklevel=3)
        out._data = value.astype(out._data.dtype, copy=True)
    out._changed("out=")


# the functions that take out= in PyTorch, among bibun's
OUT_FUNCTIONS = ("add", "sub", "subtract", "mul", "multiply", "div", "divide", "matmul", "mm", "dot", "sum",
                 "mean", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "abs", "absolute", "neg",
                 "negative", "reciprocal", "square", "pow", "clamp", "clip", "maximum", "minimum", "cat",
                 "concat", "concatenate", "stack", "logsumexp", "eq", "ne", "lt", "le", "gt", "ge", "greater",
                 "greater_equal", "less", "less_equal", "not_equal")


