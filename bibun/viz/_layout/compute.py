"""`compute_layout`: the steps in order, redone with more room until every text finds a free spot."""

from __future__ import annotations

from dataclasses import replace

from ..scene import Frame, Scene, validate
from .geometry import Rect
from .place import column_half_widths, column_xs, rows, widen_for_slopes
from .result import Layout
from .route import route_edges
from .slots import pair_edges, place_slots
from .state import LayeredGraph, initial_gaps, layered_graph
from .style import Style

__all__ = ["compute_layout", "layout"]


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
    g = layered_graph(scene, frames, style, pull_consts)
    gaps = initial_gaps(g)
    vscale = 1.0  # scale of the room between rows; grows when texts find no spot
    best: Layout | None = None
    best_fail = None
    for attempt in range(9):
        res, fail_gaps, gaps = _attempt(g, gaps, vscale)
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
    best.attached = {c: d for c, (d, _side) in g.attached.items()}
    best.style = style
    return best


def _attempt(g: LayeredGraph, gaps: list[float], vscale: float) -> tuple[Layout, list[int], list[float]]:
    """One layout at the given spacing: (layout, one gap index per text that found no free spot, the gaps
    used, widened where edges had to clear nodes)."""
    nodes = {i: replace(n) for i, n in g.nodes.items()}
    gaps = list(gaps)
    r = rows(g, vscale)
    col_hw = column_half_widths(g)
    widen_for_slopes(g, r, gaps)
    _xs, routes, curved = route_edges(g, nodes, r, gaps, col_hw)
    pairs = pair_edges(g, routes)
    # the gaps may have grown after the last routing: name failed gaps by the widened columns
    slots, fail_gaps = place_slots(g, nodes, routes, curved, pairs, column_xs(col_hw, gaps))
    res = Layout(
        pos={i: (float(n.x), float(n.y)) for i, n in nodes.items()},
        columns=dict(g.col),
        order=[[k for k in layer if not isinstance(k, tuple)] for layer in g.layers],
        nodes=nodes,
        routes=routes,
        curved=curved,
        slots=slots,
        pair_edges=pairs,
        bbox=_extent(nodes.values(), routes, slots.values()),
        clean=True,
        style=g.style,
    )
    return res, fail_gaps, gaps


def _extent(nodes, routes, slots) -> Rect:
    """The box round every outline, route and slot."""
    xs_all, ys_all = [], []
    for n in nodes:
        x0, y0, x1, y1 = n.rect()
        xs_all += [x0, x1]
        ys_all += [y0, y1]
    for rt in routes:
        for x, y in rt:
            xs_all.append(x)
            ys_all.append(y)
    for sl in slots:
        x0, y0, x1, y1 = sl.rect()
        xs_all += [x0, x1]
        ys_all += [y0, y1]
    return (min(xs_all, default=0.0), min(ys_all, default=0.0), max(xs_all, default=0.0), max(ys_all, default=0.0))


def layout(
    scene: Scene,
    frames: list[Frame] | tuple[Frame, ...] | None = None,
    *,
    style: Style | None = None,
    pull_consts: bool = True,
) -> dict[int, tuple[float, float]]:
    """Node centres ``{id: (x, y)}`` in inches (y up), leaves left, root right."""
    return dict(compute_layout(scene, frames, style=style, pull_consts=pull_consts).pos)
