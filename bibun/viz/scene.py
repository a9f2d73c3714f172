"""Plain-data description of a computation graph and of animation frames.

This module is the contract between whoever *produces* a picture of a
computation (``bibun.explain``) and the drawing layer (``bibun.viz``).  It
holds nothing but data: no NumPy, no matplotlib, nothing from the engine.

Edges are identified in frames by the pair ``(src, dst)`` of node ids.  When a
node feeds the same operator twice (``x * x``) the scene holds two ``Edge``
objects with the same pair; a frame then writes one value for the pair, which
is shown once (the forward value above the upper edge, the backward value
below the lower edge).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Node", "Edge", "Frame", "Scene", "NODE_KINDS", "PHASES", "MAX_NODES", "TooLargeToDraw", "check_size"]

NODE_KINDS = ("var", "const", "op", "out")
PHASES = ("forward", "backward")

# The largest graph drawn. An animation has about one frame per edge and each frame's caption
# grows with the graph, so the cost grows faster than the node count: at this size an HTML
# animation takes about 20 s of CPU and 250 MB (bench/explain_render.py); far beyond it, minutes.
MAX_NODES = 60


class TooLargeToDraw(ValueError):
    """A scene with more than :data:`MAX_NODES` nodes."""

    def __init__(self, nodes: int):
        self.nodes = nodes
        super().__init__(f"the graph has {nodes} nodes, more than the {MAX_NODES} bibun draws: draw a smaller "
                         "part of it")


def check_size(scene: "Scene") -> None:
    """Raise :class:`TooLargeToDraw` if *scene* has more than :data:`MAX_NODES` nodes."""
    if len(scene.nodes) > MAX_NODES:
        raise TooLargeToDraw(len(scene.nodes))


@dataclass
class Node:
    id: int
    kind: str  # "var" (requires grad: circled), "const" (plain text), "op" (boxed), "out" (root/result variable)
    label: str  # matplotlib mathtext allowed, e.g. r"$a$", r"$\times$", r"$\exp$", r"$-2$"


@dataclass
class Edge:
    src: int
    dst: int
    label: str = ""  # optional static name shown near the edge (e.g. r"$\alpha$"), may be empty


@dataclass
class Frame:
    caption: str  # mathtext allowed; may contain "\n" for two lines
    above: dict[tuple[int, int], str]  # edge -> forward value text shown above it (cumulative)
    below: dict[tuple[int, int], str]  # edge -> backward value text shown below it (cumulative)
    new: set[tuple[int, int]]  # edges whose text was written in this frame (drawn red)
    phase: str = "forward"  # "forward" | "backward"


@dataclass
class Scene:
    nodes: list[Node]
    edges: list[Edge]
    title: str = ""


def validate(scene: Scene, frames: list[Frame] | tuple[Frame, ...] = ()) -> None:
    """Raise ``ValueError`` if *scene* (and *frames*) break the contract.

    Checks: unique node ids, known kinds, edges between existing nodes, no
    cycles, frame keys naming existing edges, known phases.
    """
    ids = [n.id for n in scene.nodes]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate node ids in scene")
    known = set(ids)
    for n in scene.nodes:
        if n.kind not in NODE_KINDS:
            raise ValueError(f"node {n.id}: unknown kind {n.kind!r} (expected one of {NODE_KINDS})")
    succ: dict[int, list[int]] = {i: [] for i in ids}
    for e in scene.edges:
        if e.src not in known or e.dst not in known:
            raise ValueError(f"edge {e.src}->{e.dst} names a node that is not in the scene")
        if e.src == e.dst:
            raise ValueError(f"edge {e.src}->{e.dst} is a self loop")
        succ[e.src].append(e.dst)
    # cycle check (iterative DFS, colours 0 white 1 grey 2 black)
    colour = dict.fromkeys(ids, 0)
    for start in ids:
        if colour[start]:
            continue
        stack = [(start, iter(succ[start]))]
        colour[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = 2
                stack.pop()
            elif colour[nxt] == 1:
                raise ValueError(f"the scene's edges form a cycle through node {nxt}")
            elif colour[nxt] == 0:
                colour[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
    pairs = {(e.src, e.dst) for e in scene.edges}
    for i, f in enumerate(frames):
        if f.phase not in PHASES:
            raise ValueError(f"frame {i}: unknown phase {f.phase!r}")
        for key in list(f.above) + list(f.below) + list(f.new):
            if tuple(key) not in pairs:
                raise ValueError(f"frame {i}: {key!r} is not an edge of the scene")
