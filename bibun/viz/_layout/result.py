"""What a layout returns: node outlines, edge routes and the slots reserved for value texts."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .geometry import Point, Rect
from .style import Style

__all__ = ["NodeGeom", "TextSlot", "Layout"]


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
