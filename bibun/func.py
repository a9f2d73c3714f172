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
    return g._data if np.ndim(like) else _number(g._data)


def _number(a):
    """The NumPy scalar a 0-d result is handed back as (bibun.jit is told where it came from)."""
    s = a[()]
    if engine.tracer is not None:
        engine.tracer.notify("on_scalar", a, s)
    return s


def _flatten(tree):
    """The leaves of nested tuples, lists and dicts (HIPS autograd's containers), and a way back."""
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(x) for x in tree]
        kind = type(tree)
        leaves = [leaf for ls, _ in parts for leaf in ls]
        return leaves, lambda it: kind(back(it) for _, back in parts)
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [_flatten(tree[k]) for k in keys]
        leaves = [leaf for ls, _ in parts for leaf in ls]
        return leaves, lambda it: type(tree)((k, back(it)) for k, (_, back) in zip(keys, parts))
    return [tree], lambda it: next(it)


def _trace(fun, args, kwargs, nums):
    """Run `fun` on fresh leaves for the arguments `nums` (containers included). Returns (out, originals,
    leaves, rebuild, nested): what `rebuild(values)` gives is the arguments' structure filled with values."""
    args = list(args)
    nested = _inside()
    originals, leaves, rebuilds = [], [], []
    for i in nums:
        flat, back = _flatten(args[i])
        made = []
        for x in flat:
            t, outer = _leaf(x)
            nested |= outer
            made.append(t)
        originals.append(flat)
        leaves.append(made)
        rebuilds.append(back)
        args[i] = back(iter(made))
    with enable_grad(), _Level():
        out = fun(*args, **kwargs)

    def rebuild(grads_per_arg):
        return [back(iter(gs)) for back, gs in zip(rebuilds, grads_per_arg)]
    return out, originals, leaves, rebuild, nested


def _grads(out, originals, leaves, nested, seed=None, retain=False):
    """d out / d leaves, in the kind of each original argument (zeros where out does not depend on it)."""
    flat = [t for ts in leaves for t in ts]
    if out.requires_grad and flat:
        gs = list(engine.grad(out, flat, grad_outputs=seed, retain_graph=retain or nested, create_graph=nested,
                              allow_unused=True))
    else:
        gs = [None] * len(flat)
    it = iter(gs)
    per_arg = []
    for origs, ts in zip(originals, leaves):
        row = []
        for o, t in zip(origs, ts):
            g = next(it)
            g = g if g is not None else Tensor._wrap(np.zeros_like(t._data))
            row.append(_back(o, g, nested))
        per_arg.append(row)
    return per_arg


def _plain(value, keep):
    """A traced result handed back to the user: Tensors stay Tensors when `keep`, else become arrays."""
    if keep:
        return value
    if isinstance(value, Tensor):
        return value._data if value._data.ndim else _number(value._data)
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(v, keep) for v in value)
    if isinstance(value, dict):
        return type(value)((k, _plain(v, keep)) for k, v in value.items())
    return value


def _scalar_out(out, what="grad"):
    if not isinstance(out, Tensor) and np.ndim(out) == 0 and np.isrealobj(out):
        return Tensor._wrap(np.asarray(out, dtype=np.float64))      # does not depend on the arguments: 0
    if not isinstance(out, Tensor) or np.size(out._data) != 1:
        shape = np.shape(out._data if isinstance(out, Tensor) else out)
        raise TypeError(f"{what} requires a function that returns one number, but it returned an array of "
                        f"shape {shape}; sum or index the output first, or use bibun.elementwise_grad or "
                        f"bibun.func.jacobian")
    return out


def _keeps_tensors(originals, nested):
    return nested or any(isinstance(o, Tensor) for os_ in originals for o in os_)


def value_and_grad(fun, argnum=0, argnums=None, has_aux=False):
    """`value_and_grad(f)(*args)` -> (f(*args), df/d args[argnum]); f must return one number (with
    `has_aux`, a pair (number, anything), and the value is that pair). Arguments may be nested tuples,
    lists and dicts of arrays; the gradient has the same structure."""
    nums = _argnums(argnum, argnums)
    single = isinstance(argnums if argnums is not None else argnum, int)

    def wrapped(*args, **kwargs):
        out, originals, leaves, rebuild, nested = _trace(fun, args, kwargs, nums)
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError("with has_aux=True the function must return a pair (value, aux)")
            out, aux = out
        out = _scalar_out(out)
        gs = rebuild(_grads(out, originals, leaves, nested))
        keep = _keeps_tensors(originals, nested)
        value = out if keep else _number(out._data)
        if has_aux:
            value = (value, _plain(aux, keep))
        return value, (gs[0] if single else tuple(gs))
    return wrapped


