"""Shape primitives: they move numbers around, so their VJPs move the gradient back."""
import numpy as np

from ._registry import POWER, defop
from ._wrap import nary, unary


def _is_basic(key):
    """True when indexing with `key` never picks an element twice (slices, ints, None, Ellipsis)."""
    key = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key)


def _scatter_fwd(g, shape, key):
    z = np.zeros(shape, dtype=g.dtype)
    if _is_basic(key):
        z[key] = g
    else:
        np.add.at(z, key, g)            # repeated indices add up
    return z


def _scatter(xp, g, shape, key):
    return scatter_add(g, shape=shape, key=key) if hasattr(g, "grad_fn") else _scatter_fwd(g, shape, key)


S = "shape"
reshape = unary(defop("reshape", lambda a, shape: np.reshape(a, shape),
                      lambda xp, g, out, a, shape: xp.reshape(g, a.shape),
                      kind=S, symbol="reshape", local=("1",), grad_name="ViewBackward0"))
permute = unary(defop("permute", lambda a, axes: np.transpose(a, axes),
                      lambda xp, g, out, a, axes: xp.transpose(g, tuple(np.argsort(axes))),
                      kind=S, symbol="permute", local=("1",), grad_name="PermuteBackward0",
                      vjp_text=((r"@g^{\top}", "@gᵀ"),),
                      by_ndim={(2,): dict(forward=(r"@(0)^{\top}", "@(0)ᵀ", POWER), label=r"a^{\top}")}))   # W.T
broadcast_to = unary(defop("broadcast_to", lambda a, shape: np.broadcast_to(a, shape),
                           lambda xp, g, out, a, shape: g,
                           kind=S, symbol="expand", local=("1",), grad_name="ExpandBackward0"))
getitem = unary(defop("getitem", lambda a, key: a[key],
                      lambda xp, g, out, a, key: _scatter(xp, g, a.shape, key),
                      kind=S, symbol="[\\cdot]", local=("1",), grad_name="IndexBackward0"))
scatter_add = unary(defop("scatter_add", _scatter_fwd,
                          lambda xp, g, out, a, shape, key: g[key],
                          kind=S, symbol="scatter", local=("1",), grad_name="IndexPutBackward0"))
clone = unary(defop("clone", lambda a: a.copy(), lambda xp, g, out, a: g, kind=S, symbol="clone",
                    local=("1",), grad_name="CloneBackward0"))
# the engine casts every gradient to its input's dtype, so a cast passes the gradient straight through
to_dtype = unary(defop("to_dtype", lambda a, dtype: a.astype(dtype), lambda xp, g, out, a, dtype: g,
                       kind=S, symbol="to", local=("1",), grad_name="ToCopyBackward0"))


def _offsets(args, axis, i):
    start = int(np.sum([a.shape[axis] for a in args[:i]])) if i else 0
    return start, start + args[i].shape[axis]


def _cat_grad(i, xp, g, out, *args, axis):
    start, stop = _offsets(args, axis, i)
    return g[(slice(None),) * axis + (slice(start, stop),)]


def _stack_grad(i, xp, g, out, *args, axis):
    return g[(slice(None),) * axis + (i,)]


cat = nary(defop("cat", lambda *a, axis: np.concatenate(a, axis=axis), _cat_grad,
                 kind=S, symbol="cat", local=("1",), variadic=True))
stack = nary(defop("stack", lambda *a, axis: np.stack(a, axis=axis), _stack_grad,
                   kind=S, symbol="stack", local=("1",), variadic=True))
