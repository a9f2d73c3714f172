"""The primitive table and the one function that runs a primitive and records it.

An op is defined once: its forward on ndarrays, one VJP per input (HIPS-autograd style, so the
engine computes only the gradients some input needs), and its teaching text (symbol and local
derivative as LaTeX, with @0, @1 for the inputs' names and @out for the output's).
"""
import numpy as np

from ..autograd import engine, grad_mode, version_counter
from ..autograd.node import Node

OPS = {}
Tensor = None            # set by bibun._tensor


class Op:
    __slots__ = ("name", "fwd", "vjp", "kind", "symbol", "local", "grad_name", "grad_name_dim", "variadic",
                 "traced")

    def __init__(self, name, fwd, vjp, kind, symbol, local, grad_name, variadic, grad_name_dim=None):
        self.name, self.fwd, self.vjp, self.kind = name, fwd, vjp, kind
        self.symbol, self.local, self.grad_name, self.variadic = symbol, local, grad_name, variadic
        self.grad_name_dim = grad_name_dim  # PyTorch's node name when the op ran along an axis (SumBackward1)
        self.traced = None      # the public function that runs this op on Tensors

    def __repr__(self):
        return f"<op {self.name}>"


def defop(name, fwd, vjp, *, kind, symbol=None, local=None, grad_name=None, variadic=False, grad_name_dim=None):
    """Register a primitive. `vjp` holds one function per input: (xp, g, out, *inputs, **params)."""
    if not isinstance(vjp, tuple):
        vjp = (vjp,)
    if grad_name is None:
        grad_name = "".join(p.capitalize() for p in name.split("_")) + "Backward0"
    op = Op(name, fwd, vjp, kind, symbol or name, local, grad_name, variadic, grad_name_dim)
    OPS[name] = op
    return op


def apply(op, inputs, datas, params=None, needs=None):
    """Run `op` forward on `datas` (the inputs' arrays) and, in grad mode, record it on the output.

    `needs` (which inputs require grad) may be passed by callers that know it already."""
    out = op.fwd(*datas, **params) if params else op.fwd(*datas)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    t = _new(Tensor)
    t._data = out
    t._grad = None
    if grad_mode._enabled:
        t._version = 0
        if needs is None:
            needs = tuple([type(x) in _TENSOR_TYPES and x.requires_grad for x in inputs])
        if True in needs:
            t.requires_grad = True
            t.grad_fn = Node(op, inputs, datas, needs, params, out, version_counter.now)
        else:
            t.requires_grad = False
            t.grad_fn = None
    else:
        t._version = _NO_GRAD       # the store made anyway, telling a disconnected loss's error where it came from
        t.requires_grad = False
        t.grad_fn = None
    if engine.tracer is not None:
        engine.tracer.on_forward(op, inputs, params, t)
    return t


_new = object.__new__
_TENSOR_TYPES = set()
_NO_GRAD = version_counter.NO_GRAD
