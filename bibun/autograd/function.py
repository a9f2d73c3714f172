"""User-defined differentiable ops: PyTorch's `autograd.Function` (forward and backward as static methods,
a `ctx` between them) and HIPS autograd's `primitive` / `defvjp`, over one mechanism.

Each Function subclass, and each primitive, becomes an op of its own, made on its first use and kept
out of the primitive table (`bibun.ops.OPS`): its node is named after the user's class or function
(`grad_fn=<MyReLUBackward>`, as PyTorch prints it), and `bibun.explain` draws it as one step. The op's
forward hands back what the user's forward computed; its VJP calls the user's backward.

This module sits above the Tensor (it makes tensors and records ops): bibun/__init__ imports it after
the tensor; the engine never does.
"""
import functools
import inspect
import weakref

import numpy as np

from .. import _tensor
from ..ops._registry import ATOM, Form, Op, apply
from . import engine, grad_mode

Tensor = _tensor.Tensor


def _make_op(name, fwd, vjp, traced):
    safe = name.replace("_", r"\_")
    op = Op(name, fwd=fwd, vjp=(vjp,), kind="function", symbol=rf"\mathrm{{{safe}}}", grad_name=f"{name}Backward",
            variadic=True, forward=Form(rf"\mathrm{{{safe}}}(@0)", f"{name}(@0)", ATOM))
    op.traced = traced
    return op


class _no_tracing:
    """What runs inside a user's forward or backward is not reported to bibun.explain: the Function is one step."""

    def __enter__(self):
        self.prev = engine.set_tracer(None)

    def __exit__(self, *exc):
        engine.set_tracer(self.prev)
        return False


def _shape_problem(grad_shape, input_shape):
    """Why a gradient of `grad_shape` cannot belong to an input of `input_shape`, or None when it can
    (equal shapes, or a broadcast of the input's shape, which the engine sums back)."""
    if tuple(grad_shape) == tuple(input_shape):
        return None
    try:
        if np.broadcast_shapes(tuple(input_shape), tuple(grad_shape)) == tuple(grad_shape):
            return None
    except ValueError:
        pass
    return f"got shape {tuple(grad_shape)} but the input has shape {tuple(input_shape)}"


# ---- PyTorch's autograd.Function ----------------------------------------------------------------------

class FunctionCtx:
    """The `ctx` a Function's forward fills and its backward reads."""

    def __init__(self, cls, args):
        self._cls = cls
        self._args = args                   # the forward's arguments, in order (Tensors and constants)
        self._saved = ()
        self._non_diff = []
        self._materialize = True
        self._raw = ()                      # what forward returned (plain, graph-free tensors)
        self._outputs = ()                  # weak references to the tensors handed to the user, and their
        self._out_versions = ()             # versions then (an output changed in place can't be used)
        self._cache = None                  # (gradient, output index, gradients) of the last backward call
        self._last_needed = -1              # the last of the op's inputs that takes a gradient
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors):
        """Keep tensors for backward, where `ctx.saved_tensors` gives them back in the same order."""
        for k, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save tensors (or None), but argument {k} is a "
                                f"{type(t).__name__}: keep other values as attributes, e.g. ctx.k = k")
        self._saved = tensors

    @property
    def saved_tensors(self):
        out = []
        for t in self._saved:
            k = None if t is None or any(t is a for a in self._args) else \
                next((k for k, o in enumerate(self._raw) if t is o), None)
            if k is not None and self._outputs[k] is not None:
                o = self._outputs[k]()
                if o is not None:
                    if o._version != self._out_versions[k]:
                        raise RuntimeError(f"one of the variables needed for gradient computation has been "
                                           f"modified by an inplace operation: output {k} of {self._cls.__name__} "
                                           f"(which its forward saved) was changed in place after it was "
                                           f"computed. Fix: change a copy (out.clone()) instead.")
                    if grad_mode.is_grad_enabled():      # create_graph: the gradient's graph goes through the output
                        t = o
            out.append(t)
        return tuple(out)

    def mark_non_differentiable(self, *outputs):
        """These outputs (indices, masks...) get no gradient: they come back with requires_grad=False."""
        self._non_diff.extend(outputs)

    def set_materialize_grads(self, value):
        """With False, backward gets None (not zeros) for the outputs that received no gradient."""
        self._materialize = bool(value)

    # -- what the op's VJP calls ------------------------------------------------------------------------
    def _gradient(self, i, g, index):
        """The gradient for the op's input i: backward runs once per node, for its first input that needs
        one; the engine asks for the others next, in order, and the last one drops what was kept."""
        cache = self._cache
        if cache is None or cache[0] is not g or cache[1] != index:
            cache = self._cache = (g, index, self._run_backward(g, index))
        if i == self._last_needed:
            self._cache = None
        return cache[2][i]

    def _run_backward(self, g, index):
        cls, name = self._cls, self._cls.__name__
        create_graph = isinstance(g, Tensor)
        grad_outputs = []
        for k, o in enumerate(self._raw):
            if k == index:
                grad_outputs.append(g if create_graph else Tensor._wrap(g))
            elif isinstance(o, Tensor) and self._materialize:
                grad_outputs.append(Tensor._wrap(np.zeros_like(o._data)))
            else:
                grad_outputs.append(None)
        with _no_tracing():
            res = cls.backward(self, *grad_outputs)
        if not isinstance(res, (tuple, list)):
            res = (res,)
        n = len(self._args)
        if len(res) < n or any(r is not None for r in res[n:]):
            raise RuntimeError(f"{name}.backward returned {len(res)} gradient{'s' if len(res) != 1 else ''} but "
                               f"{name}.forward takes {n} argument{'s' if n != 1 else ''} after ctx: return one "
                               f"gradient per forward argument, in the same order, with None for those that take "
                               f"none (constants, flags)")
        grads = []
        for p, a in enumerate(self._args):
            r = res[p]
            if not isinstance(a, Tensor):
                if r is not None:
                    raise RuntimeError(f"{name}.backward returned a gradient at position {p}, but forward "
                                       f"argument {p} is a {type(a).__name__}, not a Tensor: return None there")
                continue
            if r is None:                       # no gradient for this input: zeros
                r = Tensor._wrap(np.zeros_like(a._data))
            elif not isinstance(r, Tensor):
                raise TypeError(f"{name}.backward returned a {type(r).__name__} as the gradient of argument {p}: "
                                f"return Tensors (or None), e.g. grad_output * 2, not Python numbers or arrays")
            problem = _shape_problem(r._data.shape, a._data.shape)
            if problem:
                raise RuntimeError(f"{name}.backward returned a wrong gradient for argument {p}: {problem}. "
                                   f"A gradient has the shape of its input (sum over the axes that forward "
                                   f"broadcast it along)")
            grads.append(r if create_graph else r._data)
        return grads


