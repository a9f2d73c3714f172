"""The recorded steps and the formulas they read as.

A `Var` is one quantity of the graph (an input, a constant, an intermediate result, the output). A
`ForwardStep` is one op run forward (α = a x = (-2) × 3 = -6). A `BackwardStep` is one gradient passed from
an op's output to one of its inputs: the local derivative ∂α/∂a = x = 3 and the chain-rule product of
eq. (8.3), ∂y/∂a = ∂y/∂α · ∂α/∂a = 1 × 3 = 3. The first backward step is the seed ∂y/∂y = 1.

Every formula comes in three styles: "text" (plain Unicode), "math" (LaTeX that matplotlib can draw, for
captions) and "tex" (LaTeX for documents: vectors and matrices as pmatrix).
"""
import re

import numpy as np

from . import _format as fmt
from ._names import derivative, partial_of
from ._optext import Arg, fill, form, vjp_form
from ..i18n import SOURCE, translate as _, current

_T = lambda style: "text" if style == "text" else "tex"      # noqa: E731  (which template a style uses)


class Var:
    """One quantity: `kind` is "input" (a leaf that requires grad), "const" (a named or array constant),
    "number" (a constant folded into its op: 1 in +1), "value" (an intermediate) or "output" (the root).
    `grad` is ∂output/∂var once the backward pass reached it (None for constants)."""
    __slots__ = ("id", "name", "kind", "value", "requires_grad", "grad", "step")

    def __init__(self, id, name, kind, value, requires_grad=False):
        self.id, self.name, self.kind, self.value = id, name, kind, np.asarray(value)
        self.requires_grad = requires_grad
        self.grad = None
        self.step = None          # the ForwardStep that computed it

    @property
    def is_leaf(self):
        return self.step is None

    def value_str(self, style="text"):
        return fmt.array(self.value, "tex" if style == "tex" else ("math" if style == "math" else "text"))

    def arg(self, style, values=False):
        """This var as a template argument: its name, or its value."""
        if values or self.kind == "number":
            s = self.value_str(style)
            neg = fmt.scalar_like(self.value) and s.startswith("-")
            return Arg(s, s, negative=neg)
        return Arg(self.name.tex, self.name.text)

    def __repr__(self):
        return f"<Var {self.name.text} = {self.value_str()}>"


def _collapse(parts):
    """a = b = b = c -> a = b = c."""
    out = []
    for p in parts:
        if p is not None and (not out or out[-1] != p):
            out.append(p)
    return out


def _eq(parts, style):
    return " = ".join(_collapse(parts))


def _times(a, b, style, arrays=False):
    op = (" ⊙ " if style == "text" else r" \odot ") if arrays else (" × " if style == "text" else r" \times ")
    if b.startswith("-"):
        b = f"({b})"
    return a + op + b


def _dot(style):
    """The product of two derivatives written side by side: ∂y/∂α · ∂α/∂a."""
    return " · " if style == "text" else " "


def _dollars(s):
    return "$" + s + "$"


def _words_in_math():
    """Whether a caption's notes in words go inside its mathtext. matplotlib draws mathtext with its own
    fonts, which have no Japanese glyphs: in Japanese the notes are lines of plain text of their own."""
    return current() == SOURCE


class ForwardStep:
    """One op run forward: `out` = op(`inputs`), with `params` (axis, reduction...) and its node `label`."""
    __slots__ = ("index", "op", "out", "inputs", "params", "label")

    def __init__(self, index, op, out, inputs, params, label):
        self.index, self.op, self.out, self.inputs, self.params, self.label = index, op, out, inputs, params, label

    @property
    def value(self):
        return self.out.value

    @property
    def input_names(self):
        return tuple(v.name.text for v in self.inputs)

    def _form(self, values):
        has_const = any(v.kind == "number" for v in self.inputs)
        return form(self.op.name, len(self.inputs), values=values, has_const=has_const,
                    ndims=[np.ndim(v.value) for v in self.inputs])

    def expr(self, style="text", values=False):
        """The op's expression over its inputs' names ("a x"), or over their values ("(-2) × 3")."""
        pt, px, tt, tx = self._form(values)
        args = [v.arg(style, values) for v in self.inputs]
        return fill(tt if style != "text" else tx, args, pt if style != "text" else px, _T(style))

    def formula(self, style="text"):
        """α = a x = (-2) × 3 = -6"""
        name = self.out.name.tex if style != "text" else self.out.name.text
        return _eq([name, self.expr(style), self.expr(style, values=True), self.out.value_str(style)], style)

    def caption(self):
        return _dollars(self.formula("math"))

    def __repr__(self):
        return f"<ForwardStep {self.index}: {self.formula()}>"


