"""The primitive table and the one function that runs a primitive and records it.

An op is defined once, in one `defop` entry: its forward on ndarrays, one VJP per input (HIPS-autograd
style, so the engine computes only the gradients some input needs), its teaching text and its public
surface. Every field but the name is a keyword.

Surface: `method` (Tensor methods), `function` (bibun.<name>; "linalg.norm" is bibun.linalg.norm) and
`numpy` (bibun.numpy.<name>, NumPy's semantics): a name, a tuple of names, or a dict {name: impl}. A name
without an impl is the op's own traced function (bound as is: no extra call on the hot path); a function
impl of `METHOD` is the method of the same name called on bibun.tensor(input). `numpy` impls take NumPy's
arguments on Tensors, and may be a pair (NumPy-side, Tensor-side) where NumPy has no such function. Public
names built from several ops (var, std, max) are entries of their own, `defsurface`, in the file of the ops
they use. The binding itself is one loop per namespace (`bindings`), in bibun._tensor, bibun and bibun.numpy.

The teaching text is read only by `bibun.explain` (never by `apply()` or the backward pass); templates name
the inputs @0, @1, ... (@(0): in parentheses where it needs them), the output @out, the upstream gradient @g:

- `symbol`: the op's sign on its node in a graph (mathtext, no dollars); `label` where the node reads
  otherwise ("\\sqrt{a}" where the symbol is "\\sqrt{}"), `label_const` the label with a constant folded
  into the node, "a" for the other input and @c / @(c) for the constant: "+@(c)" draws +1, "@c/a"
  draws 2/a. A pair gives the label for the constant as input 0 and as input 1.
- `forward`: Form(tex, text, prec) of the expression the op computes, "@(0)·@(1)"; the precedence
  (SUM, PRODUCT, POWER, ATOM) says how tightly it binds, a pair (LaTeX, text) where they differ
  (\\frac{a}{b} is an atom, a/b a product). `numeric`: Text(tex, text) once numbers stand in for the
  names or a folded constant sits beside a named input, "2 × x" rather than "2 x".
- `local`: the local derivative ∂out/∂input, one LaTeX template per input (None where it is not one
  number per element); `vjp_text`: one Text(tex, text) per input of the gradient passed back where the
  local derivative is not one number per element (matrix products, sums): "@g @1ᵀ". In both, @n is the
  number of elements each output of a reduction covers (the n of a mean).
- `by_ndim`: {ndims: {field: value}}: text that depends on the inputs' numbers of dimensions, first
  match wins, None in a pattern matches any: a product of two vectors reads hᵀq. A label given here
  is the node's whole label (W.T draws a^{\\top}).
Ops without `forward` read as name(@0, @1) in formulas, and ops without `label` show their symbol.
"""
import collections

import numpy as np

from ..autograd import engine, grad_mode, release, version_counter
from ..autograd.node import Node

OPS = {}
SURFACES = []            # public names built from several ops (defsurface)
Tensor = None            # set by bibun._tensor

# how tightly a forward expression binds, for parenthesising its inputs: a sum, a product, a power, an
# atom (a call; a fraction in LaTeX)
SUM, PRODUCT, POWER, ATOM = 1, 2, 3, 9

Form = collections.namedtuple("Form", "tex text prec")     # a forward expression
Text = collections.namedtuple("Text", "tex text")          # a numeric form, or the gradient passed to one input

METHOD = "method"        # a bibun.<name> function that is the Tensor method of that name


def _surface(spec):
    """A surface declaration as {name: impl or None}."""
    if not spec:
        return {}
    if isinstance(spec, str):
        return {spec: None}
    if isinstance(spec, dict):
        return dict(spec)
    return dict.fromkeys(spec)


