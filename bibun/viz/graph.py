"""Draw a computation graph, and optionally one animation frame, with matplotlib.

Only the object-oriented matplotlib API is used (``Figure`` with an Agg
canvas), so nothing is registered with pyplot and no figure leaks.

One data unit is one inch: the figure spans the layout's extent at its
natural size, so fonts keep the sizes the layout measured them at whatever
the dpi.  Artists carry ``gid`` tags (``node-<id>``, ``node-shape-<id>``,
``edge-<index>``, ``above-<src>-<dst>``, ``below-<src>-<dst>``,
``edge-label-<index>``, ``caption``, ``phase``, ``title``) for tests and for
anyone who wants to restyle a drawing.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import ArrowStyle, Circle, FancyArrowPatch, Rectangle
from matplotlib.path import Path

from ._layout import Layout, Style, compute_layout, measure, safe_text
from .scene import Frame, Scene, check_size
from .fonts import drawing_in_language
from ..i18n import N_, translate as _

__all__ = ["Plan", "make_plan", "draw", "draw_static", "draw_frame"]

PHASE_TEXT = {"forward": N_("Forward pass"), "backward": N_("Backward pass")}
_FRAC = re.compile(r"\\frac(?![A-Za-z])")


def caption_lines(caption: str, style: Style) -> list[str]:
    """The caption's lines, ready to draw (fractions in display size if the style says so)."""
    lines = str(caption).split("\n")
    if style.caption_display_fractions:
        lines = [_FRAC.sub(r"\\dfrac", ln) for ln in lines]
    return [safe_text(ln, style.caption_fontsize) for ln in lines]


@dataclass
class Plan:
    """Everything fixed for a whole animation: layout, canvas size, limits."""

    scene: Scene
    layout: Layout
    style: Style
    width: float  # inches
    height: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    caption_top: float  # y of the top of the caption block
    caption_gap: float  # between caption lines
    title_y: float
    show_phase: bool


_PLANS: OrderedDict[str, Plan] = OrderedDict()


def make_plan(scene: Scene, frames: list[Frame] | tuple[Frame, ...] = (), *, style: Style | None = None) -> Plan:
    """Lay out *scene* with room for every text of *frames*, and size the canvas.

    The last few plans are remembered (keyed by the data's ``repr``), so
    drawing the frames of one animation one by one lays the graph out once.
    A scene larger than :data:`~bibun.viz.scene.MAX_NODES` raises
    :class:`~bibun.viz.scene.TooLargeToDraw`.
    """
    check_size(scene)
    style = style or Style()
    frames = list(frames)
    key = repr((scene, frames, style))
    if key in _PLANS:
        _PLANS.move_to_end(key)
        return _PLANS[key]
    plan = _make_plan(scene, frames, style)
    _PLANS[key] = plan
    while len(_PLANS) > 8:
        _PLANS.popitem(last=False)
    return plan


def _make_plan(scene: Scene, frames: list[Frame], style: Style) -> Plan:
    lay = compute_layout(scene, frames, style=style)
    gx0, gy0, gx1, gy1 = lay.bbox
    m = style.margin
    line_gap = 0.06

    cap_w = cap_h = 0.0
    for f in frames:
        sizes = [measure(ln, style.caption_fontsize) for ln in caption_lines(f.caption, style)]
        h_line = measure("Xy", style.caption_fontsize)[1]
        cap_w = max(cap_w, max((w for w, _ in sizes), default=0.0))
        cap_h = max(cap_h, sum(max(h, h_line) for _, h in sizes) + line_gap * (len(sizes) - 1))
    title = safe_text(scene.title, style.title_fontsize) if scene.title else ""
    tw, th = measure(title, style.title_fontsize) if title else (0.0, 0.0)
    show_phase = bool(frames)
    pw, ph = measure(_(PHASE_TEXT["backward"]), style.phase_fontsize) if show_phase else (0.0, 0.0)
    top_h = max(th, ph)
    top_band = top_h + 0.12 if top_h else 0.0
    cap_band = cap_h + 0.22 if cap_h else 0.0

    content_w = max(gx1 - gx0, cap_w, tw + 2 * (pw + 0.15) if title else tw + pw)
    width = content_w + 2 * m
    height = (gy1 - gy0) + top_band + cap_band + 2 * m
    cx = (gx0 + gx1) / 2
    xlim = (cx - width / 2, cx + width / 2)
    ylim = (gy0 - cap_band - m, gy1 + top_band + m)
    return Plan(
        scene=scene,
        layout=lay,
        style=style,
        width=width,
        height=height,
        xlim=xlim,
        ylim=ylim,
        caption_top=gy0 - 0.22,
        caption_gap=line_gap,
        title_y=ylim[1] - m - top_h / 2,
        show_phase=show_phase,
    )


