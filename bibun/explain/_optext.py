"""How each op reads in a formula and on its node: the generic part.

Each primitive's text (its forward expression in LaTeX and text, its node label, its local derivative,
the gradient it passes back where that is not one number per element) is written beside its forward and
VJP in the op table, `bibun.ops.OPS` (the fields are described in bibun/ops/_registry.py). This module
reads it from there, fills the templates in, puts in the parentheses they need, and gives ops without
text a fallback: `name(a, b)` in formulas, their symbol on their node.

Templates use @0, @1, ... for the inputs; @(0) puts the input in parentheses when it needs them
(a negative number, or an expression that binds less tightly than the op); @g is the upstream gradient.
"""
import re

from ..ops import OPS

_UNSET = object()


def _for_ndim(op, field, ndims):
    """What the op's `by_ndim` table says `field` is for inputs of these numbers of dimensions (the first
    pattern that matches and sets it; None in a pattern matches any), or _UNSET."""
    if op.by_ndim is not None:
        ndims = tuple(ndims)
        for pattern, fields in op.by_ndim:
            if field in fields and len(pattern) == len(ndims) and \
                    all(p is None or p == d for p, d in zip(pattern, ndims)):
                return fields[field]
    return _UNSET


def _text(op, field, ndims):
    v = _for_ndim(op, field, ndims)
    return getattr(op, field) if v is _UNSET else v


class Arg:
    """One input as a formula sees it: its LaTeX and text, how tightly it binds, whether it is negative."""
    __slots__ = ("tex", "text", "prec_tex", "prec_text", "negative")

    def __init__(self, tex, text, prec_tex=9, prec_text=9, negative=False):
        self.tex, self.text = tex, text
        self.prec_tex, self.prec_text, self.negative = prec_tex, prec_text, negative


def _escape(name):
    return name.replace("_", r"\_")


def form(op_name, nargs, values=False, has_const=False, ndims=()):
    """(precedence LaTeX, precedence text, LaTeX template, text template) of an op's forward expression.
    `values`: numbers stand in for the inputs' names; `has_const`: an input is a folded constant; `ndims`
    (the inputs' numbers of dimensions) picks a form by shape (a product of two vectors: hᵀq)."""
    op = OPS.get(op_name)
    f = None if op is None else _text(op, "forward", ndims)
    if f is None:
        args = ", ".join(f"@{i}" for i in range(nargs))
        return 9, 9, rf"\mathrm{{{_escape(op_name)}}}({args})", f"{op_name}({args})"
    tex, text, prec = f
    pt, px = prec if type(prec) is tuple else (prec, prec)
    if values or (has_const and nargs > 1):       # numbers, or a number beside a name: 2 × x, not 2 x
        numeric = _text(op, "numeric", ndims)
        if numeric is not None:
            tex, text = numeric
    return pt, px, tex, text


_PH = re.compile(r"@\((\d+)\)|@(\d+)")


def fill(template, args, prec, style):
    """Put `args` (Arg) into `template`; style "tex" or "text"."""
    def one(m):
        k = int(m.group(1) or m.group(2))
        a = args[k]
        s = a.tex if style == "tex" else a.text
        if m.group(1) is not None:
            p = a.prec_tex if style == "tex" else a.prec_text
            if a.negative or p <= prec and p < 9:
                return f"({s})"
        return s
    return _PH.sub(one, template)


_CONST = re.compile(r"@\(c\)|@c")


def label(op_name, symbol, consts, nargs, ndims=()):
    """The node's label (mathtext, no dollars) with folded constants: +1, \\times(-1), 1/a, a^{2}.

    `consts` maps input position -> the constant's LaTeX; `ndims` the inputs' numbers of dimensions.
    """
    op = OPS.get(op_name)
    if op is not None:
        by_shape = _for_ndim(op, "label", ndims)
        if by_shape is not _UNSET:
            return by_shape                    # the whole label for these shapes: W.T is a^{\top}
    base = None if op is None else op.label
    if base is None:
        base = symbol if symbol and len(symbol) <= 12 else r"\mathrm{" + _escape(op_name) + "}"
    if not consts:
        return base
    if nargs == 2 and len(consts) == 1 and op is not None and op.label_const is not None:
        (k, c), = consts.items()
        t = op.label_const if type(op.label_const) is str else op.label_const[k]
        pc = f"({c})" if c.startswith("-") else c
        return _CONST.sub(lambda m: pc if m.group(0) == "@(c)" else c, t)
    parts = ["a" if i not in consts else consts[i] for i in range(nargs)]
    return base + "(" + ", ".join(parts) + ")"


def vjp_form(op_name, i, shapes):
    """LaTeX and text of the gradient an op passes to input i, in terms of @g (the upstream gradient) and
    the inputs; None where the elementwise rule (upstream times local derivative) applies."""
    op = OPS.get(op_name)
    if op is None:
        return None
    t = _text(op, "vjp_text", [len(s) for s in shapes])
    return t[i] if t is not None and i < len(t) else None
