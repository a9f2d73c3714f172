"""bibun.autograd.functional: PyTorch's higher-level autograd functions, with its signatures.

    jacobian(func, inputs), hessian(func, inputs), vjp(func, inputs, v), jvp(func, inputs, v),
    vhp(func, inputs, v), hvp(func, inputs, v)

`inputs` is a Tensor or a tuple of Tensors, and so is what `func` returns; results come back in the same
structure (a tuple where a tuple was given). They are detached from any graph unless create_graph=True,
which keeps them differentiable. strict=True refuses an output that does not depend on an input, where
the default gives zeros. jvp uses the double-backward trick (forward mode from two reverse passes), so it
needs nothing beyond the reverse engine. The Jacobian is built one row per reverse pass.

This module sits above the Tensor (it makes tensors): bibun/__init__ imports it; the engine never does.
"""
import numpy as np

from .. import _creation, _tensor
from . import engine
from .grad_mode import enable_grad

Tensor = _tensor.Tensor


def _as_tuple(x, what, fn):
    """(tuple of Tensors, whether `x` was a tuple), checked."""
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            where = f" at index {i}" if is_tuple else ""
            raise TypeError(f"{fn}: the {what} must be a Tensor or a tuple of Tensors, but the value{where} is a "
                            f"{type(t).__name__}; wrap numbers with bibun.tensor(...)")
    return xs, is_tuple


def _prepare(inputs, create_graph):
    """Leaves to differentiate with respect to: new ones sharing the data, or, with create_graph on a tensor
    that is part of a graph already, a step away from it, so that the result stays connected to it."""
    out = []
    for x in inputs:
        if x._data.dtype.kind != "f":
            raise TypeError(f"cannot differentiate with respect to an integer tensor ({x.dtype}): convert it "
                            f"with .double() (or .float()) first")
        if create_graph and x.requires_grad:
            out.append(x * 1.0)
        else:
            out.append(Tensor._wrap(x._data, True))
    return tuple(out)


def _finish(xs, create_graph):
    return tuple(_finish(x, create_graph) if isinstance(x, tuple) else
                 (x if create_graph or x is None else Tensor._wrap(x._data)) for x in xs)


