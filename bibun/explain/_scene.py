"""An Explanation as the drawing layer's plain data: one Scene (the graph) and one Frame per step.

The graph is drawn as the chapter draws it: leaves on the left, the result on the right, inputs that
require grad circled, operators boxed, constants plain (or folded into their operator: +1, ×(−1), 1/a);
intermediate results named on their edges (α, β, ...). Forward frames write each value above its edge,
backward frames each gradient below it; the newest text of a frame is red, and each frame's caption is
its step's formula.
"""
from . import _format as fmt


def _m(s):
    return "$" + s + "$"


def _val(a):
    # plain text with a true minus sign: as sharp as mathtext, and far cheaper to measure and draw
    return fmt.array(a, "text").replace("-", "\u2212")


def build_scene(ex):
    """(Scene, frames) for Explanation `ex`; imports bibun.viz (matplotlib) only here."""
    from ..viz.scene import Frame, Scene

    g = _Graph(ex)
    title = ex.title("math")
    scene = Scene(g.nodes, g.edges, _m(title) if title and len(title) < 160 else "")

    frames = []
    above = dict(g.leaf_edges)
    for step in ex.forward:
        new = set()
        for key in g.out_edges.get(step.index, ()):
            above[key] = _val(step.value)
            new.add(key)
        frames.append(Frame(step.caption(), dict(above), {}, new, "forward"))
    below, sums = {}, {}
    for b in ex.backward:
        if b.is_seed:
            key = g.root_key
            sums[key] = b.grad
        else:
            key = g.edge_of[(b.node.index, b.input_index)]
            sums[key] = b.grad if key not in sums else sums[key] + b.grad      # x * x: both paths on one pair
        below[key] = _val(sums[key])
        frames.append(Frame(b.caption(), dict(above), dict(below), {key}, "backward"))
    return scene, frames


class _Graph:
    """The scene's nodes and edges for `ex`, and which edge carries which value."""

    def __init__(self, ex):
        self.nodes, self.edges = [], []
        self.node_of_var = {}     # var id -> scene node id (leaves)
        self.node_of_step = {}    # step index -> scene node id (its op)
        self.edge_of = {}         # (step index, input index) -> (src, dst)
        self.out_edges = {}       # step index -> edge keys carrying its value
        self.leaf_edges = []      # (key, value) of named leaves, shown from the first frame on
        self._ids = iter(range(10 ** 9))
        neg_consts = self._add_nodes(ex)
        self._add_edges(ex, neg_consts)

    def leaf_node(self, v):
        from ..viz.scene import Node
        if v.id in self.node_of_var:
            return self.node_of_var[v.id]
        k = next(self._ids)
        if v.kind == "input":
            self.nodes.append(Node(k, "var", _m(v.name.tex)))
        else:
            self.nodes.append(Node(k, "const", _m(v.name.tex)))
        self.node_of_var[v.id] = k
        return k

    def _add_nodes(self, ex):
        """Leaves, then one node per op, then the output; returns {step index: its −1 node} for the
        negations drawn unfolded."""
        from ..viz.scene import Node
        for step in ex.forward:
            for v in step.inputs:
                if v.step is None and not (v.kind == "number" and ex.fold):
                    self.leaf_node(v)
        neg_consts = {}           # unfolded: ×(−1) drawn as × with a plain −1 beside it, as the chapter does
        for step in ex.forward:
            k = next(self._ids)
            self.node_of_step[step.index] = k
            if step.op.name == "neg" and not ex.fold:
                self.nodes.append(Node(k, "op", _m(r"\times")))
                c = next(self._ids)
                self.nodes.append(Node(c, "const", _m("-1")))
                neg_consts[step.index] = c
            else:
                self.nodes.append(Node(k, "op", _m(step.label)))
        self.out_id = next(self._ids)
        self.nodes.append(Node(self.out_id, "out", _m(ex.output.name.tex)))
        return neg_consts

    def _add_edges(self, ex, neg_consts):
        from ..viz.scene import Edge
        node_of_step = self.node_of_step
        for step in ex.forward:
            dst = node_of_step[step.index]
            for i, v in enumerate(step.inputs):
                if v.kind == "number" and ex.fold:
                    continue
                if v.step is not None:
                    src = node_of_step[v.step.index]
                    self.edges.append(Edge(src, dst, _m(v.name.tex)))
                    self.out_edges.setdefault(v.step.index, []).append((src, dst))
                else:
                    src = self.leaf_node(v)
                    self.edges.append(Edge(src, dst, ""))
                    if v.kind == "input" or (v.kind == "const" and _is_named(v)):
                        self.leaf_edges.append(((src, dst), _val(v.value)))
                self.edge_of[(step.index, i)] = (src, dst)
        for si, c in neg_consts.items():
            self.edges.append(Edge(c, node_of_step[si], ""))
        root_step = ex.output.step
        self.root_key = (node_of_step[root_step.index], self.out_id)
        self.edges.append(Edge(*self.root_key, ""))
        self.out_edges.setdefault(root_step.index, []).append(self.root_key)


def _is_named(v):
    return v.kind == "const" and not v.name.tex.startswith("[") and not v.name.tex.startswith(r"\langle")


def summary_frame(ex, frames):
    """The last frame with nothing highlighted and the gradients as its caption (the static figure)."""
    from ..viz.scene import Frame
    if not frames:
        return None
    last = frames[-1]
    caption = ex.summary("math")
    return Frame(caption, dict(last.above), dict(last.below), set(), last.phase)
