"""The primitive table and the one function that runs a primitive and records it.

An op is defined once: its forward on ndarrays, one VJP per input (HIPS-autograd style, so the
engine computes only the gradients some input needs), and its teaching text. The text is read only by
`bibun.explain` (never by `apply()` or the backward pass); templates name the inputs @0, @1, ... (@(0):
in parentheses where it needs them), the output @out, the upstream gradient @g:

- `symbol`: the op's sign on its node in a graph (mathtext, no dollars); `label` where the node reads
  otherwise ("\\sqrt{a}" where the symbol is "\\sqrt{}"), `label_const` the label with a constant folded
  into the node, "a" for the other input and @c / @(c) for the constant: "+@(c)" draws +1, "@c/a"
  draws 2/a. A pair gives the label for the constant as input 0 and as input 1.
- `forward`: (LaTeX, text, precedence) of the expression the op computes, "@(0)·@(1)"; the precedence
  (SUM, PRODUCT, POWER, ATOM) says how tightly it binds, a pair where LaTeX and text differ
  (\\frac{a}{b} is an atom, a/b a product). `numeric`: (LaTeX, text) once numbers stand in for the
  names or a folded constant sits beside a named input, "2 × x" rather than "2 x".
- `local`: the local derivative ∂out/∂input, one LaTeX template per input (None where it is not one
  number per element); `vjp_text`: one (LaTeX, text) per input of the gradient passed back where the
  local derivative is not one number per element (matrix products, sums): "@g @1ᵀ". In both, @n is the
  number of elements each output of a reduction covers (the n of a mean).
- `by_ndim`: {ndims: {field: value}}: text that depends on the inputs' numbers of dimensions, first
  match wins, None in a pattern matches any: a product of two vectors reads hᵀq. A label given here
  is the node's whole label (W.T draws a^{\\top}).
Ops without `forward` read as name(@0, @1) in formulas, and ops without `label` show their symbol.
"""
import numpy as np

from ..autograd import engine, grad_mode, version_counter
from ..autograd.node import Node

OPS = {}
Tensor = None            # set by bibun._tensor

# how tightly a forward expression binds, for parenthesising its inputs: a sum, a product, a power, an
# atom (a call; a fraction in LaTeX)
SUM, PRODUCT, POWER, ATOM = 1, 2, 3, 9


class Op:
    __slots__ = ("name", "fwd", "vjp", "kind", "symbol", "local", "grad_name", "grad_name_dim", "variadic",
                 "traced", "forward", "numeric", "label", "label_const", "vjp_text", "by_ndim")

    def __init__(self, name, fwd, vjp, kind, symbol, local, grad_name, variadic, grad_name_dim=None, forward=None,
                 numeric=None, label=None, label_const=None, vjp_text=None, by_ndim=None):
        self.name, self.fwd, self.vjp, self.kind = name, fwd, vjp, kind
        self.symbol, self.local, self.grad_name, self.variadic = symbol, local, grad_name, variadic
        self.grad_name_dim = grad_name_dim  # PyTorch's node name when the op ran along an axis (SumBackward1)
        self.traced = None      # the public function that runs this op on Tensors
        # teaching text for bibun.explain (see the module's docstring)
        self.forward, self.numeric, self.label, self.label_const = forward, numeric, label, label_const
        self.vjp_text, self.by_ndim = vjp_text, by_ndim

    def __repr__(self):
        return f"<op {self.name}>"


def defop(name, fwd, vjp, *, kind, symbol=None, local=None, grad_name=None, variadic=False, grad_name_dim=None,
          forward=None, numeric=None, label=None, label_const=None, vjp_text=None, by_ndim=None):
    """Register a primitive. `vjp` holds one function per input: (xp, g, out, *inputs, **params); the
    other keywords are its teaching text (see the module's docstring)."""
    if not isinstance(vjp, tuple):
        vjp = (vjp,)
    if grad_name is None:
        grad_name = "".join(p.capitalize() for p in name.split("_")) + "Backward0"
    if by_ndim is not None:
        by_ndim = tuple(by_ndim.items())
    op = Op(name, fwd, vjp, kind, symbol or name, local, grad_name, variadic, grad_name_dim, forward, numeric,
            label, label_const, vjp_text, by_ndim)
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
    if grad_mode._enabled or grad_mode.is_grad_enabled():
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