class Function:
    """A differentiable op written by hand, as in PyTorch:

        class MyReLU(bibun.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.clamp(min=0)

            @staticmethod
            def backward(ctx, grad_output):
                x, = ctx.saved_tensors
                return grad_output * (x > 0)

        y = MyReLU.apply(x)

    forward runs without recording a graph and gets the arguments as given; backward gets one gradient
    per output and returns one per forward argument (None where there is none). `setup_context(ctx,
    inputs, output)` may be defined instead of taking ctx in forward, as PyTorch 2 allows.
    """

    def __call__(self, *args, **kwargs):
        name = type(self).__name__
        raise TypeError(f"a Function is not called through an instance: write {name}.apply(...) instead of "
                        f"{name}()(...)")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward as a @staticmethod")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is optional: define it, or take ctx as forward's first argument")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward as a @staticmethod to be "
                                  "differentiated")

    @classmethod
    def apply(cls, *args, **kwargs):
        return _apply(cls, args, kwargs)


def _apply(cls, args, kwargs):
    name = cls.__name__
    fwd = inspect.getattr_static(cls, "forward")
    if not isinstance(fwd, staticmethod):
        raise TypeError(f"{name}.forward must be a @staticmethod (forward(ctx, ...)), as PyTorch requires: put "
                        f"@staticmethod above both forward and backward, and call {name}.apply(...)")
    uses_setup = inspect.getattr_static(cls, "setup_context") is not Function.__dict__["setup_context"]
    if kwargs:                              # keywords become positions, as PyTorch binds them
        sig = inspect.signature(cls.forward)
        bound = sig.bind(*(args if uses_setup else (None,) + args), **kwargs)
        bound.apply_defaults()
        args = tuple(bound.args[0 if uses_setup else 1:])
    ctx = FunctionCtx(cls, args)
    pos = tuple(p for p, a in enumerate(args) if isinstance(a, Tensor))
    tracking = grad_mode.is_grad_enabled() and any(args[p].requires_grad for p in pos)
    ctx.needs_input_grad = tuple(tracking and isinstance(a, Tensor) and a.requires_grad for a in args)
    was = grad_mode._set(False)             # forward records no graph, as in PyTorch
    try:
        with _no_tracing():
            if uses_setup:
                raw = cls.forward(*args)
                cls.setup_context(ctx, args, raw)
            else:
                raw = cls.forward(ctx, *args)
    finally:
        grad_mode._set(was)
    single = not isinstance(raw, tuple)
    ctx._raw = (raw,) if single else tuple(raw)
    op = cls.__dict__.get("_bibun_op")
    if op is None:
        op = _make_op(name, _function_forward, _function_vjp, _function_traced)
        setattr(cls, "_bibun_op", op)
    inputs = tuple(args[p] for p in pos)
    datas = tuple(x._data for x in inputs)
    needs = tuple(x.requires_grad for x in inputs)
    ctx._last_needed = max((i for i, n in enumerate(needs) if n), default=-1)
    results, refs, versions = [], [], []
    for k, o in enumerate(ctx._raw):
        if not isinstance(o, Tensor):
            results.append(o)               # numbers, None...: handed through
            refs.append(None)
            versions.append(None)
            continue
        if tracking and o._data.dtype.kind == "f" and not any(o is m for m in ctx._non_diff):
            t = apply(op, inputs, datas, {"ctx": ctx, "index": k}, needs)
            refs.append(weakref.ref(t))
        else:
            t = Tensor._wrap(o._data)
            refs.append(None)
        versions.append(t._version)
        results.append(t)
    ctx._outputs, ctx._out_versions = tuple(refs), tuple(versions)
    return results[0] if single else tuple(results)


