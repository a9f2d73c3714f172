"""`LayeredGraph`: the scene ranked, ordered and measured, shared by every attempt at a spacing."""

from __future__ import annotations

from dataclasses import dataclass

from ..scene import Edge, Frame, Scene
from .order import column_of, edge_chains, ordered_layers, parallel_groups
from .place import neighbour_weights
from .rank import assign_columns, attach_constants
from .result import NodeGeom
from .shapes import node_outlines
from .style import Style
from .texts import EdgeTexts, edge_texts

__all__ = ["LayeredGraph", "layered_graph"]


@dataclass
class LayeredGraph:
    """What the placement, routing and text steps read; none of them changes it.

    Layer items are node ids and virtual points ``("v", edge index, column)``.
    """

    style: Style
    edges: list[Edge]
    nodes: dict[int, NodeGeom]  # outlines measured, columns set, not yet placed
    col: dict[int, int]  # node id -> column
    ncols: int
    attached: dict[int, tuple[int, str]]  # constant -> (operator it hangs at, "below" | "above")
    groups: dict[tuple[int, int], list[int]]  # (src, dst) -> indices of the edges between them
    chains: list[list]  # per edge: source, virtual points, target
    layers: list[list]  # per column, its items top to bottom
    nbrs: dict  # item -> [(neighbour, weight)] for the vertical placement
    texts: EdgeTexts
    up_need: dict  # item -> height of the texts over the edges through it
    down_need: dict  # item -> height of the texts under them

    def column(self, k) -> int:
        return column_of(k, self.col)

    def half_h(self, k) -> float:
        return 0.0 if isinstance(k, tuple) else self.nodes[k].hh

    def half_w(self, k) -> float:
        return 0.0 if isinstance(k, tuple) else self.nodes[k].hw

    def room(self, a, b) -> float:
        """Least room between the outlines of *a* and the item *b* below it, for the texts between them."""
        need = self.down_need.get(a, 0.0) + self.up_need.get(b, 0.0)
        return max(self.style.min_vgap, need + 3 * self.style.text_pad)


def layered_graph(scene: Scene, frames: list[Frame], style: Style, pull_consts: bool) -> LayeredGraph:
    """Rank (columns), order (inside the columns) and measure (outlines, texts) *scene*."""
    nodes = node_outlines(scene, style)
    edges = scene.edges
    col = assign_columns(scene, pull_consts)
    attached = attach_constants(scene, col) if pull_consts else {}
    for i, g in nodes.items():
        g.column = col[i]
    ncols = max(col.values(), default=0) + 1
    texts = edge_texts(edges, frames, style)
    chains = edge_chains(edges, col)
    layers = ordered_layers(scene, col, ncols, attached, chains)
    up_need: dict = {}
    down_need: dict = {}
    for ei, ch in enumerate(chains):
        for k in ch:
            up_need[k] = max(up_need.get(k, 0.0), texts.above_h[ei])
            down_need[k] = max(down_need.get(k, 0.0), texts.below_h[ei])
    return LayeredGraph(style, edges, nodes, col, ncols, attached, parallel_groups(edges), chains, layers,
                        neighbour_weights(scene, chains, layers), texts, up_need, down_need)


def initial_gaps(g: LayeredGraph) -> list[float]:
    """Per gap between two columns: room for the widest text of an edge crossing it."""
    style = g.style
    gaps = [0.0] * max(0, g.ncols - 1)
    for ch_i, ch in enumerate(g.chains):
        if ch[0] in g.attached:
            continue
        for a in ch[:-1]:
            ca = g.column(a)
            gaps[ca] = max(gaps[ca], g.texts.width[ch_i] + 2 * style.text_pad + style.gap_slack)
    return [max(style.min_col_gap, x) for x in gaps]
