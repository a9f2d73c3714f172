"""Labels: where each edge's value texts and name go.

Every edge gets a slot above (forward value and the edge's static name) and
one below (backward value) at a spot where it touches no node, no other edge
and no other slot.  Edges that found none go first in the next round; what
still fails is reported by gap, for the caller to widen and try again.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .geometry import Point, Rect, rects_hits, seg_rect_hits, stack
from .measure import measure
from .result import NodeGeom, TextSlot

if TYPE_CHECKING:
    from .state import LayeredGraph

__all__ = ["pair_edges", "place_slots"]

Rows = list[tuple[str, float, float]]


def pair_edges(g: LayeredGraph, routes: list[list[Point]]) -> dict[tuple[int, int], tuple[int, int]]:
    """(src, dst) -> (the edge carrying the text above, the edge carrying the text below): the top and
    bottom ones of parallel edges."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for pair, grp in g.groups.items():
        mids = [routes[i][len(routes[i]) // 2][1] for i in grp]
        top_e = grp[int(np.argmax(mids))]
        bot_e = grp[int(np.argmin(mids))]
        out[pair] = (top_e, bot_e)
    return out


def place_slots(g: LayeredGraph, nodes: dict[int, NodeGeom], routes: list[list[Point]], curved: list[bool],
                pairs: dict[tuple[int, int], tuple[int, int]], xs: list[float]):
    """Slots for every edge's texts; returns (slots, one gap index per slot that touches something)."""
    placer = _SlotPlacer(g, nodes, routes, curved, pairs, xs)
    edges = g.edges
    order = sorted(range(len(edges)), key=lambda i: (g.col[edges[i].src], -nodes[edges[i].src].y, i))
    best_round = None
    for _round in range(4):
        slots, failed, fgaps = placer.place_all(order)
        if best_round is None or len(failed) < len(best_round[1]):
            best_round = (slots, failed, fgaps)
        if not failed or len(failed) > 4:
            break  # done, or hopeless at this spacing: let the caller add room
        # the edges that found no room go first next time
        order = failed + [e for e in order if e not in failed]
    slots, _failed, fail_gaps = best_round
    return slots, fail_gaps


class _SlotPlacer:
    """The slots placed so far, and what a new one must keep clear of."""

    def __init__(self, g: LayeredGraph, nodes: dict[int, NodeGeom], routes: list[list[Point]], curved: list[bool],
                 pairs: dict[tuple[int, int], tuple[int, int]], xs: list[float]):
        self.g, self.routes, self.curved, self.pairs, self.xs = g, routes, curved, pairs, xs
        seg_rows = [([a[0], a[1], b[0], b[1]], ei) for ei, rt in enumerate(routes) for a, b in zip(rt, rt[1:])]
        self.all_segs = np.array([r_ for r_, _ in seg_rows]) if seg_rows else np.zeros((0, 4))
        self.seg_owner = np.array([o for _, o in seg_rows], dtype=int)
        self.node_rects = np.array([n.rect() for n in nodes.values()]) if nodes else np.zeros((0, 4))
        self.placed: list[Rect] = []
        self._placed_arr = np.zeros((0, 4))  # `placed` as an array, refreshed when its length changes
        self._placed_len = 0
        self.indeg: dict[int, int] = {i: 0 for i in nodes}
        self.outdeg: dict[int, int] = {i: 0 for i in nodes}
        for e in g.edges:
            self.indeg[e.dst] += 1
            self.outdeg[e.src] += 1

    def rows_for(self, ei: int, side: str) -> Rows:
        """The texts stacked in edge *ei*'s slot on *side*, from the edge outwards."""
        g = self.g
        e = g.edges[ei]
        pair = (e.src, e.dst)
        top_e, bot_e = self.pairs[pair]
        fs = g.style.value_fontsize
        rows = []
        if side == "above":
            if top_e == ei and g.texts.above.get(pair):
                sz = [measure(s, fs) for s in g.texts.above[pair]]
                rows.append(("value", max(w for w, _ in sz), max(h for _, h in sz)))
            if e.label:
                rows.append(("label", *g.texts.label_sizes[ei]))
        else:
            if bot_e == ei and g.texts.below.get(pair):
                sz = [measure(s, fs) for s in g.texts.below[pair]]
                rows.append(("value", max(w for w, _ in sz), max(h for _, h in sz)))
        return [r_ for r_ in rows if r_[1] > 0 or r_[2] > 0]

    def cost(self, rect: Rect, ei: int) -> float:
        """How many things the slot *rect* of edge *ei* touches (0: a free spot).

        Other edges must stay ``assoc_margin`` further away than the slot's own
        edge, so that a value is never closer to a neighbour than to its edge.
        """
        pad, margin = self.g.style.text_pad, self.g.style.assoc_margin
        if self._placed_len != len(self.placed):
            self._placed_arr = np.array(self.placed) if self.placed else np.zeros((0, 4))
            self._placed_len = len(self.placed)
        c = float(rects_hits(self._placed_arr, _grow(rect, pad * 0.5)).sum())
        c += float(rects_hits(self.node_rects, _grow(rect, pad)).sum())
        if len(self.all_segs):
            own = self.seg_owner == ei
            near = seg_rect_hits(self.all_segs, _grow(rect, margin))
            if near.any():
                c += float((near & ~own).sum())
                if (near & own).any():
                    c += float((seg_rect_hits(self.all_segs, _grow(rect, -1e-3)) & own).sum())
        return c

    def candidates(self, ei: int):
        """Spots along edge *ei* for its slots, best first: (point on the route, its direction there)."""
        rt = self.routes[ei]
        segs = list(zip(rt, rt[1:]))
        if not segs:
            return
        e = self.g.edges[ei]
        fan_in, fan_out = self.indeg[e.dst] > 1, self.outdeg[e.src] > 1
        if fan_in and not fan_out:  # edges converge on the target: more room near the source
            ts = (0.42, 0.32, 0.5, 0.22, 0.6, 0.12, 0.7, 0.8, 0.88)
        elif fan_out and not fan_in:
            ts = (0.58, 0.68, 0.5, 0.78, 0.4, 0.88, 0.3, 0.2, 0.12)
        else:
            ts = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88)
        if self.curved[ei]:
            yield from _curve_spots(segs, ts[0])
            return
        need = max((r_[1] for r_ in self.rows_for(ei, "above") + self.rows_for(ei, "below")), default=0.0)
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

    def slot_at(self, ei: int, side: str, rows: Rows, p: Point, d: Point) -> TextSlot:
        """The slot of *rows* beside the route at *p* (direction *d*), on *side*, just clear of it."""
        style = self.g.style
        w, h = stack(rows, style.row_gap)
        L = math.hypot(*d) or 1.0
        nx, ny = -d[1] / L, d[0] / L
        if ny < 0 or (ny == 0 and nx > 0):
            nx, ny = -nx, -ny
        if side == "below":
            nx, ny = -nx, -ny
        dist = w / 2 * abs(nx) + h / 2 * abs(ny) + style.text_pad
        return TextSlot(ei, side, p[0] + nx * dist, p[1] + ny * dist, w, h, rows, style.row_gap)

    def gap_of(self, x: float) -> int:
        return max(0, min(self.g.ncols - 2, int(np.searchsorted(self.xs, x) - 1)))

    def place_all(self, order: list[int]):
        """One round in *order*: (slots, edges that found no free spot, the gaps of their slots)."""
        self.placed.clear()
        slots: dict[tuple[int, str], TextSlot] = {}
        failed: list[int] = []
        fgaps: list[int] = []
        for ei in order:
            want = [(s, rw) for s, rw in ((s, self.rows_for(ei, s)) for s in ("above", "below")) if rw]
            if not want:
                continue
            chosen, best_sl = self._together(ei, want)
            if chosen is None and len(want) > 1:
                chosen = self._apart(ei, want)
            if chosen is None:
                chosen = best_sl or []
                failed.append(ei)
                fgaps.extend(self.gap_of(x.x) for x in chosen)
            for x in chosen:
                slots[(ei, x.side)] = x
                self.placed.append(x.rect())
        return slots, failed, fgaps

    def _together(self, ei: int, want: list[tuple[str, Rows]]):
        """Both slots at one spot: (the first free one or None, the least bad one)."""
        best_c, best_sl = None, None
        for p, d in self.candidates(ei):
            sl = [self.slot_at(ei, s, rw, p, d) for s, rw in want]
            c = sum(self.cost(x.rect(), ei) for x in sl)
            if c == 0:
                return sl, best_sl
            if best_c is None or c < best_c:
                best_c, best_sl = c, sl
        return None, best_sl

    def _apart(self, ei: int, want: list[tuple[str, Rows]]) -> list[TextSlot] | None:
        """Each side at its own free spot, or None."""
        ok: list[TextSlot] = []
        for s, rw in want:
            got = None
            for p, d in self.candidates(ei):
                x = self.slot_at(ei, s, rw, p, d)
                self.placed.extend(y.rect() for y in ok)
                c = self.cost(x.rect(), ei)
                del self.placed[len(self.placed) - len(ok):]
                if c == 0:
                    got = x
                    break
            if got is None:
                return None
            ok.append(got)
        return ok


def _curve_spots(segs: list[tuple[Point, Point]], t0: float):
    """Spots along a curve: flat ones near the fraction *t0* of its length first."""
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
        score = min(slope, 3.0) + 3.0 * abs(t - t0)  # flat spots near the preferred spot
        cands.append(((round(score, 3), t), (a[0] + dx * u, a[1] + dy * u), (dx, dy)))
    cands.sort(key=lambda c: c[0])
    for _k, p, d in cands:
        yield p, d


def _grow(rect: Rect, m: float) -> Rect:
    return (rect[0] - m, rect[1] - m, rect[2] + m, rect[3] + m)