def grad(fun, argnum=0, argnums=None, has_aux=False):
    """`grad(f)` is the function that gives the gradient of f with respect to argument `argnum`
    (with `has_aux`: the pair (gradient, aux), as JAX's grad)."""
    vg = value_and_grad(fun, argnum, argnums, has_aux)

    def wrapped(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    wrapped.__name__ = f"grad_of_{getattr(fun, '__name__', 'f')}"
    return wrapped


def grad_and_aux(fun, argnum=0):
    """HIPS autograd's grad_and_aux: f returns (number, aux); this gives (gradient, aux)."""
    return grad(fun, argnum, has_aux=True)


def make_vjp(fun, argnum=0):
    """`make_vjp(f)(*args)` -> (vjp, f(*args)): vjp(v) is vᵀ J, the gradient of ⟨v, f⟩ (HIPS autograd)."""
    def wrapped(*args, **kwargs):
        out, originals, leaves, rebuild, nested = _trace(fun, args, kwargs, (argnum,))
        if not isinstance(out, Tensor):
            out = Tensor._wrap(np.asarray(out, dtype=np.float64))
        keep = _keeps_tensors(originals, nested)

        def vjp(v):
            v = v if isinstance(v, Tensor) else Tensor._wrap(np.asarray(v, dtype=out._data.dtype))
            if tuple(v.shape) != tuple(out.shape):
                raise ValueError(f"vjp: the vector has shape {tuple(v.shape)} but the function's output has "
                                 f"shape {tuple(out.shape)}; they must match")
            return rebuild(_grads(out, originals, leaves, nested, seed=[v], retain=True))[0]
        return vjp, (out if keep else _plain(out, False))
    return wrapped


def make_jvp(fun, argnum=0):
    """`make_jvp(f)(*args)` -> jvp, with jvp(v) = (f(*args), J v): forward mode, built from two reverse passes
    (the gradient of u ↦ uᵀ J is Jᵀ, so differentiating ⟨uᵀ J, v⟩ with respect to u gives J v). Costs about
    two backward passes per call; exact, not a finite difference."""
    def wrapped(*args, **kwargs):
        out, originals, leaves, rebuild, nested = _trace(fun, args, kwargs, (argnum,))
        if not isinstance(out, Tensor):
            raise TypeError("make_jvp needs a function of its argument that returns an array")
        flat = [t for ts in leaves for t in ts]
        keep = _keeps_tensors(originals, nested)

        def jvp(v):
            vs, _ = _flatten(v)
            if len(vs) != len(flat):
                raise ValueError(f"jvp: the tangent has {len(vs)} arrays but the argument has {len(flat)}")
            u = Tensor._wrap(np.zeros_like(out._data), True)
            with enable_grad():
                gx = engine.grad(out, flat, grad_outputs=[u], retain_graph=True, create_graph=True,
                                 allow_unused=True)
                dot = None
                for g, t in zip(gx, vs):
                    if g is None:
                        continue
                    t = t._data if isinstance(t, Tensor) else np.asarray(t, dtype=g._data.dtype)
                    term = (g * Tensor._wrap(t)).sum()
                    dot = term if dot is None else dot + term
            if dot is None or not dot.requires_grad:
                jv = Tensor._wrap(np.zeros_like(out._data))
            else:
                (jv,) = engine.grad(dot, [u], retain_graph=True, create_graph=nested, allow_unused=True)
                jv = jv if jv is not None else Tensor._wrap(np.zeros_like(out._data))
            return _plain(out, keep), _plain(jv, keep)
        return jvp
    return wrapped


def elementwise_grad(fun, argnum=0):
    """The gradient of the sum of f's outputs: for an elementwise f, each element's own derivative."""
    def wrapped(*args, **kwargs):
        vjp, out = make_vjp(fun, argnum)(*args, **kwargs)
        return vjp(np.ones(np.shape(out._data if isinstance(out, Tensor) else out)))
    return wrapped


def hessian_vector_product(fun, argnum=0):
    """`hessian_vector_product(f)(*args, v)`: H v without forming H (the gradient of ⟨∇f, v⟩)."""
    def wrapped(*args, **kwargs):
        *args, v = args
        v = v._data if isinstance(v, Tensor) else np.asarray(v)
        g = grad(fun, argnum)

        def dot_v(*a, **kw):
            return (g(*a, **kw) * Tensor._wrap(v)).sum()
        return grad(dot_v, argnum)(*args, **kwargs)
    return wrapped


hessian_tensor_product = hessian_vector_product


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
        from ._creation import stack
        J = stack(rows).reshape(tuple(y.shape) + tuple(x.shape))
        return J if isinstance(original, Tensor) else J._data
    return wrapped


def hessian(fun, argnum=0):
    """`hessian(f)(x)`: the jacobian of the gradient of a scalar function."""
    return jacobian(grad(fun, argnum), argnum)
