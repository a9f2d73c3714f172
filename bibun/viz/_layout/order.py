"""Ordering: the top-to-bottom order of the nodes inside each column.

An edge spanning several columns gets one virtual point ``("v", edge index,
column)`` per column it crosses, so that long edges take part in the order
(and later bend round the nodes in their way).  The order starts from a
depth-first discovery from the sinks and is improved by barycentre sweeps
(deterministic, best of a few passes by crossing count).  Constants that hang
at their operator are put just below (or above) it afterwards.
"""

from __future__ import annotations

from ..scene import Edge, Scene

__all__ = ["edge_chains", "parallel_groups", "ordered_layers"]


def parallel_groups(edges: list[Edge]) -> dict[tuple[int, int], list[int]]:
    """``{(src, dst): [edge indices]}``: edges between the same two nodes (``x * x``) share a pair."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, e in enumerate(edges):
        groups.setdefault((e.src, e.dst), []).append(i)
    return groups


def edge_chains(edges: list[Edge], col: dict[int, int]) -> list[list]:
    """Per edge: its source, one virtual point per column it crosses, its target."""
    chains: list[list] = []
    for i, e in enumerate(edges):
        cs, cd = col[e.src], col[e.dst]
        chain: list = [e.src]
        chain += [("v", i, c) for c in range(cs + 1, cd)]
        chain.append(e.dst)
        chains.append(chain)
    return chains


def column_of(k, col: dict[int, int]) -> int:
    """The column of a node id or of a virtual point."""
    return k[2] if isinstance(k, tuple) else col[k]


def ordered_layers(scene: Scene, col: dict[int, int], ncols: int, attached: dict[int, tuple[int, str]],
                   chains: list[list]) -> list[list]:
    """Per column, its nodes and virtual points top to bottom, attached constants included."""
    layers = _initial_layers(scene, col, ncols, attached, chains)
    segs_between: list[list[tuple]] = [[] for _ in range(max(0, ncols - 1))]
    for ch in chains:
        for a, b in zip(ch, ch[1:]):
            if a in attached:
                continue
            segs_between[column_of(a, col)].append((a, b))
    layers = _order_layers(layers, segs_between)
    for cid, (dst, side) in attached.items():
        layer = layers[col[dst]]
        j = layer.index(dst)
        layer.insert(j + 1 if side == "below" else j, cid)
    return layers


def _initial_layers(scene: Scene, col: dict[int, int], ncols: int, attached: dict[int, tuple[int, str]],
                    chains: list[list]) -> list[list]:
    """Columns in discovery order; a virtual point goes after the real nodes ranked before its source."""
    edges = scene.edges
    rank = _initial_rank(scene)
    layers: list[list] = [[] for _ in range(ncols)]
    for i in sorted((n.id for n in scene.nodes), key=lambda n: rank[n]):
        if i not in attached:
            layers[col[i]].append(i)
    virt_rank = {}
    for i, ch in enumerate(chains):
        for k in ch[1:-1]:
            virt_rank[k] = (rank[edges[i].src], i)
    for c in range(ncols):
        vs = sorted((k for k in virt_rank if k[2] == c), key=lambda k: virt_rank[k])
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
    return layers


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
    """How many pairs of segments cross between neighbouring columns."""
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
    """Barycentre sweeps, down and up in turn; the order with the fewest crossings seen."""
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

