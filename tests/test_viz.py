"""Tests for the drawing layer bibun.viz (layout, drawing, PNG/HTML/GIF animations)."""

from __future__ import annotations

import io
import itertools
import os
import random

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from bibun.viz.graph import make_plan  # noqa: E402
from bibun.viz import (  # noqa: E402
    Edge,
    Frame,
    Node,
    Scene,
    compute_layout,
    draw,
    layout,
    render_frames,
    save_gif,
    save_html,
    to_html,
)
from player_frames import SVG_NS  # noqa: E402

# --------------------------------------------------------------------------------------
# the chapter's graphs, built by hand
# --------------------------------------------------------------------------------------


def linear_scene() -> tuple[Scene, list[Frame]]:
    """y = a x + b at (a, x, b) = (-2, 3, 4): chapter 8.1.1 and 8.1.2."""
    A, X, B, MUL, ADD, Y = range(6)
    scene = Scene(
        nodes=[
            Node(A, "var", r"$a$"),
            Node(X, "var", r"$x$"),
            Node(B, "var", r"$b$"),
            Node(MUL, "op", r"$\times$"),
            Node(ADD, "op", r"$+$"),
            Node(Y, "out", r"$y$"),
        ],
        edges=[
            Edge(A, MUL),
            Edge(X, MUL),
            Edge(MUL, ADD, r"$\alpha$"),
            Edge(B, ADD),
            Edge(ADD, Y),
        ],
        title=r"$y = ax + b$",
    )
    fwd = [
        ((A, MUL), r"$-2$", r"$a = -2$"),
        ((X, MUL), r"$3$", r"$x = 3$"),
        ((B, ADD), r"$4$", r"$b = 4$"),
        ((MUL, ADD), r"$-6$", r"$\alpha = a \cdot x = (-2) \times 3 = -6$"),
        ((ADD, Y), r"$-2$", r"$y = \alpha + b = -6 + 4 = -2$"),
    ]
    bwd = [
        ((ADD, Y), r"$1$", r"$\frac{\partial y}{\partial y} = 1$"),
        ((MUL, ADD), r"$1$", r"$y = \alpha + b$,  $\frac{\partial y}{\partial \alpha} = 1$"),
        ((B, ADD), r"$1$", r"$y = \alpha + b$,  $\frac{\partial y}{\partial b} = 1$"),
        ((A, MUL), r"$3$",
         r"$\alpha = ax$,  $\frac{\partial \alpha}{\partial a} = x$" "\n"
         r"$\frac{\partial y}{\partial a} = \frac{\partial y}{\partial \alpha}\frac{\partial \alpha}{\partial a} = 1 \times 3 = 3$"),
        ((X, MUL), r"$-2$",
         r"$\alpha = ax$,  $\frac{\partial \alpha}{\partial x} = a$" "\n"
         r"$\frac{\partial y}{\partial x} = \frac{\partial y}{\partial \alpha}\frac{\partial \alpha}{\partial x} = 1 \times (-2) = -2$"),
    ]
    return scene, _frames(fwd, bwd)


def _frames(fwd, bwd) -> list[Frame]:
    frames, above, below = [], {}, {}
    for key, val, cap in fwd:
        above[key] = val
        frames.append(Frame(cap, dict(above), dict(below), {key}, "forward"))
    for key, val, cap in bwd:
        below[key] = val
        frames.append(Frame(cap, dict(above), dict(below), {key}, "backward"))
    return frames


