"""JAX's function transforms over bibun's engine: grad, value_and_grad, jacrev, hessian, vmap.

`grad(f)(*args)` runs f once on fresh leaves for the differentiated arguments (any pytree of float arrays)
and walks the graph back once, as `loss.backward()` does; nothing is compiled. A transform called inside
another (grad(grad(f)), a grad in a loss) keeps its result connected to the outer one's graph, and each
call differentiates with respect to its own fresh nodes only, so closures over outer values stay right.

`vmap` is a loop: it calls f once per element of the mapped axis and stacks the results. Its values and
gradients are those of JAX's vmap; its cost is that of the loop, not of one batched call.
"""
import threading

import numpy as np

from .._tensor import Tensor
from ..autograd import engine
from ..autograd.grad_mode import enable_grad
from ..ops.shape import _stack_function
from . import numpy as jnp
from ._array import Array, canonical, wrap
from .tree_util import tree_flatten, tree_leaves, tree_map

_depth = threading.local()


class _Level:
    """Counts the transforms this thread is inside (their results must keep a graph for the outer one)."""

    def __enter__(self):
        _depth.n = getattr(_depth, "n", 0) + 1

    def __exit__(self, *exc):
        _depth.n -= 1


def _inside():
    return getattr(_depth, "n", 0) > 0


def _fname(fun):
    return getattr(fun, "__name__", "the function")


def _argnums(argnums, nargs, fun, what):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for n in nums:
        if not isinstance(n, int):
            raise TypeError(f"{what}: argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -nargs <= n < nargs:
            raise TypeError(f"{what} differentiates with respect to argument {n} (argnums={argnums!r}), but "
                            f"{_fname(fun)} was called with {nargs} positional argument{'s' * (nargs != 1)}; pass "
                            f"that argument positionally, or change argnums")
    return tuple(n % nargs for n in nums)


def _leaf(x, fun, i, what):
    """A fresh node for one differentiated value, and whether it came traced from an outer transform."""
    a = wrap(x) if isinstance(x, Tensor) else jnp.asarray(x)
    if a.dtype.kind != "f":
        raise TypeError(f"{what} requires float inputs, but argument {i} of {_fname(fun)} is {a.dtype}: make it a "
                        f"float array (jnp.array(..., dtype=jnp.float32), or write 1.0 rather than 1)")
    t = a._t
    if t.requires_grad:
        return wrap(t.clone()), True
    return wrap(Tensor._wrap(t._data, True)), False


def _prepare(fun, args, nums, what):
    """The arguments with fresh leaves at `nums`, the leaves per argument with their tree shapes, and
    whether the results must stay connected to an outer transform."""
    args = list(args)
    nested = _inside()
    per_arg = []
    for i in nums:
        leaves, treedef = tree_flatten(args[i])
        made = []
        for x in leaves:
            a, outer = _leaf(x, fun, i, what)
            nested |= outer
            made.append(a)
        args[i] = treedef.unflatten(made)
        per_arg.append((made, treedef))
    return args, per_arg, nested


def _tensor_of(out, fun, what):
    if isinstance(out, Array):
        return out._t
    if isinstance(out, Tensor):
        return out
    if isinstance(out, (bool, int, float, np.ndarray, np.generic)):
        return Tensor._wrap(canonical(out))
    hint = " (to return extra values beside it, pass has_aux=True and return (value, aux))" \
        if isinstance(out, (tuple, list)) else ""
    raise TypeError(f"{what}: {_fname(fun)} returned a {type(out).__name__}; it must return one number, a "
                    f"scalar array{hint}")


def _scalar_output(out, fun, what):
    t = _tensor_of(out, fun, what)
    name = _fname(fun)
    if t._data.shape != ():
        raise TypeError(f"{what} requires real- and scalar-valued outputs, but {name} returned an array of shape "
                        f"{t._data.shape}: reduce it to one number (.sum(), .mean(), or index it), or use "
                        f"jax.jacrev({name}) for its Jacobian, or jax.vmap(jax.grad(f)) for one gradient per "
                        f"example")
    if t._data.dtype.kind != "f":
        raise TypeError(f"{what} requires real- and scalar-valued outputs, but {name} returned "
                        f"{t._data.dtype}: compute the output in floats (jnp.float32)")
    return t


def _detached(x):
    if isinstance(x, Array) and x._t.requires_grad:
        return wrap(x._t.detach())
    return x


def value_and_grad(fun, argnums=0, has_aux=False):
    """`value_and_grad(f)(*args)` -> (f(*args), df/d args[argnums]) from one forward and one backward pass.
    With `has_aux=True` f returns (value, aux) and the first result is that pair."""
    what = "value_and_grad"

    def wrapped(*args, **kwargs):
        nums = _argnums(argnums, len(args), fun, what)
        args, per_arg, nested = _prepare(fun, args, nums, what)
        with enable_grad(), _Level():
            out = fun(*args, **kwargs)
        aux = None
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"with has_aux=True, {_fname(fun)} must return a pair (value, aux), got "
                                f"{type(out).__name__}")
            out, aux = out
        t = _scalar_output(out, fun, "grad")
        leaves = [a._t for made, _ in per_arg for a in made]
        if t.requires_grad and leaves:
            gs = engine.grad(t, leaves, retain_graph=nested, create_graph=nested, allow_unused=True)
        else:
            gs = [None] * len(leaves)
        gs = iter(gs)
        grads = []
        for made, treedef in per_arg:
            row = []
            for a in made:
                g = next(gs)
                row.append(wrap(g) if g is not None else wrap(np.zeros_like(a._t._data)))
            grads.append(treedef.unflatten(row))
        value = wrap(t) if nested else wrap(t.detach())
        if has_aux:
            value = (value, aux if nested else tree_map(_detached, aux))
        return value, (grads[0] if isinstance(argnums, int) else tuple(grads))
    wrapped.__name__ = f"value_and_grad({_fname(fun)})"
    return wrapped


