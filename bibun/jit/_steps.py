"""The small functions a plan calls besides the ops' own forwards and VJPs: each does what the eager code does
at that point (the engine's .grad accumulation, a cast, an in-place write into a tensor), so a replay computes
the same numbers in the same order."""
import operator
import warnings

import numpy as np

from ..autograd import engine, version_counter, _messages

add = operator.add                  # the engine sums the gradients of a node's consumers with +
_STEPPED = version_counter.STEPPED


def astype(a, dtype):
    return a.astype(dtype)


def copy(a):
    return np.array(a)


def scalar_forward(fwd):
    """An op's forward for a 0-d result: apply() turns NumPy's scalar into a 0-d array, so does this."""
    def f(*args, **kw):
        return np.asarray(fwd(*args, **kw))
    f.__name__ = getattr(fwd, "__name__", "forward")
    f.forward = fwd                 # for a generated replay, which writes the asarray out
    return f


def vjp_of(fn, i):
    """A variadic op's one VJP, called with the input's index as the engine calls it."""
    def f(xp, g, out, *args, **kw):
        return fn(i, xp, g, out, *args, **kw)
    return f


def deliver(t, g, owned=False):
    """Add the gradient `g` into the leaf `t`'s .grad as the engine does (a new .grad holds an array of its own;
    an existing one is added into in place); return the array .grad now holds."""
    old = t._grad
    if old is None:
        t._grad = engine.Tensor._wrap(g if owned else np.array(g))
        return t._grad._data
    if old._version == _STEPPED and old._data.any():
        _messages.warn_not_zeroed(t)
    if old.grad_fn is not None or old._data.shape != np.shape(g):
        t._grad = engine.Tensor._wrap(old._data + g)
    else:
        old._data += g
    return t._grad._data


def into_tensor(fn, what):
    """An in-place change of a tensor's array (+=, fill_, copy_, [...] =), ticking its version as eager does."""
    def f(t, *args):
        fn(t._data, *args)
        t._changed(what)
    f.__name__ = getattr(fn, "__name__", "inplace")
    return f


def warn_once(message):
    warnings.warn(message, UserWarning, stacklevel=4)
