"""Node outlines: a circle round a variable, a box round an operator, plain text for the rest."""

from __future__ import annotations

import math

from ..scene import Node, Scene
from .measure import measure, safe_text
from .result import NodeGeom
from .style import Style

__all__ = ["node_outlines"]


def node_outlines(scene: Scene, style: Style) -> dict[int, NodeGeom]:
    """Every node's outline, sized to its label, not yet placed (column 0, at the origin)."""
    nodes = {n.id: _node_geom(n, style) for n in scene.nodes}
    indeg0: dict[int, int] = {}
    for e in scene.edges:
        indeg0[e.dst] = indeg0.get(e.dst, 0) + 1
    for i, g in nodes.items():
        k = indeg0.get(i, 0)
        if g.shape == "box" and k >= style.port_min:
            # many inputs: a taller box, so that every arrow gets its own port
            g.hh = max(g.hh, (k * style.port_spacing) / 2 / style.port_span + 0.02)
    return nodes


def _node_geom(n: Node, style: Style) -> NodeGeom:
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