def _grad(outputs, inputs, grad_outputs, create_graph, strict, fn, retain_graph=None):
    """engine.grad over the outputs that depend on anything, None for the inputs nothing reached."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs:
        got = (None,) * len(inputs)
    else:
        got = engine.grad([o for o, _ in pairs], list(inputs), [g for _, g in pairs],
                          retain_graph=create_graph if retain_graph is None else retain_graph,
                          create_graph=create_graph, allow_unused=True)
    if strict:
        for i, g in enumerate(got):
            if g is None:
                raise RuntimeError(f"{fn}: the output of the function is independent of input {i}, which "
                                   f"strict=True does not allow; drop strict=True to get zeros there")
    return got


def _zeros(like):
    return Tensor._wrap(np.zeros_like(like._data))


def _vectors(v, like, what, fn):
    """The vectors v (one per tensor of `like`), or ones where v is None and each has one element."""
    if v is None:
        if any(t._data.size != 1 for t in like):
            raise RuntimeError(f"{fn}: v can be left out only when the {what} is a single number; give v with "
                               f"the shape of the {what}")
        return tuple(Tensor._wrap(np.ones_like(t._data)) for t in like)
    vs, _ = _as_tuple(v, "v", fn)
    if len(vs) != len(like):
        raise RuntimeError(f"{fn}: v has {len(vs)} tensors but the {what} has {len(like)}: give one per tensor")
    for k, (a, b) in enumerate(zip(vs, like)):
        if a.shape != b.shape:
            raise RuntimeError(f"{fn}: v[{k}] has shape {tuple(a.shape)} but the {what} has shape "
                               f"{tuple(b.shape)} there: they must match")
    return vs


def _run(func, inputs, create_graph, fn):
    xs, is_tuple = _as_tuple(inputs, "inputs", fn)
    xs = _prepare(xs, create_graph)
    with enable_grad():
        out = func(*xs)
    outs, out_tuple = _as_tuple(out, "function's output", fn)
    return xs, is_tuple, outs, out_tuple


def _shape(xs, is_tuple):
    return xs if is_tuple else xs[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ J): the vector-Jacobian product at `inputs`."""
    xs, is_tuple, outs, out_tuple = _run(func, inputs, create_graph, "vjp")
    vs = _vectors(v, outs, "function's output", "vjp")
    with enable_grad():
        got = _grad(outs, xs, vs, create_graph, strict, "vjp")
    res = tuple(g if g is not None else _zeros(x) for g, x in zip(got, xs))
    return _shape(_finish(outs, create_graph), out_tuple), _shape(_finish(res, create_graph), is_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, from two reverse passes: J v is the gradient of
    uᵀ J v with respect to u."""
    xs, is_tuple, outs, out_tuple = _run(func, inputs, create_graph, "jvp")
    vs = _vectors(v, xs, "input", "jvp")
    with enable_grad():
        us = tuple(Tensor._wrap(np.zeros_like(o._data), True) for o in outs)
        back = _grad(outs, xs, us, True, strict, "jvp")
        pairs = [(b, w) for b, w in zip(back, vs) if b is not None and b.requires_grad]
        if pairs:
            got = engine.grad([b for b, _ in pairs], list(us), [w for _, w in pairs],
                              retain_graph=create_graph, create_graph=create_graph, allow_unused=True)
        else:
            got = (None,) * len(us)
    res = tuple(g if g is not None else _zeros(o) for g, o in zip(got, outs))
    return _shape(_finish(outs, create_graph), out_tuple), _shape(_finish(res, create_graph), out_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of func at `inputs`: for one output and one input, a tensor of shape
    output.shape + input.shape; tuples of them (per output, then per input) where tuples are involved."""
    if strategy != "reverse-mode":
        raise ValueError(f"jacobian: bibun computes Jacobians in reverse mode only (strategy={strategy!r}); "
                         f"leave strategy out")
    xs, is_tuple, outs, out_tuple = _run(func, inputs, create_graph, "jacobian")
    rows = []
    with enable_grad():
        for o in outs:
            per_input = [[] for _ in xs]
            for k in range(o._data.size):
                e = np.zeros(o._data.size, dtype=o._data.dtype)
                e[k] = 1
                seed = Tensor._wrap(e.reshape(o._data.shape))
                got = _grad((o,), xs, (seed,), create_graph, strict, "jacobian", retain_graph=True)
                for j, (g, x) in enumerate(zip(got, xs)):
                    per_input[j].append(g if g is not None else _zeros(x))
            rows.append(tuple(_stack(parts, o, x) for parts, x in zip(per_input, xs)))
    rows = tuple(_finish(r, create_graph) for r in rows)
    rows = tuple(_shape(r, is_tuple) for r in rows)
    return _shape(rows, out_tuple)


def _stack(parts, out, x):
    shape = tuple(out._data.shape) + tuple(x._data.shape)
    if not parts:                                  # an empty output
        return Tensor._wrap(np.zeros(shape, dtype=x._data.dtype))
    return _creation.stack(parts).reshape(shape)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a function returning one number: shape input.shape + input.shape, or a tuple of tuples
    (one block per pair of inputs) for a tuple of inputs."""
    _, is_tuple = _as_tuple(inputs, "inputs", "hessian")

    def one_number(*xs):
        out = func(*xs)
        if not isinstance(out, Tensor) or out._data.size != 1:
            shape = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
            raise RuntimeError(f"hessian: the function must return a Tensor with a single element, got {shape}; "
                               f"reduce it first (.sum()), or use jacobian")
        return out.reshape(())

    def gradient(*xs):
        return jacobian(one_number, xs, create_graph=True, strict=strict)

    res = jacobian(gradient, inputs if is_tuple else (inputs,), create_graph=create_graph, strict=strict)
    return res if is_tuple else res[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ H) for a function returning one number."""
    return _second(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a function returning one number (H is symmetric: the same as vᵀ H)."""
    return _second(func, inputs, v, create_graph, strict, "hvp")


def _second(func, inputs, v, create_graph, strict, fn):
    xs, is_tuple, outs, out_tuple = _run(func, inputs, create_graph, fn)
    if out_tuple or outs[0]._data.size != 1:
        raise RuntimeError(f"{fn}: the function must return a Tensor with a single element; reduce it first "
                           f"(.sum())")
    vs = _vectors(v, xs, "input", fn)
    with enable_grad():
        g = _grad(outs, xs, (None,), True, strict, fn)
        pairs = [(gi, w) for gi, w in zip(g, vs) if gi is not None and gi.requires_grad]
        got = engine.grad([p for p, _ in pairs], list(xs), [w for _, w in pairs], retain_graph=create_graph,
                          create_graph=create_graph, allow_unused=True) if pairs else (None,) * len(xs)
    if strict and any(r is None for r in got):
        raise RuntimeError(f"{fn}: the gradient of the function is independent of an input, which strict=True "
                           f"does not allow; drop strict=True to get zeros there")
    res = tuple(r if r is not None else _zeros(x) for r, x in zip(got, xs))
    return _finish(outs, create_graph)[0], _shape(_finish(res, create_graph), is_tuple)
