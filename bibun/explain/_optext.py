"""How each op reads in a formula and on its node.

The op table (bibun.ops) holds each primitive's symbol and local-derivative template; this module adds
what only the explanation needs: the forward expression ("a x", "\\frac{1}{\\pi}") in LaTeX and text, the
node label with constants folded in ("+1", "\\times(-1)", "1/a"), and the vector-Jacobian product of the
ops whose local derivative is not a number per element (matrix products, sums). Ops missing here fall
back to their name: `name(a, b)`.

Templates use @0, @1, ... for the inputs; @(0) puts the input in parentheses when it needs them
(a negative number, or an expression that binds less tightly than the op); @g is the upstream gradient.
"""
import re

# op name -> (precedence in LaTeX, precedence in text, named LaTeX, named text, value LaTeX, value text)
# precedence: 1 sums, 2 products, 3 powers, 9 atoms (calls, fractions in LaTeX)
_FORMS = {
    "add": (1, 1, "@0 + @(1)", "@0 + @(1)", None, None),
    "sub": (1, 1, "@0 - @(1)", "@0 - @(1)", None, None),
    "mul": (2, 2, r"@(0) \, @(1)", "@(0)·@(1)", r"@(0) \times @(1)", "@(0) × @(1)"),
    "div": (9, 2, r"\frac{@0}{@1}", "@(0)/@(1)", None, None),
    "pow": (3, 3, "@(0)^{@1}", "@(0)^@(1)", None, None),
    "neg": (2, 2, "-@(0)", "-@(0)", r"@(0) \times (-1)", "@(0) × (-1)"),
    "exp": (9, 9, r"\exp(@0)", "exp(@0)", None, None),
    "log": (9, 9, r"\log(@0)", "log(@0)", None, None),
    "sqrt": (9, 9, r"\sqrt{@0}", "sqrt(@0)", None, None),
    "abs": (9, 9, "|@0|", "|@0|", None, None),
    "sin": (9, 9, r"\sin(@0)", "sin(@0)", None, None),
    "cos": (9, 9, r"\cos(@0)", "cos(@0)", None, None),
    "tanh": (9, 9, r"\tanh(@0)", "tanh(@0)", None, None),
    "sigmoid": (9, 9, r"\sigma(@0)", "σ(@0)", None, None),
    "relu": (9, 9, r"\mathrm{ReLU}(@0)", "ReLU(@0)", None, None),
    "reciprocal": (9, 2, r"\frac{1}{@0}", "1/@(0)", None, None),
    "maximum": (9, 9, r"\max(@0, @1)", "max(@0, @1)", None, None),
    "minimum": (9, 9, r"\min(@0, @1)", "min(@0, @1)", None, None),
    "clamp": (9, 9, r"\mathrm{clamp}(@0)", "clamp(@0)", None, None),
    "matmul": (2, 2, r"@(0) \, @(1)", "@(0) @ @(1)", None, None),
    "dot": (2, 2, r"@(0) \cdot @(1)", "@(0)·@(1)", None, None),
    "sum": (9, 9, r"\sum @0", "sum(@0)", None, None),
    "mean": (9, 9, r"\mathrm{mean}(@0)", "mean(@0)", None, None),
    "linear": (1, 1, r"@(0) @(1)^{\top} + @2", "@(0) @(1)ᵀ + @2", None, None),
    "binary_cross_entropy": (9, 9, r"\mathrm{BCE}(@0, @1)", "BCE(@0, @1)", None, None),
    "binary_cross_entropy_with_logits": (9, 9, r"\mathrm{BCE}(\sigma(@0), @1)", "BCE(σ(@0), @1)", None, None),
    "cross_entropy": (9, 9, r"\mathrm{CE}(@0, @1)", "CE(@0, @1)", None, None),
    "softmax": (9, 9, r"\mathrm{softmax}(@0)", "softmax(@0)", None, None),
    "log_softmax": (9, 9, r"\log\mathrm{softmax}(@0)", "log_softmax(@0)", None, None),
    "logsumexp": (9, 9, r"\log\sum\exp(@0)", "logsumexp(@0)", None, None),
}

# local derivatives whose op-table template reads badly once numbers stand in for the names
# ("2 0.5^{2-1}"): the same formula with an explicit product
LOCAL_OVERRIDES = {
    "pow": (r"@1 \cdot @0^{@1 - 1}", r"@0^{@1} \log @0"),
}