def _prepare_axes(ax, plan: Plan) -> float:
    """Set limits, hide the frame, and return the font scale for *ax*'s size."""
    ax.set_xlim(*plan.xlim)
    ax.set_ylim(*plan.ylim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    fig = ax.figure
    fw, fh = fig.get_size_inches()
    pos = ax.get_position()
    aw, ah = pos.width * fw, pos.height * fh
    return min(aw / plan.width, ah / plan.height)


def draw_static(ax, plan: Plan, scale: float = 1.0) -> list:
    """Nodes, arrows, edge names and title; returns the artists."""
    st, lay, scene = plan.style, plan.layout, plan.scene
    arts = []
    lw = st.line_width * scale
    for g in lay.nodes.values():
        if g.shape == "circle":
            p = Circle((g.x, g.y), g.hw, facecolor="white", edgecolor=st.node_color, linewidth=lw, zorder=2)
        elif g.shape == "box":
            p = Rectangle((g.x - g.hw, g.y - g.hh), 2 * g.hw, 2 * g.hh, facecolor="white",
                          edgecolor=st.node_color, linewidth=lw, zorder=2)
        else:
            p = None
        if p is not None:
            p.set_gid(f"node-shape-{g.id}")
            ax.add_patch(p)
            arts.append(p)
        t = ax.text(g.x, g.y, g.label, ha="center", va="center", fontsize=g.fontsize * scale,
                    color=st.node_color, zorder=3, gid=f"node-{g.id}")
        arts.append(t)
    style = ArrowStyle("-|>", head_length=0.55, head_width=0.22)
    for i, rt in enumerate(lay.routes):
        if len(rt) < 2 or rt[0] == rt[-1]:
            continue
        a = FancyArrowPatch(path=Path(rt), arrowstyle=style, mutation_scale=st.arrow_size * scale,
                            linewidth=lw, color=st.edge_color, zorder=1, shrinkA=0, shrinkB=0,
                            joinstyle="round", capstyle="round")
        a.set_gid(f"edge-{i}")
        ax.add_patch(a)
        arts.append(a)
    for i, e in enumerate(scene.edges):
        if not e.label:
            continue
        sl = lay.slots.get((i, "above"))
        c = sl.row_center("label") if sl else None
        if c is None:
            continue
        t = ax.text(c[0], c[1], safe_text(e.label), ha="center", va="center",
                    fontsize=st.label_fontsize * scale, color=st.label_color, zorder=4, gid=f"edge-label-{i}")
        arts.append(t)
    if scene.title:
        t = ax.text((plan.xlim[0] + plan.xlim[1]) / 2, plan.title_y, safe_text(scene.title), ha="center",
                    va="center", fontsize=st.title_fontsize * scale, color=st.caption_color, gid="title")
        arts.append(t)
    return arts


def draw_frame(ax, plan: Plan, frame: Frame, scale: float = 1.0) -> list:
    """The frame's values, caption and phase tag; returns the artists (remove them to reuse *ax*)."""
    st, lay = plan.style, plan.layout
    arts = []
    new = {tuple(k) for k in frame.new}
    backward = frame.phase == "backward"
    above = {tuple(k): v for k, v in frame.above.items()}
    below = {tuple(k): v for k, v in frame.below.items()}
    for side, texts in (("above", above), ("below", below)):
        for key, s in texts.items():
            if key not in lay.pair_edges:
                continue
            ei = lay.pair_edges[key][0 if side == "above" else 1]
            sl = lay.slots.get((ei, side))
            c = sl.row_center("value") if sl else None
            if c is None:
                continue
            if side == "above":
                red = key in new and (not backward or key not in below)
                colour = st.new_color if red else st.forward_color
            else:
                red = key in new and (backward or key not in above)
                colour = st.new_color if red else st.backward_color
            t = ax.text(c[0], c[1], safe_text(s), ha="center", va="center", fontsize=st.value_fontsize * scale,
                        color=colour, zorder=4, gid=f"{side}-{key[0]}-{key[1]}")
            arts.append(t)
    if frame.caption:
        y = plan.caption_top
        xc = (plan.xlim[0] + plan.xlim[1]) / 2
        h_line = measure("Xy", st.caption_fontsize)[1]
        for ln in caption_lines(frame.caption, st):
            h = max(measure(ln, st.caption_fontsize)[1], h_line)
            if ln.strip():
                t = ax.text(xc, y - h / 2, ln, ha="center", va="center", fontsize=st.caption_fontsize * scale,
                            color=st.caption_color, zorder=4, gid="caption")
                arts.append(t)
            y -= h + plan.caption_gap
    if plan.show_phase:
        colour = st.backward_color if backward else st.forward_color
        t = ax.text(plan.xlim[0] + st.margin, plan.title_y, _(PHASE_TEXT.get(frame.phase, frame.phase)),
                    ha="left", va="center", fontsize=st.phase_fontsize * scale, color=colour,
                    fontstyle="italic", zorder=4, gid="phase")
        arts.append(t)
    return arts


@drawing_in_language
def draw(scene: Scene, frame: Frame | None = None, ax=None, figsize=None, *,
         frames: list[Frame] | None = None, style: Style | None = None) -> Figure:
    """Draw *scene* (and *frame*'s values and caption) and return the Figure.

    Without *ax* a new Figure sized to the layout is made (*figsize*
    overrides the size, fonts then scale with it); it is not registered with
    pyplot, so it needs no closing.  With *ax* the drawing goes into that
    axes and its figure is returned.  Pass the whole animation as *frames*
    to get the layout and canvas that :func:`render_frames` uses, so that
    single frames drawn one by one line up.
    """
    if frames is not None:
        frames = list(frames)
        if frame is not None and not any(f is frame for f in frames):
            frames.append(frame)
    else:
        frames = [frame] if frame is not None else []
    plan = make_plan(scene, frames, style=style)
    if ax is None:
        fig = Figure(figsize=figsize or (plan.width, plan.height))
        FigureCanvasAgg(fig)
        fig.patch.set_facecolor("white")
        ax = fig.add_axes((0, 0, 1, 1))
    fig = ax.figure
    scale = _prepare_axes(ax, plan)
    draw_static(ax, plan, scale)
    if frame is not None:
        draw_frame(ax, plan, frame, scale)
    return fig