class Op:
    __slots__ = ("name", "fwd", "vjp", "kind", "symbol", "local", "grad_name", "grad_name_dim", "variadic",
                 "traced", "forward", "numeric", "label", "label_const", "vjp_text", "by_ndim",
                 "method", "function", "numpy", "next_order", "vjp_into")

    def __init__(self, name, *, fwd, vjp, kind, symbol=None, local=None, grad_name=None, grad_name_dim=None,
                 variadic=False, forward=None, numeric=None, label=None, label_const=None, vjp_text=None,
                 by_ndim=None, method=None, function=None, numpy=None, next_order=None):
        self.name, self.fwd, self.kind = name, fwd, kind
        self.vjp = vjp if isinstance(vjp, tuple) else (vjp,)
        self.grad_name = grad_name or "".join(p.capitalize() for p in name.split("_")) + "Backward0"
        self.grad_name_dim = grad_name_dim  # PyTorch's node name when the op ran along an axis (SumBackward1)
        self.variadic = variadic            # one VJP for any number of inputs, called with the input's index
        self.traced = None                  # the function that runs this op on Tensors (set by ops._wrap)
        # teaching text for bibun.explain (see the module's docstring)
        self.symbol, self.local, self.label, self.label_const = symbol or name, local, label, label_const
        self.forward, self.numeric, self.vjp_text = forward, numeric, vjp_text
        self.by_ndim = tuple(by_ndim.items()) if by_ndim is not None else None
        # public surface (see the module's docstring)
        self.method, self.function, self.numpy = _surface(method), _surface(function), _surface(numpy)
        # the order PyTorch lists this node's inputs in `grad_fn.next_functions`, where it is not theirs
        # (AddmmBackward0: bias, input, weight); read only by next_functions
        self.next_order = next_order
        # in-place forms of the VJPs, one per input or None, set beside the op where a backward over big
        # arrays spends its time (see ops/elementwise.py and the engine's use of them)
        self.vjp_into = None

    def __repr__(self):
        return f"<op {self.name}>"


def defop(name, **fields):
    """Register a primitive (fields: see Op and the module's docstring); returns the Op."""
    op = OPS[name] = Op(name, **fields)
    return op


class Surface:
    """Public names built from several ops: the same three namespaces as an op's entry."""
    __slots__ = ("name", "method", "function", "numpy", "traced")

    def __init__(self, name, method=None, function=None, numpy=None):
        self.name, self.traced = name, None
        self.method, self.function, self.numpy = _surface(method), _surface(function), _surface(numpy)


def defsurface(name, *, method=None, function=None, numpy=None):
    SURFACES.append(Surface(name, method, function, numpy))


def bindings(namespace):
    """(public name, implementation, entry) for every name declared in `namespace` ("method", "function" or
    "numpy") by an op or a surface entry; the implementation is None where it is the op's traced function."""
    for entry in list(OPS.values()) + SURFACES:
        for name, impl in getattr(entry, namespace).items():
            yield name, (impl if impl is not None else entry.traced), entry


def apply(op, inputs, datas, params=None, needs=None):
    """Run `op` forward on `datas` (the inputs' arrays) and, in grad mode, record it on the output.

    `needs` (which inputs require grad) may be passed by callers that know it already."""
    out = op.fwd(*datas, **params) if params else op.fwd(*datas)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    t = _new(Tensor)
    t._data = out
    t._grad = None
    if not grad_mode._off or grad_mode.is_grad_enabled():
        t._version = 0
        if needs is None:
            needs = tuple([type(x) in _TENSOR_TYPES and x.requires_grad for x in inputs])
        if True in needs:
            t.requires_grad = True
            t.grad_fn = Node(op, inputs, datas, needs, params, out, version_counter.now)
            if out.size >= release.RELEASE_MIN and engine.tracer is None:
                release.after(t.grad_fn)
        else:
            t.requires_grad = False
            t.grad_fn = None
    else:
        t._version = _NO_GRAD       # the store made anyway, telling a disconnected loss's error where it came from
        t.requires_grad = False
        t.grad_fn = None
    if engine.tracer is not None:
        engine.tracer.on_forward(op, inputs, params, t, datas)
    return t


_new = object.__new__
_TENSOR_TYPES = set()


def bind_tensor_type(cls):
    """The binding step: bibun._tensor hands the op table the class results are made of (and each subclass,
    so that the fast paths that test `type(x) in _TENSOR_TYPES` take them too)."""
    global Tensor
    if Tensor is None:
        Tensor = cls
    _TENSOR_TYPES.add(cls)
_NO_GRAD = version_counter.NO_GRAD