def _function_forward(*datas, ctx, index):
    return ctx._raw[index]._data            # computed already, by the user's forward


def _function_vjp(i, xp, g, out, *args, ctx, index):
    return ctx._gradient(i, g, index)


def _function_traced(*inputs, ctx, index):
    """The op run on Tensors. bibun.explain replays it (with its tracer set): forward runs again. The
    engine building a graph of the backward pass asks for the output of the node it is at (the very
    inputs, no tracer): the VJP reads ctx, not this output, so the one from then is handed back."""
    pos = [p for p, a in enumerate(ctx._args) if isinstance(a, Tensor)]
    if engine.current_tracer() is None and len(inputs) == len(pos) and all(x is ctx._args[p] for x, p in zip(inputs, pos)):
        return Tensor._wrap(ctx._raw[index]._data)
    args = list(ctx._args)
    for x, p in zip(inputs, pos):
        args[p] = x
    r = ctx._cls.apply(*args)
    return r[index] if isinstance(r, tuple) else r


# ---- HIPS autograd's primitive / defvjp -----------------------------------------------------------------

def primitive(f):
    """Make `f` (a function of arrays) a differentiable op whose gradient you give with `defvjp`:

        @bibun.primitive
        def logsumexp(x):
            m = np.max(x)
            return m + np.log(np.sum(np.exp(x - m)))

        bibun.defvjp(logsumexp, lambda ans, x: lambda g: g * np.exp(x - ans))

    `f` always receives plain arrays; given arrays it is `f` itself, given Tensors it records one node.
    """
    name = getattr(f, "__name__", "primitive")
    makers = {}

    def vjp(i, xp, g, out, *args, **kwargs):
        maker = makers.get(i)
        if maker is None:
            raise NotImplementedError(f"the gradient of {name} with respect to its argument {i} is not defined: "
                                      f"give it with bibun.defvjp({name}, ...) (argnums={i})")
        r = maker(out, *args, **kwargs)(g)
        if not isinstance(r, (np.ndarray, Tensor)):
            r = np.asarray(r)               # a number: the engine casts it to the input's dtype
        x = args[i]
        problem = _shape_problem(np.shape(r._data if isinstance(r, Tensor) else r),
                                 np.shape(x._data if isinstance(x, Tensor) else x))
        if problem:
            raise RuntimeError(f"the gradient that defvjp gave for argument {i} of {name} is wrong: {problem}. "
                               f"A gradient has the shape of its input")
        return r

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        for a in args:
            if type(a) in _TENSOR_TYPES:
                datas = tuple(x._data if type(x) in _TENSOR_TYPES else x for x in args)
                return apply(op, args, datas, kwargs or None)
        return f(*args, **kwargs)

    op = _make_op(name, f, vjp, wrapped)
    wrapped._bibun_vjps = makers
    return wrapped


def defvjp(fun, *vjpmakers, argnums=None):
    """Give the gradients of a `primitive`, HIPS autograd's way: one maker per argument, each
    `maker(ans, *args, **kwargs)` returning `g -> gradient`; None means a zero gradient."""
    makers = getattr(fun, "_bibun_vjps", None)
    if makers is None:
        raise TypeError(f"defvjp needs a function made with @bibun.primitive, got "
                        f"{getattr(fun, '__name__', type(fun).__name__)}: decorate it first")
    for i, maker in zip(range(len(vjpmakers)) if argnums is None else argnums, vjpmakers):
        makers[i] = _zero_maker(i) if maker is None else maker


def _zero_maker(i):
    def maker(ans, *args, **kwargs):
        x = args[i]
        return lambda g: np.zeros_like(x._data if isinstance(x, Tensor) else x)
    return maker


_TENSOR_TYPES = _tensor._registry._TENSOR_TYPES
