"""Placement: where each column's items sit, vertically, and how far apart the columns are.

Each column in turn is moved towards the weighted mean of its neighbours,
subject to its order and to a least separation that leaves room for the value
texts above and below the edges (isotonic regression, Gauss-Seidel sweeps),
so chains come out straight.  A gap between columns is wide enough for the
widest text crossing it, and for its steepest edge to keep a bounded slope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..scene import Scene
from .geometry import isotonic

if TYPE_CHECKING:
    from .state import LayeredGraph

__all__ = ["neighbour_weights", "rows", "column_half_widths", "widen_for_slopes", "column_xs"]


def neighbour_weights(scene: Scene, chains: list[list], layers: list[list]) -> dict:
    """item -> [(neighbour, weight)]: how hard each neighbour along an edge pulls it."""
    nbrs: dict = {k: [] for layer in layers for k in layer}
    kind = {n.id: n.kind for n in scene.nodes}
    has_input = {e.dst for e in scene.edges}
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
    return nbrs


def rows(g: LayeredGraph, vscale: float) -> dict:
    """item -> its centre's depth below the top item (inches, growing downwards); *vscale* stretches the room."""
    r: dict = {}
    seps: list[list[float]] = []
    for layer in g.layers:
        s = [g.half_h(a) + g.half_h(b) + g.room(a, b) * vscale for a, b in zip(layer, layer[1:])]
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
        cols = range(g.ncols) if it % 2 == 0 else range(g.ncols - 1, -1, -1)
        moved = 0.0
        for c in cols:
            _sweep_column(g, c, seps[c], r)
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
    return r


def _sweep_column(g: LayeredGraph, c: int, seps: list[float], r: dict) -> None:
    """Move column *c* as close to its neighbours' weighted mean as its order and *seps* allow."""
    layer = g.layers[c]
    if not layer:
        return
    offs = [0.0]
    for v in seps:
        offs.append(offs[-1] + v)
    tgt, wts = [], []
    for k, o in zip(layer, offs):
        ns = g.nbrs[k]
        sw = sum(w for _, w in ns)
        if sw > 0:
            tgt.append(sum(r[n] * w for n, w in ns) / sw - o)
            wts.append(sw)
        else:
            tgt.append(r[k] - o)
            wts.append(1e-3)
    z = isotonic(tgt, wts)
    for k, zz, o in zip(layer, z, offs):
        r[k] = zz + o


def column_half_widths(g: LayeredGraph) -> list[float]:
    return [max([g.half_w(k) for k in layer] + [0.04]) for layer in g.layers]


def widen_for_slopes(g: LayeredGraph, r: dict, gaps: list[float]) -> None:
    """Keep edges from getting too steep: a gap is at least 1/max_slope of the largest rise of an edge
    segment crossing it (capped); widens *gaps* in place."""
    style = g.style
    for ch in g.chains:
        if ch[0] in g.attached:
            continue
        for a, b in zip(ch, ch[1:]):
            ca = g.column(a)
            rise = abs(r[a] - r[b]) - g.half_h(a) - g.half_h(b)
            gaps[ca] = max(gaps[ca], min(rise / style.max_slope, style.max_slope_gap))


def column_xs(col_hw: list[float], gaps: list[float]) -> list[float]:
    """x of each column's centre line: the columns' half widths plus the gaps between them."""
    xs = [0.0]
    for c in range(1, len(col_hw)):
        xs.append(xs[-1] + col_hw[c - 1] + gaps[c - 1] + col_hw[c])
    return xs
