"""Layered (Sugiyama-style) layout of a computation graph.

Coordinates are in inches, y pointing up, so that a figure whose axes span the
layout's extent one data unit per inch shows every label at its true size; all
sizes are measured with matplotlib's own text renderer.

Steps:

1. columns: each node's column is the longest path from a leaf (leaves in
   column 0 on the left, ``"out"`` sinks pushed to the last column).  With
   ``pull_consts=True`` (default) constants (``kind="const"`` leaves) are
   placed the way the chapter draws them: one used by a single operator at
   column 2 or later (the ``-1`` of ``\\times(-1)``, the ``1`` of ``+1``) hangs
   directly below that operator with a vertical arrow (``Layout.attached``);
   any other sits one column before its first consumer.  ``pull_consts=False``
   keeps every leaf in column 0;
2. edges spanning several columns get one virtual point per column crossed
   (drawn as a smooth curve through them); two edges between the same pair of
   nodes (``x * x``) are curved apart; a box with many inputs grows taller and
   gives each arrow its own port;
3. order inside each column: barycentre sweeps (deterministic, best of a few
   passes by crossing count);
4. vertical positions: each column in turn is moved towards the weighted mean
   of its neighbours, subject to the order and to a minimal separation that
   leaves room for the value texts above and below edges (isotonic
   regression, a few Gauss-Seidel passes); chains come out straight;
5. horizontal gaps wide enough for the widest value text crossing them, and
   widened until no edge segment passes through a node that is not one of
   its ends;
6. value-text slots: every edge gets a slot above (forward value and the
   edge's static name) and below (backward value) at a spot where it touches
   no node, no other edge and no other slot; if none exists the spacing grows
   and the whole layout is redone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from .scene import Edge, Frame, Scene, validate

__all__ = ["Style", "NodeGeom", "TextSlot", "Layout", "layout", "compute_layout", "measure", "safe_text"]

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass(frozen=True)
class Style:
    """Sizes (points for fonts, inches for lengths) and colours."""

    var_fontsize: float = 14.0
    op_fontsize: float = 13.0
    const_fontsize: float = 13.0
    out_fontsize: float = 14.0
    value_fontsize: float = 11.0
    label_fontsize: float = 11.0
    caption_fontsize: float = 14.0
    caption_display_fractions: bool = True  # draw \frac in captions as \dfrac (full size)
    title_fontsize: float = 13.0
    phase_fontsize: float = 10.0
    node_pad: float = 0.05  # between a label and its outline
    circle_min_r: float = 0.19
    box_min: float = 0.34  # smallest side of an operator box
    text_node_pad: float = 0.03  # clearance around plain-text nodes
    clip_pad: float = 0.02  # gap between an arrow's end and the outline
    text_pad: float = 0.04  # clearance between a value text and anything else
    row_gap: float = 0.015  # between stacked rows of a slot (name above value)
    min_col_gap: float = 0.45
    gap_slack: float = 0.18  # extra width of a gap beyond its widest value text
    min_vgap: float = 0.22  # least room between two nodes of a column
    max_slope: float = 2.5  # steepest edge segment the gaps aim for ...
    max_slope_gap: float = 2.5  # ... unless the gap would exceed this (inches)
    curve_sep: float = 0.34
    assoc_margin: float = 0.06  # a value keeps this much further from other edges than from its own
    port_min: int = 3  # from this many inputs, arrows end at distinct ports on the target's side
    port_spacing: float = 0.075
    port_span: float = 0.8  # fraction of the half height the ports spread over  # distance between parallel edges at their middle
    typical_value: str = r"$-0.0000$"  # sizes the spacing when no frames are given
    margin: float = 0.18
    line_width: float = 1.0
    arrow_size: float = 9.0  # mutation scale of the arrow heads (points)
    edge_color: str = "#303030"
    node_color: str = "#202020"
    forward_color: str = "tab:gray"
    backward_color: str = "tab:blue"
    new_color: str = "tab:red"
    label_color: str = "#505050"
    caption_color: str = "#111111"

    def node_fontsize(self, kind: str) -> float:
        return {
            "var": self.var_fontsize,
            "op": self.op_fontsize,
            "const": self.const_fontsize,
            "out": self.out_fontsize,
        }.get(kind, self.var_fontsize)


# --------------------------------------------------------------------------------------
# text measurement
# --------------------------------------------------------------------------------------


class _Measurer:
    def __init__(self) -> None:
        self._fig = Figure(dpi=72)
        FigureCanvasAgg(self._fig)
        self._renderer = self._fig.canvas.get_renderer()
        self._cache: dict[tuple[str, float], tuple[float, float]] = {}
        self._safe: dict[str, str] = {}

    def _raw(self, s: str, fontsize: float) -> tuple[float, float]:
        t = Text(0, 0, s, fontsize=fontsize, ha="center", va="center")
        t.set_figure(self._fig)
        bb = t.get_window_extent(self._renderer)
        return bb.width / 72.0, bb.height / 72.0

    def safe(self, s: str, fontsize: float = 10.0) -> str:
        """*s*, or *s* with its dollars escaped when it is not valid mathtext.

        The check measures *s*, at *fontsize* so that measuring it next costs
        nothing (parsing mathtext is the dearest part of a layout).
        """
        s = str(s)
        if s not in self._safe:
            out = s
            if "$" in s:
                try:
                    size = self._raw(s, fontsize)
                except ValueError:
                    out = s.replace("\\$", "$").replace("$", "\\$")
                else:
                    self._cache[(s, float(fontsize))] = size
            self._safe[s] = out
        return self._safe[s]

    def size(self, s: str, fontsize: float) -> tuple[float, float]:
        if not s or not s.strip():
            return 0.0, 0.0
        s = self.safe(s)
        key = (s, float(fontsize))
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = self._raw(s, fontsize)
        return got


_MEASURER: _Measurer | None = None


def _measurer() -> _Measurer:
    global _MEASURER
    if _MEASURER is None:
        _MEASURER = _Measurer()
    return _MEASURER


def measure(s: str, fontsize: float) -> tuple[float, float]:
    """Width and height in inches of *s* drawn at *fontsize* points."""
    return _measurer().size(s, fontsize)


def safe_text(s: str, fontsize: float = 10.0) -> str:
    """*s* unchanged if matplotlib can draw it, else with ``$`` escaped (*fontsize*: the size it will be measured at)."""
    return _measurer().safe(s, fontsize)


# --------------------------------------------------------------------------------------
# result types
# --------------------------------------------------------------------------------------


@dataclass
class NodeGeom:
    id: int
    kind: str
    label: str  # sanitised label, ready for matplotlib
    column: int
    x: float
    y: float
    shape: str  # "circle" | "box" | "text"
    hw: float  # half width of the outline (radius for a circle)
    hh: float  # half height of the outline
    fontsize: float

    def rect(self, pad: float = 0.0) -> Rect:
        return (self.x - self.hw - pad, self.y - self.hh - pad, self.x + self.hw + pad, self.y + self.hh + pad)

    def contains(self, px: float, py: float, pad: float = 0.0) -> bool:
        if self.shape == "circle":
            return math.hypot(px - self.x, py - self.y) <= self.hw + pad
        return abs(px - self.x) <= self.hw + pad and abs(py - self.y) <= self.hh + pad


@dataclass
class TextSlot:
    """Room reserved next to an edge for a stack of texts.

    ``rows`` lists ``(role, width, height)`` from the edge outwards; role is
    ``"value"`` (the forward value above / the backward value below) or
    ``"label"`` (the edge's static name).
    """

    edge: int
    side: str  # "above" | "below"
    x: float
    y: float
    w: float
    h: float
    rows: list[tuple[str, float, float]]
    gap: float = 0.0

    def rect(self, pad: float = 0.0) -> Rect:
        return (self.x - self.w / 2 - pad, self.y - self.h / 2 - pad, self.x + self.w / 2 + pad, self.y + self.h / 2 + pad)

    def row_center(self, role: str) -> Point | None:
        off = 0.0
        for r, _w, h in self.rows:
            if r == role:
                c = off + h / 2
                if self.side == "above":
                    return self.x, self.y - self.h / 2 + c
                return self.x, self.y + self.h / 2 - c
            off += h + self.gap
        return None


@dataclass
class Layout:
    pos: dict[int, Point]
    columns: dict[int, int]
    order: list[list[int]]  # real node ids per column, top to bottom
    nodes: dict[int, NodeGeom]
    routes: list[list[Point]]  # per edge index: polyline from the source outline to the target outline
    curved: list[bool]  # per edge index: the route is a sampled curve (parallel edges)
    slots: dict[tuple[int, str], TextSlot]
    pair_edges: dict[tuple[int, int], tuple[int, int]]  # (src, dst) -> (edge carrying the above text, edge carrying the below text)
    bbox: Rect
    clean: bool  # every slot found a spot touching nothing
    style: Style = field(default_factory=Style)
    attached: dict[int, int] = field(default_factory=dict)  # constant id -> the operator it hangs under (same column)

    def segments(self) -> list[tuple[int, Point, Point]]:
        return [(e, r[i], r[i + 1]) for e, r in enumerate(self.routes) for i in range(len(r) - 1)]


# --------------------------------------------------------------------------------------
# geometry helpers
# --------------------------------------------------------------------------------------


def _seg_rect_hits(segs: np.ndarray, rect: Rect) -> np.ndarray:
    """Boolean mask: which segments (N, 4: x0 y0 x1 y1) meet the rectangle."""
    out = np.zeros(len(segs), dtype=bool)
    if len(segs) == 0:
        return out
    x0, y0, x1, y1 = rect
    sx0, sy0, sx1, sy1 = segs[:, 0], segs[:, 1], segs[:, 2], segs[:, 3]
    box = (
        (np.maximum(sx0, sx1) >= x0)
        & (np.minimum(sx0, sx1) <= x1)
        & (np.maximum(sy0, sy1) >= y0)
        & (np.minimum(sy0, sy1) <= y1)
    )
    idx = np.nonzero(box)[0]
    if len(idx) == 0:
        return out
    s = segs[idx]
    dx, dy = s[:, 2] - s[:, 0], s[:, 3] - s[:, 1]
    cx = np.array([x0, x0, x1, x1])[:, None]
    cy = np.array([y0, y1, y0, y1])[:, None]
    f = dx[None, :] * (cy - s[None, :, 1]) - dy[None, :] * (cx - s[None, :, 0])
    out[idx] = (f.min(axis=0) <= 0) & (f.max(axis=0) >= 0)
    return out


def _rects_hits(rects: np.ndarray, rect: Rect) -> np.ndarray:
    if len(rects) == 0:
        return np.zeros(0, dtype=bool)
    x0, y0, x1, y1 = rect
    return (rects[:, 0] < x1) & (rects[:, 2] > x0) & (rects[:, 1] < y1) & (rects[:, 3] > y0)


def _clip_start(pts: list[Point], inside) -> list[Point]:
    """Drop the part of the polyline that starts inside a shape; cut at the outline."""
    i = 0
    while i < len(pts) - 1 and inside(*pts[i + 1]):
        i += 1
    if i == len(pts) - 1:  # entirely inside: keep the last point only
        return [pts[-1], pts[-1]]
    a, b = pts[i], pts[i + 1]
    if not inside(*a):
        return pts[i:]
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        p = (a[0] + (b[0] - a[0]) * mid, a[1] + (b[1] - a[1]) * mid)
        if inside(*p):
            lo = mid
        else:
            hi = mid
    p = (a[0] + (b[0] - a[0]) * hi, a[1] + (b[1] - a[1]) * hi)
    return [p] + pts[i + 1 :]


def _clip(pts: list[Point], src: NodeGeom, dst: NodeGeom, pad: float) -> list[Point]:
    pts = _clip_start(pts, lambda x, y: src.contains(x, y, pad))
    pts = _clip_start(pts[::-1], lambda x, y: dst.contains(x, y, pad))[::-1]
    return pts


def _bezier(p0: Point, c: Point, p1: Point, n: int = 16) -> list[Point]:
    t = np.linspace(0.0, 1.0, n + 1)
    x = (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * c[0] + t**2 * p1[0]
    y = (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * c[1] + t**2 * p1[1]
    return list(zip(x.tolist(), y.tolist()))


def _chaikin(pts: list[Point], iters: int = 2) -> list[Point]:
    """Round the corners of an open polyline (Chaikin), keeping its two ends."""
    for _ in range(iters):
        if len(pts) < 3:
            return pts
        out = [pts[0]]
        last = len(pts) - 2
        for i, (a, b) in enumerate(zip(pts, pts[1:])):
            q = (0.75 * a[0] + 0.25 * b[0], 0.75 * a[1] + 0.25 * b[1])
            r = (0.25 * a[0] + 0.75 * b[0], 0.25 * a[1] + 0.75 * b[1])
            if i > 0:
                out.append(q)
            if i < last:
                out.append(r)
        out.append(pts[-1])
        pts = out
    return pts


def _isotonic(target: list[float], weight: list[float]) -> list[float]:
    """Weighted least-squares non-decreasing fit (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for t, w in zip(target, weight):
        blocks.append([t, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            wt = w1 + w2
            blocks.append([(m1 * w1 + m2 * w2) / wt, wt, c1 + c2])
    out: list[float] = []
    for m, _w, c in blocks:
        out.extend([m] * int(c))
    return out


# --------------------------------------------------------------------------------------
# the layout
# --------------------------------------------------------------------------------------


def _assign_columns(scene: Scene, pull_consts: bool) -> dict[int, int]:
    ids = [n.id for n in scene.nodes]
    kind = {n.id: n.kind for n in scene.nodes}
    preds: dict[int, list[int]] = {i: [] for i in ids}
    succs: dict[int, list[int]] = {i: [] for i in ids}
    for e in scene.edges:
        preds[e.dst].append(e.src)
        succs[e.src].append(e.dst)
    indeg = {i: len(set(preds[i])) for i in ids}
    ready = [i for i in ids if indeg[i] == 0]
    topo: list[int] = []
    seen_pred: dict[int, set[int]] = {i: set() for i in ids}
    while ready:
        n = ready.pop(0)
        topo.append(n)
        for s in dict.fromkeys(succs[n]):
            if n not in seen_pred[s]:
                seen_pred[s].add(n)
                indeg[s] -= 1
                if indeg[s] == 0:
                    ready.append(s)
    col: dict[int, int] = {}
    for n in topo:
        col[n] = max((col[p] + 1 for p in preds[n]), default=0)
    if pull_consts:
        for n in reversed(topo):
            if kind[n] == "const" and not preds[n] and succs[n]:
                col[n] = max(0, min(col[s] for s in succs[n]) - 1)
    last = max(col.values(), default=0)
    for n in ids:
        if kind[n] == "out" and not succs[n]:
            col[n] = last
    return col


def _initial_rank(scene: Scene) -> dict[int, int]:
    """Discovery order of a DFS from the sinks through the inputs, in edge order."""
    ids = [n.id for n in scene.nodes]
    kind = {n.id: n.kind for n in scene.nodes}
    preds: dict[int, list[int]] = {i: [] for i in ids}
    has_succ = set()
    for e in scene.edges:
        preds[e.dst].append(e.src)
        has_succ.add(e.src)
    sinks = [i for i in ids if i not in has_succ]
    sinks.sort(key=lambda i: (kind[i] != "out", ids.index(i)))
    rank: dict[int, int] = {}
    for s in sinks + ids:
        if s in rank:
            continue
        stack = [s]
        while stack:
            n = stack.pop()
            if n in rank:
                continue
            rank[n] = len(rank)
            for p in reversed(preds[n]):
                if p not in rank:
                    stack.append(p)
    return rank


def _crossings(layers: list[list], segs_between: list[list[tuple]]) -> int:
    total = 0
    for c, segs in enumerate(segs_between):
        pa = {k: i for i, k in enumerate(layers[c])}
        pb = {k: i for i, k in enumerate(layers[c + 1])}
        pairs = sorted((pa[u], pb[v]) for u, v in segs)
        for i in range(len(pairs)):
            ui, vi = pairs[i]
            for j in range(i + 1, len(pairs)):
                uj, vj = pairs[j]
                if uj > ui and vj < vi:
                    total += 1
    return total


def _order_layers(layers: list[list], segs_between: list[list[tuple]], passes: int = 8) -> list[list]:
    left: dict = {}
    right: dict = {}
    for segs in segs_between:
        for u, v in segs:
            right.setdefault(u, []).append(v)
            left.setdefault(v, []).append(u)
    best = [list(layer) for layer in layers]
    best_cross = _crossings(best, segs_between)
    cur = [list(layer) for layer in layers]
    for it in range(passes):
        if best_cross == 0:
            break
        down = it % 2 == 0
        cols = range(1, len(cur)) if down else range(len(cur) - 2, -1, -1)
        for c in cols:
            ref = cur[c - 1] if down else cur[c + 1]
            nb = left if down else right
            pos = {k: i for i, k in enumerate(ref)}
            scale = (len(cur[c]) - 1) / max(1, len(ref) - 1) if len(ref) > 1 else 1.0

            def key(item):
                k, i = item
                ns = nb.get(k)
                if ns:
                    return (sum(pos[n] for n in ns) / len(ns) * scale, i)
                return (float(i), i)

            cur[c] = [k for k, _ in sorted(((k, i) for i, k in enumerate(cur[c])), key=key)]
        cr = _crossings(cur, segs_between)
        if cr < best_cross:
            best_cross = cr
            best = [list(layer) for layer in cur]
    return best


def _node_geom(n, style: Style) -> NodeGeom:
    fs = style.node_fontsize(n.kind)
    label = safe_text(n.label, fs)
    tw, th = measure(label, fs)
    if n.kind == "var":
        r = max(style.circle_min_r, 0.5 * math.hypot(tw, th) + style.node_pad * 0.6)
        shape, hw, hh = "circle", r, r
    elif n.kind == "op":
        hw = max(style.box_min / 2, tw / 2 + style.node_pad)
        hh = max(style.box_min / 2, th / 2 + style.node_pad)
        shape = "box"
    else:
        shape, hw, hh = "text", tw / 2 + style.text_node_pad, th / 2 + style.text_node_pad
    return NodeGeom(n.id, n.kind, label, 0, 0.0, 0.0, shape, hw, hh, fs)


def _stack(rows: list[tuple[str, float, float]], gap: float) -> tuple[float, float]:
    if not rows:
        return 0.0, 0.0
    return max(w for _, w, _ in rows), sum(h for _, _, h in rows) + gap * (len(rows) - 1)


def compute_layout(
    scene: Scene,
    frames: list[Frame] | tuple[Frame, ...] | None = None,
    *,
    style: Style | None = None,
    pull_consts: bool = True,
) -> Layout:
    """Full layout: node geometry, edge routes and value-text slots (inches, y up).

    *frames* (optional) give the texts whose slots must be reserved; without
    them the spacing is sized for a typical value such as ``-0.0000``.
    """
    style = style or Style()
    frames = list(frames or [])
    validate(scene, frames)
    nodes = {n.id: _node_geom(n, style) for n in scene.nodes}
    indeg0: dict[int, int] = {}
    for e in scene.edges:
        indeg0[e.dst] = indeg0.get(e.dst, 0) + 1
    for i, g in nodes.items():
        k = indeg0.get(i, 0)
        if g.shape == "box" and k >= style.port_min:
            # many inputs: a taller box, so that every arrow gets its own port
            g.hh = max(g.hh, (k * style.port_spacing) / 2 / style.port_span + 0.02)
    edges = scene.edges
    col = _assign_columns(scene, pull_consts)
    # constants of an operator deep in the graph (the -1 of x(-1), the 1 of +1)
    # hang directly below their operator, as the chapter draws them; a second
    # one on the same operator goes above it
    attached: dict[int, tuple[int, str]] = {}
    if pull_consts:
        out_edges: dict[int, list[Edge]] = {}
        has_in = {e.dst for e in edges}
        for e in edges:
            out_edges.setdefault(e.src, []).append(e)
        per_op: dict[int, int] = {}
        for n in scene.nodes:
            oe = out_edges.get(n.id, [])
            if n.kind != "const" or n.id in has_in or len(oe) != 1:
                continue
            dst = oe[0].dst
            if col[dst] < 2 or per_op.get(dst, 0) >= 2:
                continue
            attached[n.id] = (dst, "below" if per_op.get(dst, 0) == 0 else "above")
            per_op[dst] = per_op.get(dst, 0) + 1
            col[n.id] = col[dst]
    for i, g in nodes.items():
        g.column = col[i]
    ncols = max(col.values(), default=0) + 1

    # ---- texts to reserve -----------------------------------------------------------
    above_txt: dict[tuple[int, int], list[str]] = {}
    below_txt: dict[tuple[int, int], list[str]] = {}
    for f in frames:
        for k, s in f.above.items():
            above_txt.setdefault(tuple(k), []).append(safe_text(s, style.value_fontsize))
        for k, s in f.below.items():
            below_txt.setdefault(tuple(k), []).append(safe_text(s, style.value_fontsize))

    def max_size(texts: list[str], fs: float) -> tuple[float, float]:
        sizes = [measure(s, fs) for s in texts]
        return max((w for w, _ in sizes), default=0.0), max((h for _, h in sizes), default=0.0)

    tw, th = measure(style.typical_value, style.value_fontsize)
    lab_sizes = [measure(safe_text(e.label, style.label_fontsize), style.label_fontsize) if e.label else (0.0, 0.0) for e in edges]
    val_h = max([th] + [max_size(v, style.value_fontsize)[1] for v in list(above_txt.values()) + list(below_txt.values())])
    # room each edge needs above and below it (without frames: a typical value on both sides)
    e_above_h, e_below_h = [], []
    for i, e in enumerate(edges):
        k = (e.src, e.dst)
        has_a = not frames or k in above_txt
        has_b = not frames or k in below_txt
        ah = (val_h if has_a else 0.0) + (lab_sizes[i][1] + style.row_gap if e.label else 0.0)
        e_above_h.append(ah)
        e_below_h.append(val_h if has_b else 0.0)
    edge_text_w = []
    for i, e in enumerate(edges):
        k = (e.src, e.dst)
        w = max(tw, lab_sizes[i][0], max_size(above_txt.get(k, []), style.value_fontsize)[0],
                max_size(below_txt.get(k, []), style.value_fontsize)[0])
        edge_text_w.append(w)

    # ---- virtual points and parallel groups -----------------------------------------
    groups: dict[tuple[int, int], list[int]] = {}
    for i, e in enumerate(edges):
        groups.setdefault((e.src, e.dst), []).append(i)
    chains: list[list] = []
    for i, e in enumerate(edges):
        cs, cd = col[e.src], col[e.dst]
        chain: list = [e.src]
        chain += [("v", i, c) for c in range(cs + 1, cd)]
        chain.append(e.dst)
        chains.append(chain)

    rank = _initial_rank(scene)
    layers: list[list] = [[] for _ in range(ncols)]
    for i in sorted(nodes, key=lambda n: rank[n]):
        if i not in attached:
            layers[col[i]].append(i)
    virt_rank = {}
    for i, ch in enumerate(chains):
        for k in ch[1:-1]:
            virt_rank[k] = (rank[edges[i].src], i)
    for c in range(ncols):
        vs = sorted((k for k in virt_rank if k[2] == c), key=lambda k: virt_rank[k])
        # put virtual points after the real nodes whose rank precedes their source
        merged = list(layers[c])
        for v in vs:
            r = virt_rank[v][0]
            at = len(merged)
            for j, k in enumerate(merged):
                rk = rank[k] if not isinstance(k, tuple) else virt_rank[k][0]
                if rk > r:
                    at = j
                    break
            merged.insert(at, v)
        layers[c] = merged

    segs_between: list[list[tuple]] = [[] for _ in range(max(0, ncols - 1))]
    for ch in chains:
        for a, b in zip(ch, ch[1:]):
            if a in attached:
                continue
            ca = col[a] if not isinstance(a, tuple) else a[2]
            segs_between[ca].append((a, b))
    layers = _order_layers(layers, segs_between)
    for cid, (dst, side) in attached.items():
        layer = layers[col[dst]]
        j = layer.index(dst)
        layer.insert(j + 1 if side == "below" else j, cid)

    # neighbour weights for the vertical placement
    nbrs: dict = {k: [] for layer in layers for k in layer}
    kind = {n.id: n.kind for n in scene.nodes}
    has_input = {e.dst for e in edges}
    for ch in chains:
        for a, b in zip(ch, ch[1:]):
            virt = isinstance(a, tuple) or isinstance(b, tuple)
            # symmetric weights: the placement minimises one energy (sum of
            # w * (y_a - y_b)^2 under the spacing constraints), so the sweeps
            # converge; virtual points pull harder to keep long edges straight
            w_in = w_out = 1.5 if virt else 1.0
            if not isinstance(a, tuple) and kind[a] == "const" and a not in has_input:
                # a constant follows its consumer and never pushes it around
                w_in = w_out = 1e-3
            nbrs[b].append((a, w_in))
            nbrs[a].append((b, w_out))

    def half_h(k) -> float:
        return 0.0 if isinstance(k, tuple) else nodes[k].hh

    def half_w(k) -> float:
        return 0.0 if isinstance(k, tuple) else nodes[k].hw

    # ---- attempts with growing spacing ------------------------------------------------
    gaps = [0.0] * max(0, ncols - 1)
    for ch_i, ch in enumerate(chains):
        if ch[0] in attached:
            continue
        for a in ch[:-1]:
            ca = col[a] if not isinstance(a, tuple) else a[2]
            gaps[ca] = max(gaps[ca], edge_text_w[ch_i] + 2 * style.text_pad + style.gap_slack)
    gaps = [max(style.min_col_gap, g) for g in gaps]
    vscale = 1.0  # scale of the room between rows; grows when texts find no spot
    up_need: dict = {}
    down_need: dict = {}
    for ei, ch in enumerate(chains):
        for k in ch:
            up_need[k] = max(up_need.get(k, 0.0), e_above_h[ei])
            down_need[k] = max(down_need.get(k, 0.0), e_below_h[ei])

    def room(a, b) -> float:
        need = down_need.get(a, 0.0) + up_need.get(b, 0.0)
        return max(style.min_vgap, need + 3 * style.text_pad)
    best: Layout | None = None
    best_fail = None
    for attempt in range(9):
        res, fail_gaps, gaps = _attempt(
            scene, style, nodes, layers, chains, groups, nbrs, half_h, half_w, gaps, vscale, room, attached,
            above_txt, below_txt, lab_sizes, col,
        )
        nfail = len(fail_gaps)
        if best is None or nfail < best_fail:
            best, best_fail = res, nfail
        if nfail == 0:
            break
        # widen where texts found no room; make rows taller only now and then
        # (taller rows also make converging edges steeper)
        for c in set(fail_gaps):
            gaps[c] = gaps[c] * 1.2 + 0.03
        if attempt % 2 == 1:
            vscale *= 1.15
    assert best is not None
    best.clean = best_fail == 0
    best.attached = {c: d for c, (d, _side) in attached.items()}
    best.style = style
    return best


def _attempt(scene, style, nodes0, layers, chains, groups, nbrs, half_h, half_w, gaps, vscale, room, attached,
             above_txt, below_txt, lab_sizes, col):
    """One layout at the given spacing; returns (layout, gaps where texts found no room, gaps used)."""
    edges = scene.edges
    nodes = {i: replace(g) for i, g in nodes0.items()}
    ncols = len(layers)
    gaps = list(gaps)

    # ---- vertical positions (r grows downwards) ---------------------------------------
    r: dict = {}
    seps: list[list[float]] = []
    for layer in layers:
        s = [half_h(a) + half_h(b) + room(a, b) * vscale for a, b in zip(layer, layer[1:])]
        seps.append(s)
        acc = 0.0
        offs = [0.0]
        for v in s:
            acc += v
            offs.append(acc)
        mid = acc / 2
        for k, o in zip(layer, offs):
            r[k] = o - mid
    prev: dict = {}
    for it in range(300):
        cols = range(ncols) if it % 2 == 0 else range(ncols - 1, -1, -1)
        moved = 0.0
        for c in cols:
            layer = layers[c]
            if not layer:
                continue
            offs = [0.0]
            for v in seps[c]:
                offs.append(offs[-1] + v)
            tgt, wts = [], []
            for k, o in zip(layer, offs):
                ns = nbrs[k]
                sw = sum(w for _, w in ns)
                if sw > 0:
                    tgt.append(sum(r[n] * w for n, w in ns) / sw - o)
                    wts.append(sw)
                else:
                    tgt.append(r[k] - o)
                    wts.append(1e-3)
            z = _isotonic(tgt, wts)
            for k, zz, o in zip(layer, z, offs):
                r[k] = zz + o
        # the layout may slide as a whole: measure movement relative to the mean
        mean = sum(r.values()) / len(r) if r else 0.0
        for k in r:
            r[k] -= mean
            moved = max(moved, abs(r[k] - prev.get(k, 0.0)))
        prev = dict(r)
        if moved < 1e-5:
            break
    top = min(r.values(), default=0.0)
    for k in r:
        r[k] = round(r[k] - top, 6)

    col_hw = [max([half_w(k) for k in layer] + [0.04]) for layer in layers]
    # keep edges from getting too steep: a gap is at least 1/max_slope of the
    # largest rise of an edge segment crossing it (capped)
    for ch in chains:
        if ch[0] in attached:
            continue
        for a, b in zip(ch, ch[1:]):
            ca = a[2] if isinstance(a, tuple) else col[a]
            rise = abs(r[a] - r[b]) - half_h(a) - half_h(b)
            gaps[ca] = max(gaps[ca], min(rise / style.max_slope, style.max_slope_gap))

    def xs_for(gaps_):
        xs = [0.0]
        for c in range(1, ncols):
            xs.append(xs[-1] + col_hw[c - 1] + gaps_[c - 1] + col_hw[c])
        return xs

    def pos_of(k, xs):
        c = k[2] if isinstance(k, tuple) else col[k]
        return (xs[c], -r[k])

    # ---- routes, widening gaps until no segment crosses a foreign node ----------------
    for _ in range(40):
        xs = xs_for(gaps)
        for i, g in nodes.items():
            g.x, g.y = (float(v) for v in pos_of(i, xs))
        routes, curved = [], []
        raw: list[list[Point]] = []
        for ei, (e, ch) in enumerate(zip(edges, chains)):
            grp = groups[(e.src, e.dst)]
            pts = [pos_of(k, xs) for k in ch]
            if len(grp) > 1 and len(ch) == 2:
                j = grp.index(ei)
                off = ((len(grp) - 1) / 2 - j) * 2 * style.curve_sep  # first edge on top
                (x0, y0), (x1, y1) = pts
                L = math.hypot(x1 - x0, y1 - y0) or 1.0
                nx, ny = -(y1 - y0) / L, (x1 - x0) / L
                if ny < 0:
                    nx, ny = -nx, -ny
                c = ((x0 + x1) / 2 + nx * off, (y0 + y1) / 2 + ny * off)
                pts = _bezier(pts[0], c, pts[1])
                curved.append(True)
            else:
                curved.append(False)
            raw.append(pts)
        # ports: arrows into a node with many inputs end at distinct heights,
        # in the order of where they come from (no crossings at the target)
        into: dict[int, list[int]] = {}
        for ei, e in enumerate(edges):
            into.setdefault(e.dst, []).append(ei)
        for nid, eis in into.items():
            eis = [i for i in eis if edges[i].src not in attached]
            if len(eis) < style.port_min:
                continue
            g = nodes[nid]
            span = g.hh * (style.port_span if g.shape == "box" else 0.6)
            eis = sorted(eis, key=lambda i: (-raw[i][-2][1], raw[i][-2][0], i))
            k = len(eis)
            for j, ei in enumerate(eis):
                if curved[ei] or edges[ei].src in attached:
                    continue
                yport = g.y + span - (2 * span * j / (k - 1) if k > 1 else span)
                # aim at the port on the node's left half, so the arrow meets the side
                xport = g.x - g.hw * 0.5 if g.shape == "box" else g.x
                raw[ei] = raw[ei][:-1] + [(xport, yport)]
        for ei, e in enumerate(edges):
            pts = raw[ei]
            if len(pts) > 2 and not curved[ei]:
                # a long edge through virtual points: a smooth curve, no kinks
                pts = _chaikin(pts)
                curved[ei] = True
            routes.append(_clip(pts, nodes[e.src], nodes[e.dst], style.clip_pad))
        bad = set()
        ids = list(nodes)
        rects = np.array([nodes[i].rect(0.02) for i in ids]) if ids else np.zeros((0, 4))
        for ei, (e, rt) in enumerate(zip(edges, routes)):
            for a, b in zip(rt, rt[1:]):
                hits = _rects_hits(rects, (min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])))
                for j in np.nonzero(hits)[0]:
                    nid = ids[j]
                    if nid in (e.src, e.dst):
                        continue
                    if _seg_rect_hits(np.array([[a[0], a[1], b[0], b[1]]]), nodes[nid].rect(0.02))[0]:
                        xm = (a[0] + b[0]) / 2
                        c = max(0, min(ncols - 2, int(np.searchsorted(xs, xm) - 1)))
                        bad.add(c)
        if not bad or ncols < 2:
            break
        for c in bad:
            gaps[c] = gaps[c] * 1.25 + 0.05

    # ---- text slots ---------------------------------------------------------------------
    pair_edges: dict[tuple[int, int], tuple[int, int]] = {}
    for pair, grp in groups.items():
        mids = [routes[i][len(routes[i]) // 2][1] for i in grp]
        top_e = grp[int(np.argmax(mids))]
        bot_e = grp[int(np.argmin(mids))]
        pair_edges[pair] = (top_e, bot_e)

    def rows_for(ei: int, side: str) -> list[tuple[str, float, float]]:
        e = edges[ei]
        pair = (e.src, e.dst)
        top_e, bot_e = pair_edges[pair]
        rows = []
        if side == "above":
            if top_e == ei and above_txt.get(pair):
                sz = [measure(s, style.value_fontsize) for s in above_txt[pair]]
                rows.append(("value", max(w for w, _ in sz), max(h for _, h in sz)))
            if e.label:
                rows.append(("label", *lab_sizes[ei]))
        else:
            if bot_e == ei and below_txt.get(pair):
                sz = [measure(s, style.value_fontsize) for s in below_txt[pair]]
                rows.append(("value", max(w for w, _ in sz), max(h for _, h in sz)))
        return [r_ for r_ in rows if r_[1] > 0 or r_[2] > 0]

    seg_rows = [([a[0], a[1], b[0], b[1]], ei) for ei, rt in enumerate(routes) for a, b in zip(rt, rt[1:])]
    all_segs = np.array([r_ for r_, _ in seg_rows]) if seg_rows else np.zeros((0, 4))
    seg_owner = np.array([o for _, o in seg_rows], dtype=int)
    node_rects = np.array([g.rect() for g in nodes.values()]) if nodes else np.zeros((0, 4))
    placed: list[Rect] = []
    placed_arr = [np.zeros((0, 4)), 0]  # cached array of `placed`, and its length
    indeg: dict[int, int] = {i: 0 for i in nodes}
    outdeg: dict[int, int] = {i: 0 for i in nodes}
    for e in edges:
        indeg[e.dst] += 1
        outdeg[e.src] += 1
    pad = style.text_pad
    margin = style.assoc_margin
    xs = xs_for(gaps)

    def grow(rect: Rect, m: float) -> Rect:
        return (rect[0] - m, rect[1] - m, rect[2] + m, rect[3] + m)

    def cost(rect: Rect, ei: int) -> float:
        """How many things the slot *rect* of edge *ei* touches (0: a free spot).

        Other edges must stay ``assoc_margin`` further away than the slot's own
        edge, so that a value is never closer to a neighbour than to its edge.
        """
        if placed_arr[1] != len(placed):
            placed_arr[0] = np.array(placed) if placed else np.zeros((0, 4))
            placed_arr[1] = len(placed)
        c = float(_rects_hits(placed_arr[0], grow(rect, pad * 0.5)).sum())
        c += float(_rects_hits(node_rects, grow(rect, pad)).sum())
        if len(all_segs):
            own = seg_owner == ei
            near = _seg_rect_hits(all_segs, grow(rect, margin))
            if near.any():
                c += float((near & ~own).sum())
                if (near & own).any():
                    c += float((_seg_rect_hits(all_segs, grow(rect, -1e-3)) & own).sum())
        return c

    def candidates(ei: int):
        rt = routes[ei]
        segs = list(zip(rt, rt[1:]))
        if not segs:
            return
        e = edges[ei]
        fan_in, fan_out = indeg[e.dst] > 1, outdeg[e.src] > 1
        if fan_in and not fan_out:  # edges converge on the target: more room near the source
            ts = (0.42, 0.32, 0.5, 0.22, 0.6, 0.12, 0.7, 0.8, 0.88)
        elif fan_out and not fan_in:
            ts = (0.58, 0.68, 0.5, 0.78, 0.4, 0.88, 0.3, 0.2, 0.12)
        else:
            ts = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88)
        if curved[ei]:
            lens = [math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in segs]
            tot = sum(lens) or 1.0
            cum = np.cumsum([0.0] + lens)
            cands = []
            for t in np.linspace(0.08, 0.92, 29):
                j = int(min(len(segs) - 1, np.searchsorted(cum, t * tot, side="right") - 1))
                a, b = segs[j]
                u = (t * tot - cum[j]) / lens[j] if lens[j] else 0.0
                dx, dy = b[0] - a[0], b[1] - a[1]
                slope = min(abs(dy) / max(abs(dx), 1e-9), 9.0)
                score = min(slope, 3.0) + 3.0 * abs(t - ts[0])  # flat spots near the preferred spot
                cands.append(((round(score, 3), t), (a[0] + dx * u, a[1] + dy * u), (dx, dy)))
            cands.sort(key=lambda c: c[0])
            for _k, p, d in cands:
                yield p, d
            return
        need = max((r_[1] for r_ in rows_for(ei, "above") + rows_for(ei, "below")), default=0.0)
        mid = (len(segs) - 1) / 2

        def pref(i):
            a, b = segs[i]
            dx, dy = b[0] - a[0], b[1] - a[1]
            L = math.hypot(dx, dy)
            slope = min(abs(dy) / max(abs(dx), 1e-9), 9.0)
            return (L < need * 1.1, round(slope, 1), abs(i - mid))

        for i in sorted(range(len(segs)), key=pref):
            a, b = segs[i]
            for t in ts:
                yield (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t), (b[0] - a[0], b[1] - a[1])

    def slot_at(ei, side, rows, p, d) -> TextSlot:
        w, h = _stack(rows, style.row_gap)
        L = math.hypot(*d) or 1.0
        nx, ny = -d[1] / L, d[0] / L
        if ny < 0 or (ny == 0 and nx > 0):
            nx, ny = -nx, -ny
        if side == "below":
            nx, ny = -nx, -ny
        dist = w / 2 * abs(nx) + h / 2 * abs(ny) + pad
        return TextSlot(ei, side, p[0] + nx * dist, p[1] + ny * dist, w, h, rows, style.row_gap)

    def gap_of(x: float) -> int:
        return max(0, min(ncols - 2, int(np.searchsorted(xs, x) - 1)))

    def place_all(order: list[int]):
        placed.clear()
        slots_: dict[tuple[int, str], TextSlot] = {}
        failed: list[int] = []
        fgaps: list[int] = []
        for ei in order:
            want = [(s, rows_for(ei, s)) for s in ("above", "below")]
            want = [(s, rw) for s, rw in want if rw]
            if not want:
                continue
            chosen = None
            best_c, best_sl = None, None
            for p, d in candidates(ei):
                sl = [slot_at(ei, s, rw, p, d) for s, rw in want]
                c = sum(cost(x.rect(), ei) for x in sl)
                if c == 0:
                    chosen = sl
                    break
                if best_c is None or c < best_c:
                    best_c, best_sl = c, sl
            if chosen is None and len(want) > 1:  # try the two sides independently
                ok: list[TextSlot] = []
                for s, rw in want:
                    got = None
                    for p, d in candidates(ei):
                        x = slot_at(ei, s, rw, p, d)
                        placed.extend(y.rect() for y in ok)
                        c = cost(x.rect(), ei)
                        del placed[len(placed) - len(ok):]
                        if c == 0:
                            got = x
                            break
                    if got is None:
                        break
                    ok.append(got)
                if len(ok) == len(want):
                    chosen = ok
            if chosen is None:
                chosen = best_sl or []
                failed.append(ei)
                fgaps.extend(gap_of(x.x) for x in chosen)
            for x in chosen:
                slots_[(ei, x.side)] = x
                placed.append(x.rect())
        return slots_, failed, fgaps

    order = sorted(range(len(edges)), key=lambda i: (col[edges[i].src], -nodes[edges[i].src].y, i))
    best_round = None
    for _round in range(4):
        slots_r, failed, fgaps = place_all(order)
        if best_round is None or len(failed) < len(best_round[1]):
            best_round = (slots_r, failed, fgaps)
        if not failed or len(failed) > 4:
            break  # done, or hopeless at this spacing: let the caller add room
        # the edges that found no room go first next time
        order = failed + [e for e in order if e not in failed]
    slots, failed, fail_gaps = best_round

    # ---- extent ---------------------------------------------------------------------------
    xs_all, ys_all = [], []
    for g in nodes.values():
        x0, y0, x1, y1 = g.rect()
        xs_all += [x0, x1]
        ys_all += [y0, y1]
    for rt in routes:
        for x, y in rt:
            xs_all.append(x)
            ys_all.append(y)
    for sl in slots.values():
        x0, y0, x1, y1 = sl.rect()
        xs_all += [x0, x1]
        ys_all += [y0, y1]
    bbox = (min(xs_all, default=0.0), min(ys_all, default=0.0), max(xs_all, default=0.0), max(ys_all, default=0.0))
    real_order = [[k for k in layer if not isinstance(k, tuple)] for layer in layers]
    res = Layout(
        pos={i: (float(g.x), float(g.y)) for i, g in nodes.items()},
        columns=dict(col),
        order=real_order,
        nodes=nodes,
        routes=routes,
        curved=curved,
        slots=slots,
        pair_edges=pair_edges,
        bbox=bbox,
        clean=True,
        style=style,
    )
    # fail_gaps: one entry per slot that overlaps something, naming the gap to widen
    return res, fail_gaps, gaps


def layout(
    scene: Scene,
    frames: list[Frame] | tuple[Frame, ...] | None = None,
    *,
    style: Style | None = None,
    pull_consts: bool = True,
) -> dict[int, tuple[float, float]]:
    """Node centres ``{id: (x, y)}`` in inches (y up), leaves left, root right."""
    return dict(compute_layout(scene, frames, style=style, pull_consts=pull_consts).pos)
