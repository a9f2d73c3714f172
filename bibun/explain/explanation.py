"""`Explanation`: the recorded steps of one forward and one backward pass, and every way to show them."""
import html
import io

from . import _format as fmt
from .._atomic import write_bytes as write_atomic
from ..i18n import translate as _, current, speaking
from ._names import derivative
from ._optext import Arg, fill


class Explanation:
    """What `bibun.explain` returns.

    Attributes:
        forward:  list of ForwardStep, in the order the ops ran (α = a x = (-2) × 3 = -6).
        backward: list of BackwardStep: the seed ∂y/∂y = 1, then one step per gradient passed from an op
                  to one of its inputs, breadth-first from the root as the chapter orders them.
        steps:    forward + backward; step i is frame i of the animation.
        vars:     every quantity (inputs, constants, intermediates, the output) as a Var.
        output:   the Var of the result; `value` is its value.
        grads:    {input name: ∂output/∂input} for the inputs that require grad.

    Show it with text(), markdown(), latex(), figure(), save_html(), save_gif(), save_png(),
    save_animation() (HTML and GIF from one drawing), or just display it in Jupyter (an animation).
    Graphs of more than bibun.viz.MAX_NODES nodes are not drawn (drawing them would take minutes):
    the pictures raise ValueError, and the text forms, save_html(path, frames=False) included, work
    at any size.
    """

    lang = None        # the language its text and pictures are in (bibun.i18n), fixed when explain() made it

    def __init__(self, vars, forward, backward, output, source=None, fold=True):
        self.vars, self.forward, self.backward, self.output = vars, forward, backward, output
        self.source, self.fold = source, fold
        self._scene = None

    # -- data ---------------------------------------------------------------------------------------
    @property
    def steps(self):
        return list(self.forward) + list(self.backward)

    @property
    def value(self):
        return self.output.value

    @property
    def inputs(self):
        """The named leaves (inputs and named constants), in the order they are first used."""
        return [v for v in self.vars if v.step is None and v.kind in ("input", "const") and _named(v)]

    @property
    def grads(self):
        return {v.name.text: v.grad for v in self.vars if v.kind == "input" and v.grad is not None}

    def var(self, name):
        """The Var called `name` (text form: "w1", "α")."""
        for v in self.vars:
            if v.name is not None and v.name.text == name:
                return v
        raise KeyError(name)

    def __len__(self):
        return len(self.forward) + len(self.backward)

    # -- formulas -----------------------------------------------------------------------------------
    def title(self, style="text"):
        """The whole computation in one formula over the inputs: y = a x + b."""
        full = {}
        for s in self.forward:
            args = []
            for v in s.inputs:
                if v.step is not None:
                    args.append(full[v.step.index])
                else:
                    args.append(v.arg(style))
            pt, px, tt, tx = s._form(False)
            p = pt if style != "text" else px
            e = fill(tt if style != "text" else tx, args, p, "tex" if style != "text" else "text")
            full[s.index] = Arg(e, e, p, p)
        name = self.output.name.tex if style != "text" else self.output.name.text
        return f"{name} = {full[self.output.step.index].tex}"

    def at(self, style="text"):
        """a = -2, x = 3, b = 4"""
        return ", ".join(f"{v.name.text if style == 'text' else v.name.tex} = {v.value_str(style)}"
                         for v in self.inputs)

    def summary(self, style="text"):
        """The result and every input's gradient in one line."""
        T = "text" if style == "text" else "tex"
        parts = [f"{self.output.name.text if T == 'text' else self.output.name.tex} = "
                 f"{self.output.value_str(style)}"]
        for v in self.vars:
            if v.kind == "input" and v.grad is not None:
                parts.append(f"{derivative(self.output.name, v.name, T)} = {fmt.array(v.grad, style)}")
        sep = ",  " if style == "text" else r",\quad "
        return sep.join(parts) if style == "text" else "$" + sep.join(parts) + "$"

    @speaking
    def text(self):
        """Plain-text steps in the style of eq. (8.3), numbered as the animation's frames."""
        out = [self.title(), _("at {values}").format(values=self.at()) if self.inputs else "", ""]
        out.append(_("Forward pass"))
        n = 0
        for s in self.forward:
            n += 1
            out.append(f"{n:3d}. {s.formula()}")
        if self.backward:
            out += ["", _("Backward pass")]
            for b in self.backward:
                n += 1
                lines = b.lines()
                out.append(f"{n:3d}. {lines[0]}")
                out += ["     " + ln for ln in lines[1:]]
            grads = [v for v in self.vars if v.kind == "input" and v.grad is not None]
            if grads:
                out += ["", _("Gradients")]
                L = self.output.name
                for v in grads:
                    out.append(f"     {derivative(L, v.name, 'text')} = {fmt.array(v.grad)}")
        return "\n".join(line for line in out if line is not None).replace("\n\n\n", "\n\n").strip("\n") + "\n"

    def _rows(self):
        rows_f = [_align(s.formula("tex")) for s in self.forward]
        rows_b = []
        for b in self.backward:
            rows_b.append(_align(b.formula("tex")))
            if b.total is not None:
                rows_b.append(_align(b.total_line("tex")))
        return rows_f, rows_b

    @speaking
    def latex(self):
        """One LaTeX align* block: the forward steps, then the backward steps as in eq. (8.3)."""
        f, b = self._rows()
        return "\\begin{align*}\n" + " \\\\\n".join(f + b) + "\n\\end{align*}\n"

    @speaking
    def markdown(self):
        """Markdown with display math (renders in Jupyter and on GitHub)."""
        f, b = self._rows()
        out = [_("**{formula}** at {values}").format(formula=self.title("text"), values=self.at("text")), "",
               "**" + _("Forward pass") + "**", "", "$$",
               "\\begin{aligned}", " \\\\\n".join(f), "\\end{aligned}", "$$"]
        if b:
            out += ["", "**" + _("Backward pass") + "**", "", "$$", "\\begin{aligned}", " \\\\\n".join(b), "\\end{aligned}", "$$"]
        return "\n".join(out) + "\n"

    def __str__(self):
        return self.text()

    @speaking
    def __repr__(self):
        return _("<Explanation {formula}: {f} forward and {b} backward steps>").format(
            formula=self.title(), f=len(self.forward), b=len(self.backward))

    # -- pictures -------------------------------------------------------------------------------------
    @speaking
    def scene(self):
        """(Scene, frames) for bibun.viz: the graph, and one Frame per step (forward, then backward)."""
        if self._scene is None:
            from ._scene import build_scene
            self._scene = build_scene(self)
        return self._scene

    def frames(self):
        return self.scene()[1]

    @speaking
    def drawable(self):
        """Raise ValueError, saying what to do instead, if the graph is too large to draw (figure, PNG,
        HTML animation or GIF); the text forms have no limit."""
        from ..viz.scene import MAX_NODES
        n = len(self.scene()[0].nodes)
        if n > MAX_NODES:
            raise ValueError(_("the graph has {n} nodes, more than the {max} bibun draws: explain a "
                               "sub-expression (a smaller piece of the computation), or take the steps as text "
                               "alone: text(), or save_html(path, frames=False)").format(n=n, max=MAX_NODES))

    @speaking
    def figure(self, step=None):
        """A matplotlib Figure: the whole graph with every value and gradient, or frame `step` of the
        animation (0-based, as in `steps`). Not registered with pyplot: nothing to close."""
        from ..viz import draw
        from ._scene import summary_frame
        self.drawable()
        scene, frames = self.scene()
        if step is None:
            return draw(scene, summary_frame(self, frames))
        return draw(scene, frames[step], frames=frames)

    def to_png(self, step=None, dpi=150):
        """figure(step) as PNG bytes."""
        buf = io.BytesIO()
        self.figure(step).savefig(buf, format="png", dpi=dpi, facecolor="white")
        return buf.getvalue()

    def save_png(self, path, step=None, dpi=150):
        """Write figure(step) as a PNG (atomically)."""
        write_atomic(path, self.to_png(step, dpi))

    @speaking
    def png_frames(self, dpi=100):
        """The animation as PNG bytes, one per step."""
        from ..viz import render_frames
        self.drawable()
        scene, frames = self.scene()
        return render_frames(scene, frames, dpi=dpi)

    @speaking
    def to_html(self, full_page=True, interval_ms=1500, dpi=100, frames=True):
        """A self-contained HTML player of the animation (one frame per step; works offline).
        frames=False gives the steps as text instead, for a graph of any size."""
        if not frames:
            return _text_page(self.title(), self.text(), full_page)
        from ..viz import to_html
        self.drawable()
        scene, frames = self.scene()
        return to_html(scene, frames, title=self.title(), interval_ms=interval_ms, dpi=dpi, full_page=full_page)

    def save_html(self, path, **kwargs):
        """Write to_html() to `path` atomically."""
        write_atomic(path, self.to_html(**kwargs).encode("utf-8"))

    def save_gif(self, path, duration_ms=1200, dpi=100):
        """Write the animation as a looping GIF (one GIF frame per step), atomically."""
        self.save_animation(gif=path, duration_ms=duration_ms, dpi=dpi)

    @speaking
    def animation(self, html=True, gif=True, *, interval_ms=1500, duration_ms=1200, dpi=100, full_page=True):
        """Draw the frames once: (the HTML player's page, the GIF's bytes), None for what was not asked."""
        from ..viz import render_animation
        self.drawable()
        scene, frames = self.scene()
        return render_animation(scene, frames, html=html, gif=gif, title=self.title(), interval_ms=interval_ms,
                                duration_ms=duration_ms, dpi=dpi, full_page=full_page)

    def save_animation(self, html=None, gif=None, **kwargs):
        """Write the animation as an HTML player (`html`) and/or a GIF (`gif`), drawing the frames once."""
        page, data = self.animation(html=html is not None, gif=gif is not None, **kwargs)
        if html is not None:
            write_atomic(html, page.encode("utf-8"))
        if gif is not None:
            write_atomic(gif, data)

    @speaking
    def save_all(self, folder, stem, formats=None):
        """Write stem.<suffix> into `folder` (created if missing) for each of `formats`, each atomically;
        returns the paths. The formats are those of bibun.explain.formats, all of them by default: txt
        (text), tex (LaTeX), md (Markdown), html and gif (the animation, drawn once for both), png (the
        figure)."""
        import os
        from . import formats as registry
        chosen = registry.lookup(registry.names() if formats is None else formats)
        if any(f.draws for f in chosen):
            self.drawable()
        os.makedirs(folder, exist_ok=True)
        drawing = registry.Drawing(self, chosen)
        paths = []
        for f in chosen:
            paths.append(os.path.join(folder, f"{stem}.{f.suffix}"))
            write_atomic(paths[-1], f.render(self, drawing))
        return paths

    @speaking
    def _repr_html_(self):
        try:
            self.drawable()
        except ValueError as e:
            return f"<p>{html.escape(str(e))}</p>" + self.to_html(full_page=False, frames=False)
        return self.to_html(full_page=False)


def _text_page(title, text, full_page):
    """The steps as preformatted text: an HTML page (or, full_page=False, its body) with no pictures."""
    body = (f'<div class="bibun-steps"><div style="font-weight:600;margin:0 0 6px 0">{html.escape(title)}</div>'
            f'<pre style="margin:0">{html.escape(text)}</pre></div>')
    if not full_page:
        return body
    return (f"<!DOCTYPE html>\n<html lang=\"{current()}\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n</head>\n<body style=\"margin:16px\">\n{body}\n</body>\n</html>\n")


def _named(v):
    return not (v.kind == "const" and (v.name.text.startswith("[") or v.name.text.startswith("<")))


def _align(s):
    return s.replace(" = ", " &= ", 1)
