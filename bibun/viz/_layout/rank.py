"""Ranking: the column of every node.

Each node's column is the longest path from a leaf (leaves in column 0 on the
left, ``"out"`` sinks pushed to the last column).  With ``pull_consts`` a
constant sits one column before its first consumer, and one used by a single
operator at column 2 or later (the ``-1`` of ``\\times(-1)``, the ``1`` of
``+1``) hangs directly below that operator, in its column.
"""

from __future__ import annotations

from ..scene import Edge, Scene

__all__ = ["assign_columns", "attach_constants"]


def assign_columns(scene: Scene, pull_consts: bool) -> dict[int, int]:
    """Column of every node (see the module docstring); constants stay in column 0 unless *pull_consts*."""
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


def attach_constants(scene: Scene, col: dict[int, int]) -> dict[int, tuple[int, str]]:
    """``{constant: (operator, side)}`` for the constants that hang at their operator; moves them to its column.

    Constants of an operator deep in the graph (the -1 of x(-1), the 1 of +1)
    hang directly below their operator, as the chapter draws them; a second
    one on the same operator goes above it.
    """
    edges = scene.edges
    attached: dict[int, tuple[int, str]] = {}
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
    return attached
