"""Edge routing: each edge's line from its source's outline to its target's.

An edge through virtual points becomes a smooth curve through them; two edges
between the same pair of nodes (``x * x``) are curved apart; arrows into a node
with many inputs end at distinct ports.  Gaps between columns are widened
until no edge passes through a node that is not one of its ends.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .geometry import Point, bezier, chaikin, clip, rects_hits, seg_rect_hits
from .place import column_xs
from .result import NodeGeom

if TYPE_CHECKING:
    from .state import LayeredGraph

__all__ = ["route_edges"]


def route_edges(g: LayeredGraph, nodes: dict[int, NodeGeom], r: dict, gaps: list[float], col_hw: list[float]):
    """Place *nodes* at their columns' x and their depth *r*, and route every edge; widens *gaps* in place.

    Returns (x of each column, routes, which routes are curves).
    """
    for _ in range(40):
        xs = column_xs(col_hw, gaps)
        for i, n in nodes.items():
            n.x, n.y = (float(v) for v in _pos(g, r, i, xs))
        raw, curved = _straight_or_parallel(g, r, xs)
        _ports(g, nodes, raw, curved)
        routes = []
        for ei, e in enumerate(g.edges):
            pts = raw[ei]
            if len(pts) > 2 and not curved[ei]:
                # a long edge through virtual points: a smooth curve, no kinks
                pts = chaikin(pts)
                curved[ei] = True
            routes.append(clip(pts, nodes[e.src], nodes[e.dst], g.style.clip_pad))
        bad = _gaps_crossing_nodes(g, nodes, routes, xs)
        if not bad or g.ncols < 2:
            break
        for c in bad:
            gaps[c] = gaps[c] * 1.25 + 0.05
    return xs, routes, curved


def _pos(g: LayeredGraph, r: dict, k, xs: list[float]) -> Point:
    return (xs[g.column(k)], -r[k])


def _straight_or_parallel(g: LayeredGraph, r: dict, xs: list[float]) -> tuple[list[list[Point]], list[bool]]:
    """Per edge: the polyline through its chain, or a curve bowed away from its parallel edges."""
    curved, raw = [], []
    for ei, (e, ch) in enumerate(zip(g.edges, g.chains)):
        grp = g.groups[(e.src, e.dst)]
        pts = [_pos(g, r, k, xs) for k in ch]
        if len(grp) > 1 and len(ch) == 2:
            j = grp.index(ei)
            off = ((len(grp) - 1) / 2 - j) * 2 * g.style.curve_sep  # first edge on top
            (x0, y0), (x1, y1) = pts
            L = math.hypot(x1 - x0, y1 - y0) or 1.0
            nx, ny = -(y1 - y0) / L, (x1 - x0) / L
            if ny < 0:
                nx, ny = -nx, -ny
            c = ((x0 + x1) / 2 + nx * off, (y0 + y1) / 2 + ny * off)
            pts = bezier(pts[0], c, pts[1])
            curved.append(True)
        else:
            curved.append(False)
        raw.append(pts)
    return raw, curved


def _ports(g: LayeredGraph, nodes: dict[int, NodeGeom], raw: list[list[Point]], curved: list[bool]) -> None:
    """Arrows into a node with many inputs end at distinct heights, in the order of where they come from
    (no crossings at the target); changes the last point of those routes in *raw*."""
    edges, attached, style = g.edges, g.attached, g.style
    into: dict[int, list[int]] = {}
    for ei, e in enumerate(edges):
        into.setdefault(e.dst, []).append(ei)
    for nid, eis in into.items():
        eis = [i for i in eis if edges[i].src not in attached]
        if len(eis) < style.port_min:
            continue
        n = nodes[nid]
        span = n.hh * (style.port_span if n.shape == "box" else 0.6)
        eis = sorted(eis, key=lambda i: (-raw[i][-2][1], raw[i][-2][0], i))
        k = len(eis)
        for j, ei in enumerate(eis):
            if curved[ei] or edges[ei].src in attached:
                continue
            yport = n.y + span - (2 * span * j / (k - 1) if k > 1 else span)
            # aim at the port on the node's left half, so the arrow meets the side
            xport = n.x - n.hw * 0.5 if n.shape == "box" else n.x
            raw[ei] = raw[ei][:-1] + [(xport, yport)]


def _gaps_crossing_nodes(g: LayeredGraph, nodes: dict[int, NodeGeom], routes: list[list[Point]],
                         xs: list[float]) -> set[int]:
    """The gaps (by index) where a route passes through a node that is not one of its ends."""
    bad = set()
    ids = list(nodes)
    rects = np.array([nodes[i].rect(0.02) for i in ids]) if ids else np.zeros((0, 4))
    for e, rt in zip(g.edges, routes):
        for a, b in zip(rt, rt[1:]):
            hits = rects_hits(rects, (min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])))
            for j in np.nonzero(hits)[0]:
                nid = ids[j]
                if nid in (e.src, e.dst):
                    continue
                if seg_rect_hits(np.array([[a[0], a[1], b[0], b[1]]]), nodes[nid].rect(0.02))[0]:
                    xm = (a[0] + b[0]) / 2
                    c = max(0, min(g.ncols - 2, int(np.searchsorted(xs, xm) - 1)))
                    bad.add(c)
    return bad