_PH = re.compile(r"@out|@(\d+)")


def _fill_local(template, step, style, values):
    """Put the inputs' (and output's) names or values into an op table local-derivative template."""
    if style == "text":
        template = fmt.tex_to_text(template)
    whole = _PH.fullmatch(template.strip()) is not None

    def one(m):
        v = step.out if m.group(0) == "@out" else step.inputs[int(m.group(1))]
        a = v.arg(style, values)
        s = a.text if style == "text" else a.tex
        before = template[m.start() - 1] if m.start() else ""
        after = template[m.end()] if m.end() < len(template) else ""
        enclosed = (before, after) in (("(", ")"), ("{", "}"))
        if a.negative and not whole and not enclosed:
            return f"({s})"
        return s
    return _PH.sub(one, template)


class BackwardStep:
    """One gradient passed back: from `node` (a ForwardStep) to its input number `input_index`.

    `upstream` is ∂L/∂(node's output), `local` the local derivative's value (None where it is not one
    number per element: matrix products, sums), `grad` this path's contribution to ∂L/∂input. `total`
    is set on the last contribution to an input used several times (the paths add up). The seed step
    (∂L/∂L = 1) has `node` None.
    """
    __slots__ = ("index", "node", "input_index", "input", "root", "upstream", "local", "grad", "total",
                 "parts", "summed", "uses")

    def __init__(self, index, node, input_index, input, root, upstream, local, grad):
        self.index, self.node, self.input_index, self.input = index, node, input_index, input
        self.root, self.upstream, self.local, self.grad = root, upstream, local, grad
        self.total = None
        self.parts = ()
        self.summed = False       # the product was summed back to the input's shape (broadcasting)
        self.uses = 1             # how many gradients flow into the input (its paths to the root)

    @property
    def is_seed(self):
        return self.node is None

    @property
    def op(self):
        return None if self.node is None else self.node.op

    # -- pieces -----------------------------------------------------------------------------------
    def _v(self, a, style):
        return fmt.array(a, "tex" if style == "tex" else ("math" if style == "math" else "text"))

    def local_formula(self, style="text", values=False):
        """The local derivative ∂(output)/∂(input) as the op table writes it, over names or values."""
        local = self.node.op.local
        t = local[self.input_index] if local and self.input_index < len(local) else None
        if t is None:
            return None
        return _fill_local(self._with_n(t), self.node, style, values)

    def _with_n(self, t):
        """@n in a template: how many of the input's elements each output covers (1/n with the n of a mean)."""
        if "@n" in t:
            t = t.replace("@n", str(max(1, int(np.size(self.input.value) // max(1, np.size(self.node.value))))))
        return t

    def _vjp(self, style, values):
        node, i = self.node, self.input_index
        shapes = [np.shape(v.value) for v in node.inputs]
        vf = vjp_form(node.op.name, i, shapes)
        if vf is None:
            return None
        t = self._with_n(vf[0] if style != "text" else vf[1])
        g = self._v(self.upstream, style) if values else derivative(self.root.name, node.out.name, _T(style))
        if values and fmt.scalar_like(self.upstream) and g.startswith("-"):
            g = f"({g})"
        if not values:                # (∂L/∂z)ᵀ, not ∂L/∂zᵀ
            g = f"({g})" if re.search(r"@g(\^|ᵀ)", t) else g
        t = t.replace("@g", g)
        return fill(t, [v.arg(style, values) for v in node.inputs], 9, _T(style))

    @property
    def elementwise(self):
        return self.local is not None

    def _dl_dx(self, style):
        """∂L/∂X, or for one path of several ∂L/∂X (via Z): this step's contribution, not the total."""
        T = _T(style)
        d = derivative(self.root.name, self.input.name, T)
        if self.uses > 1 and (style != "math" or _words_in_math()):
            d += self._via(style)
        return d

    def _via(self, style):
        z = self.node.out.name
        if style == "text":
            return _(" (via {z})").format(z=z.text)
        return _(r"\,(\mathrm{via}\ @z)").replace("@z", z.tex)

    def _summed(self, style):
        x = self.input.name
        return _(", summed to the shape of {x}").format(x=x.text if style == "text" else x.tex)

    def _paths(self, style, n):
        if style == "text":
            return _("   ({x} is used {n} times: the paths add up)").format(x=self.input.name.text, n=n)
        return _(r"\quad (\mathrm{@n\ paths\ add\ up})").replace("@n", str(n))

    # -- formulas -------------------------------------------------------------------------------------
    def _chain(self, style):
        """∂L/∂Z · ∂Z/∂X: the chain rule over names (Z the op's output, X this input)."""
        T, Z = _T(style), self.node.out.name
        return derivative(self.root.name, Z, T) + _dot(style) + derivative(Z, self.input.name, T)

    def _d_of(self, style):
        """∂/∂X (the op's expression): the local derivative before it is worked out."""
        return partial_of(self.input.name, _T(style)) + "(" + self.node.expr(style) + ")"

    def _on_arrays(self):
        """The chain-rule product is elementwise over arrays (⊙), not a product of numbers (×)."""
        return not (fmt.scalar_like(self.upstream) and fmt.scalar_like(self.local))

    def _at_root(self, style):
        """The local derivative worked out, for an op whose output is the root: ∂L/∂X is it."""
        return [self._dl_dx(style), self._d_of(style), self.local_formula(style), self.local_formula(style, True),
                self._v(self.grad, style)]

    def lines(self, style="text"):
        """The step as the chapter's captions write it: the local derivative, then the chain-rule product
        (one line when the op's output is the root itself), then the sum over paths where one applies."""
        T = _T(style)
        L, X = self.root.name, self.input.name if self.input is not None else None
        if self.is_seed:
            return [_eq([derivative(L, L, T), self._v(self.grad, style)], style)]
        node = self.node
        Z = node.out.name
        out = []
        grad = self._v(self.grad, style)
        summed = self._summed(style) if self.summed and (style != "math" or _words_in_math()) else ""
        if self.elementwise and node.out is self.root:
            out.append(_eq(self._at_root(style), style) + summed)
        elif self.elementwise:
            local = self._v(self.local, style)
            out.append(_eq([derivative(Z, X, T), self._d_of(style), self.local_formula(style),
                            self.local_formula(style, True), local], style))
            prod = _times(self._v(self.upstream, style), local, style, self._on_arrays())
            out.append(_eq([self._dl_dx(style), self._chain(style), prod, grad], style) + summed)
        else:
            named, vals = self._vjp(style, False), self._vjp(style, True)
            so = _(", so ") if style == "text" else r",\quad "
            zexpr = _eq([Z.text if style == "text" else Z.tex, node.expr(style)], style)
            out.append(zexpr + so +
                       _eq([self._dl_dx(style), self._chain(style) if named is None else named], style))
            out.append(_eq([self._dl_dx(style), vals, grad], style) + summed)
        if self.total is not None:
            out.append(self.total_line(style))
        return out

    def total_line(self, style="text"):
        T = _T(style)
        L, X = self.root.name, self.input.name
        parts = [self._v(p, style) for p in self.parts]
        s = " + ".join(parts[:1] + [f"({p})" if p.startswith("-") else p for p in parts[1:]])
        note = self._paths(style, len(parts)) if style != "math" or _words_in_math() else ""
        return _eq([derivative(L, X, T), s, self._v(self.total, style)], style) + note

    def formula(self, style="text"):
        """The whole step in one line, as in eq. (8.3):
        ∂y/∂a = ∂y/∂α ∂α/∂a = ∂y/∂α ∂/∂a(a x) = ∂y/∂α × x = 1 × 3 = 3.
        Where `total` is set, `total_line()` adds the sum over the paths."""
        if self.is_seed:
            return self.lines(style)[0]
        if not self.elementwise:
            return _eq([self._dl_dx(style), self._vjp(style, False), self._vjp(style, True),
                        self._v(self.grad, style)], style)
        if self.node.out is self.root:
            return _eq(self._at_root(style), style)
        dlz = derivative(self.root.name, self.node.out.name, _T(style))
        loc, arrays = self.local_formula(style), self._on_arrays()
        return _eq([self._dl_dx(style), self._chain(style), dlz + _dot(style) + self._d_of(style),
                    _times(dlz, loc, style, arrays) if loc is not None else None,
                    _times(self._v(self.upstream, style), self.local_formula(style, True) or
                           self._v(self.local, style), style, arrays),
                    self._v(self.grad, style)], style)

    def caption(self):
        lines = [_dollars(s) for s in self.lines("math")]
        if not _words_in_math():                  # the notes in words, as plain text
            if self.node is not None and self.uses > 1:
                lines.append(self._via("text").strip())
            if self.summed:
                lines.append(self._summed("text").strip(", "))
            if self.total is not None:
                lines.append(self._paths("text", len(self.parts)).strip())
        return "\n".join(lines)

    def __repr__(self):
        return f"<BackwardStep {self.index}: {' | '.join(self.lines())}>"