def grad(fun, argnums=0, has_aux=False):
    """`grad(f)` is the function giving df/d args[argnums] (a tuple for a tuple of argnums, a pytree of the
    argument's shape for a pytree argument); with `has_aux=True`, the pair (gradient, aux)."""
    vg = value_and_grad(fun, argnums, has_aux)

    def wrapped(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    wrapped.__name__ = f"grad({_fname(fun)})"
    return wrapped


def jacrev(fun, argnums=0):
    """`jacrev(f)(x)`: the Jacobian d f(x)_i / d x_j, shaped f(x).shape + x.shape, one backward pass per output
    element. For one array argument (an int argnums) and an array output."""
    what = "jacrev"

    def wrapped(*args, **kwargs):
        if not isinstance(argnums, int):
            raise TypeError(f"bibun.jax.jacrev differentiates with respect to one argument: give argnums as an "
                            f"int, not {argnums!r}")
        nums = _argnums(argnums, len(args), fun, what)
        args, per_arg, nested = _prepare(fun, args, nums, what)
        (made, treedef), = per_arg
        if treedef.kind != "leaf":
            raise TypeError(f"bibun.jax.jacrev needs argument {argnums} to be one array, not a "
                            f"{treedef.kind.__name__ if treedef.kind else 'None'}")
        x = made[0]._t
        with enable_grad(), _Level():
            out = fun(*args, **kwargs)
        y = _tensor_of(out, fun, what)
        zeros = Tensor._wrap(np.zeros_like(x._data))
        flat = y.reshape(-1)
        rows = []
        for k in range(flat.shape[0]):
            g = None
            if flat.requires_grad:
                (g,) = engine.grad(flat[k], [x], retain_graph=True, create_graph=nested, allow_unused=True)
            rows.append(g if g is not None else zeros)
        if not rows:
            return wrap(np.zeros(tuple(y.shape) + tuple(x.shape), dtype=x._data.dtype))
        jac = _stack_function(rows).reshape(tuple(y.shape) + tuple(x.shape))
        return wrap(jac if nested else jac.detach())
    wrapped.__name__ = f"jacrev({_fname(fun)})"
    return wrapped


def hessian(fun, argnums=0):
    """`hessian(f)(x)`: the matrix of second derivatives of a scalar f, the Jacobian of its gradient."""
    return jacrev(jacrev(fun, argnums), argnums)


# -- vmap -----------------------------------------------------------------------------------------------------
def _mapped_size(leaf, ax, where):
    nd = np.ndim(leaf._t._data if isinstance(leaf, Array) else leaf)
    if not -nd <= ax < max(nd, 1) or nd == 0:
        raise ValueError(f"vmap: {where} has {nd} dimension{'s' * (nd != 1)}, so it cannot be mapped over axis "
                         f"{ax}; give in_axes=None for it, or an axis it has")
    return np.shape(leaf._t._data if isinstance(leaf, Array) else leaf)[ax], ax % nd


def _take(leaf, ax, k):
    a = leaf if isinstance(leaf, (Array, Tensor)) else jnp.asarray(leaf)
    return a[(slice(None),) * ax + (k,)]


def vmap(fun, in_axes=0, out_axes=0):
    """`vmap(f)(xs)` is f applied to each slice of xs along the mapped axis, stacked along `out_axes`.

    in_axes: an int or None for all positional arguments, or one per argument (None: passed whole to every
    call). Keyword arguments are mapped over their first axis, as in JAX. out_axes: an int (or None when
    every call returns the same value). bibun runs the calls one after another."""
    def wrapped(*args, **kwargs):
        axes = tuple(in_axes) if isinstance(in_axes, (tuple, list)) else (in_axes,) * len(args)
        if len(axes) != len(args):
            raise ValueError(f"vmap: in_axes has {len(axes)} entries but {_fname(fun)} was called with {len(args)} "
                             f"positional arguments; give one axis (or None) per argument")
        for ax in axes:
            if ax is not None and not isinstance(ax, int):
                raise TypeError(f"bibun.jax.vmap takes in_axes entries that are ints or None, one per argument, "
                                f"not {type(ax).__name__}: a tree of axes per leaf is not supported")
        plan = [(f"argument {i}", a, ax) for i, (a, ax) in enumerate(zip(args, axes))]
        plan += [(f"keyword argument {k!r}", v, 0) for k, v in kwargs.items()]
        sizes = []
        for where, value, ax in plan:
            if ax is not None:
                sizes += [(where, ax, _mapped_size(leaf, ax, where)[0]) for leaf in tree_leaves(value)]
        if not sizes:
            raise ValueError("vmap needs at least one argument to map over, but in_axes is None for all of them")
        if len({n for _, _, n in sizes}) > 1:
            raise ValueError("vmap got inconsistent sizes for the mapped axes: " +
                             ", ".join(f"{w} has size {n} along axis {ax}" for w, ax, n in sizes) +
                             "; map arguments of the same length, or give in_axes=None for the shared ones")
        n = sizes[0][2]
        if n == 0:
            raise ValueError("vmap over an axis of size 0: bibun.jax.vmap calls the function once per element, so "
                             "it has no call to learn the output's shape from")

        def part(value, ax, k):
            if ax is None:
                return value
            return tree_map(lambda leaf: _take(leaf, _mapped_size(leaf, ax, "")[1], k), value)
        results = []
        for k in range(n):
            args_k = [part(a, ax, k) for a, ax in zip(args, axes)]
            kwargs_k = {name: part(v, 0, k) for name, v in kwargs.items()}
            results.append(fun(*args_k, **kwargs_k))
        if out_axes is None:
            return results[0]
        first, treedef = tree_flatten(results[0])
        columns = [tree_leaves(r) for r in results]
        stacked = [jnp.stack([jnp.asarray(c[j]) for c in columns], axis=out_axes) for j in range(len(first))]
        return treedef.unflatten(stacked)
    wrapped.__name__ = f"vmap({_fname(fun)})"
    return wrapped