def logistic_scene() -> tuple[Scene, list[Frame]]:
    """Eq. (8.6) expanded: -log(1 / (1 + exp(-(w1 x1 + w2 x2)))) at x = (1, -1), w = (1, 0.5)."""
    W1, X1, W2, X2, M1, M2, ADD, NEG, C_NEG, EXP, ADD1, C_ONE, INV, LOG, NEG2, C_NEG2, L = range(17)
    scene = Scene(
        nodes=[
            Node(W1, "var", r"$w_1$"),
            Node(X1, "const", r"$x_1$"),
            Node(W2, "var", r"$w_2$"),
            Node(X2, "const", r"$x_2$"),
            Node(M1, "op", r"$\times$"),
            Node(M2, "op", r"$\times$"),
            Node(ADD, "op", r"$+$"),
            Node(NEG, "op", r"$\times$"),
            Node(C_NEG, "const", r"$-1$"),
            Node(EXP, "op", r"$\exp$"),
            Node(ADD1, "op", r"$+$"),
            Node(C_ONE, "const", r"$1$"),
            Node(INV, "op", r"$1/a$"),
            Node(LOG, "op", r"$\log$"),
            Node(NEG2, "op", r"$\times$"),
            Node(C_NEG2, "const", r"$-1$"),
            Node(L, "out", r"$\hat{l}$"),
        ],
        edges=[
            Edge(W1, M1),
            Edge(X1, M1),
            Edge(W2, M2),
            Edge(X2, M2),
            Edge(M1, ADD, r"$\alpha$"),
            Edge(M2, ADD, r"$\beta$"),
            Edge(ADD, NEG, r"$\mu$"),
            Edge(C_NEG, NEG),
            Edge(NEG, EXP, r"$\nu$"),
            Edge(EXP, ADD1, r"$\xi$"),
            Edge(C_ONE, ADD1),
            Edge(ADD1, INV, r"$\pi$"),
            Edge(INV, LOG, r"$\rho$"),
            Edge(LOG, NEG2, r"$\phi$"),
            Edge(C_NEG2, NEG2),
            Edge(NEG2, L),
        ],
    )
    fwd = [
        ((W1, M1), r"$1$", r"$w_1 = 1$"),
        ((X1, M1), r"$1$", r"$x_1 = 1$"),
        ((W2, M2), r"$0.5$", r"$w_2 = 0.5$"),
        ((X2, M2), r"$-1$", r"$x_2 = -1$"),
        ((M1, ADD), r"$1$", r"$\alpha = w_1 x_1 = 1 \times 1 = 1$"),
        ((M2, ADD), r"$-0.5$", r"$\beta = w_2 x_2 = 0.5 \times (-1) = -0.5$"),
        ((ADD, NEG), r"$0.5$", r"$\mu = \alpha + \beta = 1 + (-0.5) = 0.5$"),
        ((NEG, EXP), r"$-0.5$", r"$\nu = \mu \times (-1) = 0.5 \times (-1) = -0.5$"),
        ((EXP, ADD1), r"$0.6065$", r"$\xi = \exp(\nu) = \exp(-0.5) = 0.6065$"),
        ((ADD1, INV), r"$1.6065$", r"$\pi = \xi + 1 = 0.6065 + 1 = 1.6065$"),
        ((INV, LOG), r"$0.6225$", r"$\rho = \frac{1}{\pi} = \frac{1}{1.6065} = 0.6225$"),
        ((LOG, NEG2), r"$-0.4740$", r"$\phi = \log \rho = \log(0.6225) = -0.4740$"),
        ((NEG2, L), r"$0.4740$", r"$\hat{l} = \phi \times (-1) = (-0.4740) \times (-1) = 0.4740$"),
    ]
    dl = r"\frac{\partial \hat{l}}"
    bwd = [
        ((NEG2, L), r"$1$", r"$\frac{\partial \hat{l}}{\partial \hat{l}} = 1$"),
        ((LOG, NEG2), r"$-1$", rf"${dl}{{\partial \phi}} = \frac{{\partial }}{{\partial \phi}} (-\phi) = -1$"),
        ((INV, LOG), r"$-1.6065$",
         r"$\frac{\partial \phi}{\partial \rho} = \frac{\partial }{\partial \rho} (\log \rho) = \frac{1}{\rho} = \frac{1}{0.6225} = 1.6065$" "\n"
         rf"${dl}{{\partial \rho}} = {dl}{{\partial \phi}} \frac{{\partial \phi}}{{\partial \rho}} = -1 \times 1.6065 = -1.6065$"),
        ((ADD1, INV), r"$0.6224$",
         r"$\frac{\partial \rho}{\partial \pi} = \frac{\partial }{\partial \pi} (\frac{1}{\pi}) = -\frac{1}{\pi^2} = -\frac{1}{1.6065^2} = -0.3875$" "\n"
         rf"${dl}{{\partial \pi}} = {dl}{{\partial \rho}} \frac{{\partial \rho}}{{\partial \pi}} = -1.6065 \times (-0.3875) = 0.6224$"),
        ((EXP, ADD1), r"$0.6224$",
         r"$\frac{\partial \pi}{\partial \xi} = \frac{\partial }{\partial \xi} (\xi + 1) = 1$" "\n"
         rf"${dl}{{\partial \xi}} = {dl}{{\partial \pi}} \frac{{\partial \pi}}{{\partial \xi}} = 0.6224 \times 1 = 0.6224$"),
        ((NEG, EXP), r"$0.3775$",
         r"$\frac{\partial \xi}{\partial \nu} = \frac{\partial }{\partial \nu} (e^{\nu}) = e^{\nu} = e^{-0.5} = 0.6065$" "\n"
         rf"${dl}{{\partial \nu}} = {dl}{{\partial \xi}} \frac{{\partial \xi}}{{\partial \nu}} = 0.6224 \times 0.6065 = 0.3775$"),
        ((ADD, NEG), r"$-0.3775$",
         r"$\frac{\partial \nu}{\partial \mu} = \frac{\partial }{\partial \mu} (-\mu) = -1$" "\n"
         rf"${dl}{{\partial \mu}} = {dl}{{\partial \nu}} \frac{{\partial \nu}}{{\partial \mu}} = 0.3775 \times (-1) = -0.3775$"),
        ((M1, ADD), r"$-0.3775$",
         r"$\frac{\partial \mu}{\partial \alpha} = \frac{\partial }{\partial \alpha} (\alpha + \beta) = 1$" "\n"
         rf"${dl}{{\partial \alpha}} = {dl}{{\partial \mu}} \frac{{\partial \mu}}{{\partial \alpha}} = -0.3775 \times 1 = -0.3775$"),
        ((M2, ADD), r"$-0.3775$",
         r"$\frac{\partial \mu}{\partial \beta} = \frac{\partial }{\partial \beta} (\alpha + \beta) = 1$" "\n"
         rf"${dl}{{\partial \beta}} = {dl}{{\partial \mu}} \frac{{\partial \mu}}{{\partial \beta}} = -0.3775 \times 1 = -0.3775$"),
        ((W1, M1), r"$-0.3775$",
         r"$\frac{\partial \alpha}{\partial w_1} = \frac{\partial }{\partial w_1} (w_1 x_1) = x_1 = 1$" "\n"
         rf"${dl}{{\partial w_1}} = {dl}{{\partial \alpha}} \frac{{\partial \alpha}}{{\partial w_1}} = -0.3775 \times 1 = -0.3775$"),
        ((X1, M1), r"$-0.3775$",
         r"$\frac{\partial \alpha}{\partial x_1} = \frac{\partial }{\partial x_1} (w_1 x_1) = w_1 = 1$" "\n"
         rf"${dl}{{\partial x_1}} = {dl}{{\partial \alpha}} \frac{{\partial \alpha}}{{\partial x_1}} = -0.3775 \times 1 = -0.3775$"),
        ((W2, M2), r"$0.3775$",
         r"$\frac{\partial \beta}{\partial w_2} = \frac{\partial }{\partial w_2} (w_2 x_2) = x_2 = -1$" "\n"
         rf"${dl}{{\partial w_2}} = {dl}{{\partial \beta}} \frac{{\partial \beta}}{{\partial w_2}} = -0.3775 \times (-1) = 0.3775$"),
        ((X2, M2), r"$-0.1887$",
         r"$\frac{\partial \beta}{\partial x_2} = \frac{\partial }{\partial x_2} (w_2 x_2) = w_2 = 0.5$" "\n"
         rf"${dl}{{\partial x_2}} = {dl}{{\partial \beta}} \frac{{\partial \beta}}{{\partial x_2}} = -0.3775 \times 0.5 = -0.1887$"),
    ]
    return scene, _frames(fwd, bwd)


