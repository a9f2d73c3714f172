"""Function transforms over the same engine: grad and value_and_grad (HIPS autograd / JAX style),
jacobian and hessian. Arguments may be NumPy arrays, Python floats or Tensors; gradients come back
in the same kind as the argument they belong to."""
import threading

import numpy as np

from . import _tensor
from .autograd import engine
from .autograd.grad_mode import enable_grad

Tensor = _tensor.Tensor


def _leaf(x):
    """A fresh leaf for argument `x`, and whether `x` was already a traced Tensor (a nested transform)."""
    if isinstance(x, Tensor):
        if x.requires_grad:
            return x * 1.0 if x.grad_fn is None else x, True   # a new node keeps the outer trace intact
        return Tensor._wrap(x._data, True), False
    a = np.asarray(x)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)           # differentiating with respect to integers means: as reals
    return Tensor._wrap(a, True), False


# how many transforms this thread is inside: a transform called inside another keeps its gradients
# connected to the outer one's tensors (create_graph), since the function may close over them, as in
# grad(lambda x: x * grad(lambda y: x * y)(2.0)); each call still differentiates only with respect to
# its own fresh leaves, so the two never mix up (no "perturbation confusion")
_depth = threading.local()


def _inside():
    return getattr(_depth, "n", 0) > 0


class _Level:
    def __enter__(self):
        _depth.n = getattr(_depth, "n", 0) + 1

    def __exit__(self, *exc):
        _depth.n -= 1


def _argnums(argnum, argnums):
    n = argnums if argnums is not None else argnum
    return (n,) if isinstance(n, int) else tuple(n)


def _back(like, g, nested):
    """Return `g` in the kind of the argument it is the gradient of (a Tensor inside another transform)."""
    if nested or isinstance(like, Tensor):
        return g
    return g._data if np.ndim(like) else g._data[()]


def value_and_grad(fun, argnum=0, argnums=None):
    """`value_and_grad(f)(*args)` -> (f(*args), df/d args[argnum]); f must return one number."""
    nums = _argnums(argnum, argnums)

    def wrapped(*args, **kwargs):
        args = list(args)
        originals = [args[i] for i in nums]
        nested = _inside()
        for i in nums:
            args[i], outer = _leaf(args[i])
            nested |= outer
        with enable_grad(), _Level():
            out = fun(*args, **kwargs)
        if not isinstance(out, Tensor) and np.ndim(out) == 0 and np.isrealobj(out):
            out = Tensor._wrap(np.asarray(out, dtype=np.float64))   # does not depend on the arguments: 0
        if not isinstance(out, Tensor) or np.size(out._data) != 1:
            shape = np.shape(out._data if isinstance(out, Tensor) else out)
            raise TypeError(f"grad requires a function that returns one number, but it returned an array of "
                            f"shape {shape}; sum or index the output first, or use bibun.func.jacobian")
        xs = [args[i] for i in nums]
        if out.requires_grad:
            gs = engine.grad(out, xs, create_graph=nested, allow_unused=True)
        else:
            gs = [None] * len(xs)
        gs = [g if g is not None else Tensor._wrap(np.zeros_like(x._data)) for g, x in zip(gs, xs)]
        gs = [_back(o, g, nested) for o, g in zip(originals, gs)]
        value = out if nested or any(isinstance(o, Tensor) for o in originals) else out._data[()]
        return value, (gs[0] if isinstance(argnums if argnums is not None else argnum, int) else tuple(gs))
    return wrapped


def grad(fun, argnum=0, argnums=None):
    """`grad(f)` is the function that gives the gradient of f with respect to argument `argnum`."""
    vg = value_and_grad(fun, argnum, argnums)

    def wrapped(*args, **kwargs):
        return vg(*args, **kwargs)[1]
    wrapped.__name__ = f"grad_of_{getattr(fun, '__name__', 'f')}"
    return wrapped


def jacobian(fun, argnum=0):
    """`jacobian(f)(x)`: the matrix of d f_i / d x_j, shaped f(x).shape + x.shape."""
    def wrapped(*args):
        args = list(args)
        original = args[argnum]
        x, nested = _leaf(original)
        args[argnum] = x
        nested |= _inside()
        with enable_grad(), _Level():
            y = fun(*args)
        y = y if isinstance(y, Tensor) else Tensor._wrap(np.asarray(y))
        rows = []
        flat = y.reshape(-1)
        for i in range(flat.shape[0]):
            if not flat.requires_grad:
                rows.append(Tensor._wrap(np.zeros_like(x._data)))
                continue
            (g,) = engine.grad(flat[i], [x], retain_graph=True, create_graph=nested, allow_unused=True)
            rows.append(g if g is not None else Tensor._wrap(np.zeros_like(x._data)))
        from ._tensor import stack
        J = stack(rows).reshape(tuple(y.shape) + tuple(x.shape))
        return J if isinstance(original, Tensor) else J._data
    return wrapped


def hessian(fun, argnum=0):
    """`hessian(f)(x)`: the jacobian of the gradient of a scalar function."""
    return jacobian(grad(fun, argnum), argnum)