_LABELS = {
    "add": "+", "sub": "-", "mul": r"\times", "div": r"\div", "pow": "pow", "neg": r"\times(-1)", "exp": r"\exp",
    "log": r"\log", "sqrt": r"\sqrt{a}", "abs": "|a|", "sin": r"\sin", "cos": r"\cos", "tanh": r"\tanh",
    "sigmoid": r"\sigma", "relu": r"\mathrm{ReLU}", "reciprocal": "1/a", "maximum": r"\max", "minimum": r"\min",
    "matmul": "@", "dot": r"\cdot", "sum": r"\Sigma", "mean": r"\mathrm{mean}", "linear": r"\mathrm{linear}",
    "binary_cross_entropy": r"\mathrm{BCE}", "binary_cross_entropy_with_logits": r"\mathrm{BCE}\circ\sigma",
    "cross_entropy": r"\mathrm{CE}", "softmax": r"\mathrm{softmax}", "log_softmax": r"\log\mathrm{softmax}",
    "logsumexp": r"\mathrm{logsumexp}", "clamp": r"\mathrm{clamp}",
}


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
    `ndims` (the inputs' numbers of dimensions) picks the form of a product of two vectors: hᵀq."""
    if op_name == "matmul" and tuple(ndims) == (1, 1):
        return 2, 2, r"@(0)^{\top} \, @(1)", "@(0) @ @(1)"
    if op_name == "permute" and tuple(ndims) == (2,):            # W.T
        return 3, 3, r"@(0)^{\top}", "@(0)ᵀ"
    f = _FORMS.get(op_name)
    if f is None:
        args = ", ".join(f"@{i}" for i in range(nargs))
        return 9, 9, rf"\mathrm{{{_escape(op_name)}}}({args})", f"{op_name}({args})"
    pt, px, nt, nx, vt, vx = f
    if (values or has_const) and vt is not None and not (op_name == "neg" and not values):
        return pt, px, vt, vx
    return pt, px, nt, nx


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


def label(op_name, symbol, consts, nargs, ndims=()):
    """The node's label (mathtext, no dollars) with folded constants: +1, \\times(-1), 1/a, a^{2}.

    `consts` maps input position -> the constant's LaTeX; `ndims` the inputs' numbers of dimensions.
    """
    if op_name == "permute" and tuple(ndims) == (2,):
        return r"a^{\top}"
    base = _LABELS.get(op_name, None)
    if base is None:
        base = symbol if symbol and len(symbol) <= 12 else r"\mathrm{" + _escape(op_name) + "}"
    if not consts:
        return base
    if nargs == 2 and len(consts) == 1:
        (k, c), = consts.items()
        pc = f"({c})" if c.startswith("-") else c
        if op_name == "add":
            return "+" + pc
        if op_name == "sub":
            return "-" + pc if k == 1 else f"{c} - a"
        if op_name == "mul":
            return r"\times " + pc
        if op_name == "div":
            return r"\div " + pc if k == 1 else f"{c}/a"
        if op_name == "pow":
            return f"a^{{{c}}}" if k == 1 else f"{pc}^{{a}}"
        if op_name in ("maximum", "minimum"):
            return rf"\{op_name[:3]}(a, {c})"
    parts = ["a" if i not in consts else consts[i] for i in range(nargs)]
    return base + "(" + ", ".join(parts) + ")"


def vjp_form(op_name, i, shapes):
    """LaTeX and text of the gradient an op passes to input i, in terms of @g (the upstream gradient) and
    the inputs; None where the elementwise rule (upstream times local derivative) applies."""
    if op_name == "matmul":
        a, b = shapes[0], shapes[1]
        if len(a) == 1 and len(b) == 1:
            return (r"@g \, @1", "@g·@1") if i == 0 else (r"@g \, @0", "@g·@0")
        if len(b) == 1:                       # W x
            return (r"@g \, @1^{\top}", "@g @1ᵀ") if i == 0 else (r"@0^{\top} \, @g", "@0ᵀ @g")
        if len(a) == 1:                       # x W
            return (r"@1 \, @g", "@1 @g") if i == 0 else (r"@0 \, @g^{\top}", "@0 @gᵀ")
        return (r"@g \, @1^{\top}", "@g @1ᵀ") if i == 0 else (r"@0^{\top} \, @g", "@0ᵀ @g")
    if op_name == "dot":
        return ("@g @1", "@g·@1") if i == 0 else ("@g @0", "@g·@0")
    if op_name == "sum":
        return (r"@g \mathbf{1}", "@g·1")
    if op_name == "mean":
        return (r"\frac{@g}{@n}", "@g/@n")
    if op_name == "permute":
        return (r"@g^{\top}", "@gᵀ")
    if op_name == "linear":
        return [("@g @1", "@g @1"), (r"@g^{\top} @0", "@gᵀ @0"), (r"\sum @g", "sum(@g)")][i]
    return None