OPS = [r"$\times$", r"$+$", r"$\exp$", r"$\log$", r"$-$", r"$\sigma$", r"$1/a$", r"$\tanh$", r"$\mathrm{relu}$"]


def random_scene(n: int, seed: int) -> tuple[Scene, list[Frame]]:
    """A seeded random expression DAG with exactly *n* nodes and one root.

    Has fan-out, fan-in, long edges, constants, a node used twice by one
    operator (``x * x``) and a final sum of every unused value (many edges
    into one node).  Frames: one with every forward value, one with every
    backward value too.
    """
    rng = random.Random(seed)
    n_leaves = max(2, n // 4)
    nodes: list[Node] = []
    edges: list[Edge] = []
    for i in range(n_leaves):
        if rng.random() < 0.3:
            nodes.append(Node(i, "const", f"${rng.randint(-9, 9)}$"))
        else:
            nodes.append(Node(i, "var", f"$v_{{{i}}}$"))
    used: set[int] = set()
    n_ops = n - n_leaves - 2
    twice_done = False
    for j in range(n_ops):
        i = n_leaves + j
        label = rng.choice(OPS)
        arity = 1 if label not in (r"$\times$", r"$+$", r"$-$") else rng.choice([2, 2, 2, 3])
        pool = list(range(i))
        unused = [p for p in pool if p not in used]
        ins: list[int] = []
        while len(ins) < arity:
            if unused and rng.random() < 0.7:
                p = unused.pop(rng.randrange(len(unused)))
            else:
                p = max(0, i - 1 - int(abs(rng.gauss(0, 4))))
            if p in ins and not (label == r"$\times$" and not twice_done):
                continue
            if p in ins:
                twice_done = True
            ins.append(p)
        if not twice_done and label == r"$\times$" and arity == 2:
            ins = [ins[0], ins[0]]
            twice_done = True
        nodes.append(Node(i, "op", label))
        for p in ins:
            edges.append(Edge(p, i))
            used.add(p)
    total = n - 2
    nodes.append(Node(total, "op", r"$\Sigma$"))
    sources = [p for p in range(total) if p not in used] or [total - 1]
    if total - 1 not in sources:
        sources.append(total - 1)
    for p in sources:
        edges.append(Edge(p, total))
    nodes.append(Node(total + 1, "out", r"$y$"))
    edges.append(Edge(total, total + 1))
    above = {(e.src, e.dst): f"${rng.uniform(-9, 9):.4f}$" for e in edges}
    below = {(e.src, e.dst): f"${rng.uniform(-9, 9):.4f}$" for e in edges}
    last = (edges[-1].src, edges[-1].dst)
    frames = [
        Frame(r"forward: $y = \Sigma(\dots)$", dict(above), {}, {last}, "forward"),
        Frame(r"backward: $\frac{\partial y}{\partial v_0}$", dict(above), dict(below), {(edges[0].src, edges[0].dst)}, "backward"),
    ]
    return Scene(nodes, edges, title=f"random DAG, {n} nodes"), frames


def square_scene() -> tuple[Scene, list[Frame]]:
    """y = x * x + x: x feeds the same operator twice."""
    scene = Scene(
        nodes=[Node(0, "var", "$x$"), Node(1, "op", r"$\times$"), Node(2, "op", "$+$"), Node(3, "out", "$y$")],
        edges=[Edge(0, 1), Edge(0, 1), Edge(1, 2), Edge(0, 2), Edge(2, 3)],
    )
    frames = [
        Frame("$x = 3$", {(0, 1): "$3$", (0, 2): "$3$"}, {}, {(0, 1), (0, 2)}),
        Frame(r"$x^2 = 9$", {(0, 1): "$3$", (0, 2): "$3$", (1, 2): "$9$"}, {}, {(1, 2)}),
        Frame("$y = 12$", {(0, 1): "$3$", (0, 2): "$3$", (1, 2): "$9$", (2, 3): "$12$"}, {}, {(2, 3)}),
        Frame(r"$\frac{\partial y}{\partial x} = 2x + 1 = 7$",
              {(0, 1): "$3$", (0, 2): "$3$", (1, 2): "$9$", (2, 3): "$12$"},
              {(2, 3): "$1$", (1, 2): "$1$", (0, 2): "$1$", (0, 1): "$6$"}, {(0, 1)}, "backward"),
    ]
    return scene, frames


SCENES = {
    "linear": linear_scene,
    "logistic": logistic_scene,
    "square": square_scene,
    "random10": lambda: random_scene(10, 1),
    "random25": lambda: random_scene(25, 2),
    "random40": lambda: random_scene(40, 3),
}


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _rect_overlap(a, b, tol=0.5):
    return a.x0 < b.x1 - tol and b.x0 < a.x1 - tol and a.y0 < b.y1 - tol and b.y0 < a.y1 - tol


def _seg_hits_bbox(p, q, bb) -> bool:
    """Does the segment p-q meet the display-space box bb (shrunk by half a pixel)?"""
    x0, y0, x1, y1 = bb.x0 + 0.5, bb.y0 + 0.5, bb.x1 - 0.5, bb.y1 - 0.5
    if max(p[0], q[0]) < x0 or min(p[0], q[0]) > x1 or max(p[1], q[1]) < y0 or min(p[1], q[1]) > y1:
        return False
    dx, dy = q[0] - p[0], q[1] - p[1]
    f = [dx * (cy - p[1]) - dy * (cx - p[0]) for cx, cy in ((x0, y0), (x0, y1), (x1, y0), (x1, y1))]
    return min(f) <= 0 <= max(f)


def _node_boxes(ax, renderer, scene):
    """Per node id: display boxes of its label text and of its outline (if any)."""
    out = {}
    for art in list(ax.texts) + list(ax.patches):
        gid = art.get_gid() or ""
        if gid.startswith("node-shape-"):
            out.setdefault(int(gid[len("node-shape-"):]), []).append(art.get_window_extent(renderer))
        elif gid.startswith("node-"):
            out.setdefault(int(gid[len("node-"):]), []).append(art.get_window_extent(renderer))
    assert set(out) == {n.id for n in scene.nodes}
    return out


_CACHE: dict = {}


def _scene_layout_figure(name):
    """(scene, frames, layout, figure of the last frame) per scene, computed once."""
    if name not in _CACHE:
        scene, frames = SCENES[name]()
        fig = draw(scene, frames[-1], frames=frames)  # the animation's layout and canvas
        lay = make_plan(scene, frames).layout  # the same (remembered) plan
        _CACHE[name] = (scene, frames, lay, fig)
    return _CACHE[name]


# --------------------------------------------------------------------------------------
# layout
# --------------------------------------------------------------------------------------


def test_linear_columns():
    scene, frames, lay, _fig = _scene_layout_figure("linear")
    c = lay.columns
    assert c[0] == c[1] == c[2] == 0  # leaves a, x, b on the left
    assert c[3] == 1 and c[4] == 2 and c[5] == 3  # x, +, y
    pos = layout(scene)
    assert pos[5][0] == max(x for x, _ in pos.values())  # root rightmost
    assert all(pos[i][0] < pos[3][0] for i in (0, 1, 2))
    # chapter's order top to bottom: a, x, b; the x node sits between a and x
    assert pos[0][1] > pos[1][1] > pos[2][1]
    assert pos[1][1] < pos[3][1] < pos[0][1]
    assert lay.clean


def test_logistic_columns():
    scene, frames, lay, _fig = _scene_layout_figure("logistic")
    c = lay.columns
    for leaf in (0, 1, 2, 3):
        assert c[leaf] == 0
    chain = [4, 6, 7, 9, 10, 12, 13, 14, 16]
    assert [c[i] for i in chain] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert c[16] == max(c.values())
    # constants hang directly below their operator (as in the chapter), not far left
    for const, op in ((8, 7), (11, 10), (15, 14)):
        assert c[const] == c[op]
        assert lay.attached[const] == op
        assert lay.pos[const][0] == pytest.approx(lay.pos[op][0])
        assert lay.pos[const][1] < lay.pos[op][1]
        rt = lay.routes[[(e.src, e.dst) for e in scene.edges].index((const, op))]
        assert rt[0][0] == pytest.approx(rt[-1][0])  # a vertical arrow
    # the main chain is straight: +, x(-1), exp, +1, 1/a, log, x(-1), l-hat at one height
    ys = [lay.pos[i][1] for i in (6, 7, 9, 10, 12, 13, 14, 16)]
    assert max(ys) - min(ys) < 0.02
    assert lay.clean


@pytest.mark.parametrize("name", list(SCENES))
def test_layout_columns_general(name):
    scene, frames, lay, _fig = _scene_layout_figure(name)
    preds = {n.id: [] for n in scene.nodes}
    for e in scene.edges:
        preds[e.dst].append(e.src)
        if e.src in lay.attached:
            assert lay.attached[e.src] == e.dst and lay.columns[e.src] == lay.columns[e.dst]
        else:
            assert lay.columns[e.src] < lay.columns[e.dst]
    kinds = {n.id: n.kind for n in scene.nodes}
    for n in scene.nodes:
        if not preds[n.id] and kinds[n.id] == "var":
            assert lay.columns[n.id] == 0
    roots = [n.id for n in scene.nodes if n.kind == "out"]
    for r in roots:
        assert lay.columns[r] == max(lay.columns.values())
    # constants that are not attached to an operator sit just before their first consumer
    for n in scene.nodes:
        if n.kind == "const" and not preds[n.id] and n.id not in lay.attached:
            consumers = [e.dst for e in scene.edges if e.src == n.id]
            assert lay.columns[n.id] == min(lay.columns[d] for d in consumers) - 1
    # x grows with the column
    for a, b in itertools.combinations(scene.nodes, 2):
        if lay.columns[a.id] < lay.columns[b.id]:
            assert lay.pos[a.id][0] < lay.pos[b.id][0]


@pytest.mark.parametrize("name", ["linear", "logistic", "random25"])
def test_layout_deterministic(name):
    scene, frames, lay, _fig = _scene_layout_figure(name)
    assert layout(scene, frames) == lay.pos


@pytest.mark.parametrize("name", list(SCENES))
def test_node_labels_do_not_overlap(name):
    scene, frames, lay, fig = _scene_layout_figure(name)
    ax, renderer = fig.axes[0], fig.canvas.get_renderer()
    boxes = _node_boxes(ax, renderer, scene)
    # the union box of each node (label and outline) against every other node's
    union = {nid: bbs[0].union(bbs) for nid, bbs in boxes.items()}
    for a, b in itertools.combinations(union, 2):
        assert not _rect_overlap(union[a], union[b], tol=0.0), (a, b)


@pytest.mark.parametrize("name", list(SCENES))
def test_edges_do_not_cross_foreign_nodes(name):
    from bibun.viz._layout.geometry import seg_rect_hits as _seg_rect_hits

    scene, frames, lay, fig = _scene_layout_figure(name)
    # in layout coordinates (inches)
    for ei, rt in enumerate(lay.routes):
        e = scene.edges[ei]
        segs = np.array([[a[0], a[1], b[0], b[1]] for a, b in zip(rt, rt[1:])])
        for nid, g in lay.nodes.items():
            if nid not in (e.src, e.dst):
                assert not _seg_rect_hits(segs, g.rect()).any(), (ei, nid)
    # and on the drawn figure, against the renderer's extents of labels and outlines
    ax, renderer = fig.axes[0], fig.canvas.get_renderer()
    boxes = _node_boxes(ax, renderer, scene)
    arrows = {int(p.get_gid()[5:]): p for p in ax.patches if (p.get_gid() or "").startswith("edge-")}
    assert len(arrows) == len(scene.edges)
    for ei in arrows:
        e = scene.edges[ei]
        verts = ax.transData.transform(np.asarray(lay.routes[ei]))
        for p, q in zip(verts, verts[1:]):
            for nid, bbs in boxes.items():
                if nid in (e.src, e.dst):
                    continue
                for bb in bbs:
                    assert not _seg_hits_bbox(p, q, bb), (ei, nid)


@pytest.mark.parametrize("name", list(SCENES))
def test_value_texts_clear_of_everything(name):
    """Values, edge names, node labels and the caption never overlap; values touch no arrow."""
    scene, frames, lay, fig = _scene_layout_figure(name)
    assert lay.clean
    ax, renderer = fig.axes[0], fig.canvas.get_renderer()
    texts = [(t.get_gid(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text().strip()]
    shapes = [(p.get_gid(), p.get_window_extent(renderer)) for p in ax.patches
              if (p.get_gid() or "").startswith("node-shape-")]
    assert sum(1 for g, _ in texts if g.startswith(("above-", "below-"))) == \
        len(frames[-1].above) + len(frames[-1].below)
    for (ga, a), (gb, b) in itertools.combinations(texts + shapes, 2):
        if ga.startswith("node-") and gb.startswith("node-") and ga.split("-")[-1] == gb.split("-")[-1]:
            continue  # a node's label inside its own outline
        assert not _rect_overlap(a, b, tol=1.0), (ga, gb)
    segs = [ax.transData.transform(np.asarray(rt)) for rt in lay.routes]
    for gid, bb in texts:
        if gid.startswith(("above-", "below-", "edge-label-")):
            for ei, verts in enumerate(segs):
                for p, q in zip(verts, verts[1:]):
                    assert not _seg_hits_bbox(p, q, bb), (gid, ei)
    # everything lies inside the figure
    fb = fig.bbox
    for gid, bb in texts + shapes:
        assert fb.x0 - 1 <= bb.x0 and bb.x1 <= fb.x1 + 1 and fb.y0 - 1 <= bb.y0 and bb.y1 <= fb.y1 + 1, gid


def test_parallel_edges_are_curved_apart():
    scene, frames = square_scene()
    lay = compute_layout(scene, frames)
    r0, r1 = lay.routes[0], lay.routes[1]
    assert lay.curved[0] and lay.curved[1]
    m0, m1 = r0[len(r0) // 2], r1[len(r1) // 2]
    assert abs(m0[1] - m1[1]) > 0.2  # inches apart in the middle
    top, bottom = lay.pair_edges[(0, 1)]
    assert top != bottom
    assert (top, "above") in lay.slots and (bottom, "below") in lay.slots


def test_many_edges_into_one_node():
    n = 12
    nodes = [Node(i, "var", f"$x_{{{i}}}$") for i in range(n)] + [Node(n, "op", "$+$"), Node(n + 1, "out", "$s$")]
    edges = [Edge(i, n) for i in range(n)] + [Edge(n, n + 1)]
    above = {(i, n): f"${i}.5$" for i in range(n)}
    below = {(i, n): "$1$" for i in range(n)}
    scene = Scene(nodes, edges)
    frames = [Frame("sum", above, below, set(), "backward")]
    lay = compute_layout(scene, frames)
    assert lay.clean
    ys = sorted(lay.pos[i][1] for i in range(n))
    assert min(b - a for a, b in zip(ys, ys[1:])) > 0.3


def test_pull_consts_off_gives_all_leaves_column_zero():
    scene, frames = logistic_scene()
    c = compute_layout(scene, frames, pull_consts=False).columns
    leaves = {e.src for e in scene.edges} - {e.dst for e in scene.edges}
    assert all(c[i] == 0 for i in leaves)


def test_invalid_scene_is_rejected():
    scene = Scene([Node(0, "var", "$a$"), Node(1, "op", "$+$")], [Edge(0, 1), Edge(1, 0)])
    with pytest.raises(ValueError):
        layout(scene)
    scene = Scene([Node(0, "var", "$a$")], [Edge(0, 5)])
    with pytest.raises(ValueError):
        layout(scene)
    s, _ = linear_scene()
    with pytest.raises(ValueError):
        draw(s, Frame("bad", {(0, 5): "1"}, {}, set()))


def test_bad_mathtext_falls_back_to_plain_text():
    scene = Scene([Node(0, "var", r"$\notacommand{$"), Node(1, "out", "$y$")], [Edge(0, 1, r"$\frac{$")])
    fig = draw(scene, Frame(r"$\bad{", {(0, 1): "$1$"}, {}, {(0, 1)}))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------------------
# drawing and animation
# --------------------------------------------------------------------------------------


def test_draw_returns_figure_without_pyplot_leak():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    scene, frames = linear_scene()
    fig = draw(scene, frames[3])
    assert plt.get_fignums() == before
    w, h = fig.get_size_inches()
    assert 2 < w < 12 and 1.5 < h < 8
    gids = {t.get_gid() for t in fig.axes[0].texts}
    assert {"node-0", "node-5", "caption", "above-3-4", "phase"} <= gids
    colours = {t.get_gid(): t.get_color() for t in fig.axes[0].texts}
    assert colours["above-3-4"] == "tab:red" and colours["above-0-3"] == "tab:gray"
    fig_b = draw(scene, frames[7])
    colours = {t.get_gid(): t.get_color() for t in fig_b.axes[0].texts}
    assert colours["below-2-4"] == "tab:red" and colours["below-3-4"] == "tab:blue"
    assert colours["above-2-4"] == "tab:gray"
    # figure size grows with the graph
    big = _scene_layout_figure("random40")[3]
    assert big.get_size_inches()[0] > w
    # drawing into a given axes works too
    fig2, ax = plt.subplots(figsize=(4, 3))
    try:
        assert draw(scene, frames[0], ax=ax) is fig2
    finally:
        plt.close(fig2)


def test_png_frames_same_size():
    from PIL import Image

    scene, frames = linear_scene()
    pngs = render_frames(scene, frames)
    assert len(pngs) == len(frames)
    sizes = {Image.open(io.BytesIO(p)).size for p in pngs}
    assert len(sizes) == 1
    assert len(set(pngs)) == len(pngs)  # every frame differs
    # the size follows the dpi, the layout does not
    (w1, h1), = {Image.open(io.BytesIO(p)).size for p in render_frames(scene, frames[:2], dpi=100)}
    (w2, h2), = {Image.open(io.BytesIO(p)).size for p in render_frames(scene, frames[:2], dpi=50)}
    assert abs(w2 - w1 / 2) <= 1 and abs(h2 - h1 / 2) <= 1


def test_html_player():
    scene, frames = linear_scene()
    page = to_html(scene, frames, title="y = ax + b")
    assert page.count("class='bibun-frame'") == len(frames)
    assert page.count("<image") == 1                   # one picture of patches for all the frames
    assert "http://" not in page.replace(SVG_NS, "") and "https://" not in page
    assert "<script src" not in page and "<link" not in page
    assert page.lstrip().lower().startswith("<!doctype html>")
    for word in ("-play", "-prev", "-next", "-slider", "-counter", "ArrowLeft", "ArrowRight"):
        assert word in page
    other = to_html(scene, frames[:2], full_page=False)
    import re

    ids_a = set(re.findall(r'id="([^"]+)"', page))
    ids_b = set(re.findall(r'id="([^"]+)"', other))
    assert ids_a and ids_b and not (ids_a & ids_b)
    assert other.count("class='bibun-frame'") == 2


def test_gif_and_html_files(tmp_path):
    from PIL import Image

    scene, frames = linear_scene()
    frames = frames[:3] + [frames[2]] + frames[7:]  # a repeated frame must still be its own GIF frame
    gif = tmp_path / "anim.gif"
    page = tmp_path / "anim.html"
    save_gif(gif, scene, frames, duration_ms=700)
    save_html(page, scene, frames, title="y = ax + b")
    assert sorted(os.listdir(tmp_path)) == ["anim.gif", "anim.html"]
    with Image.open(gif) as im:
        assert im.n_frames == len(frames)
        assert im.info.get("loop") == 0
        assert im.info.get("duration") == 700
    assert page.read_text(encoding="utf-8").count("class='bibun-frame'") == len(frames)
    # overwrite in place
    save_gif(gif, scene, frames[:3])
    with Image.open(gif) as im:
        assert im.n_frames == 3
    assert sorted(os.listdir(tmp_path)) == ["anim.gif", "anim.html"]


def test_atomic_save_leaves_nothing_on_failure(tmp_path, monkeypatch):
    scene, frames = linear_scene()
    target = tmp_path / "out.html"
    target.write_text("old")

    def boom(*a, **k):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        save_html(target, scene, frames[:2])
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["out.html"]
    assert target.read_text() == "old"


def test_viz_imports_nothing_else_from_bibun():
    """bibun.viz depends on plain data only: no engine imports, no pyplot."""
    import ast

    import bibun.viz

    pkg = os.path.dirname(bibun.viz.__file__)
    files = sorted(os.path.relpath(os.path.join(d, f), pkg)
                   for d, _, fs in os.walk(pkg) for f in fs if f.endswith(".py"))
    assert os.path.join("_layout", "compute.py") in files  # subpackages are checked too
    for fn in files:
        depth = fn.count(os.sep)  # 0 for bibun/viz/x.py, 1 for bibun/viz/_layout/x.py
        tree = ast.parse(open(os.path.join(pkg, fn), encoding="utf-8").read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if 1 <= node.level <= depth + 1 or (node.level == depth + 2 and node.module in ("_atomic", "i18n")):
                    continue  # bibun.viz's own modules, the shared atomic-write helper, the language in effect
                assert node.level == 0, (fn, node.module)
                names = [node.module]
            else:
                continue
            for name in names:
                assert not name.startswith("bibun"), (fn, name)
                assert name != "matplotlib.pyplot", fn
