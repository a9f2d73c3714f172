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
    """(Scene, frames, edge keys) for Explanation `ex`; imports bibun.viz (matplotlib) only here."""
    from ..viz.scene import Edge, Frame, Node, Scene

    nodes, edges = [], []
    node_of_var = {}          # var id -> scene node id (leaves)
    node_of_step = {}         # step index -> scene node id (its op)
    nid = iter(range(10 ** 9))

    def leaf_node(v):
        if v.id in node_of_var:
            return node_of_var[v.id]
        k = next(nid)
        if v.kind == "input":
            nodes.append(Node(k, "var", _m(v.name.tex)))
        else:
            nodes.append(Node(k, "const", _m(v.name.tex)))
        node_of_var[v.id] = k
        return k

    for step in ex.forward:
        for v in step.inputs:
            if v.step is None and not (v.kind == "number" and ex.fold):
                leaf_node(v)
    neg_consts = {}           # unfolded: ×(−1) drawn as × with a plain −1 beside it, as the chapter does
    for step in ex.forward:
        k = next(nid)
        node_of_step[step.index] = k
        if step.op.name == "neg" and not ex.fold:
            nodes.append(Node(k, "op", _m(r"\times")))
            c = next(nid)
            nodes.append(Node(c, "const", _m("-1")))
            neg_consts[step.index] = c
        else:
            nodes.append(Node(k, "op", _m(step.label)))
    out_id = next(nid)
    nodes.append(Node(out_id, "out", _m(ex.output.name.tex)))

    edge_of = {}              # (step index, input index) -> (src, dst)
    out_edges = {}            # step index -> edge keys carrying its value
    leaf_edges = []           # (key, value) of named leaves, shown from the first frame on
    for step in ex.forward:
        dst = node_of_step[step.index]
        for i, v in enumerate(step.inputs):
            if v.kind == "number" and ex.fold:
                continue
            if v.step is not None:
                src = node_of_step[v.step.index]
                edges.append(Edge(src, dst, _m(v.name.tex)))
                out_edges.setdefault(v.step.index, []).append((src, dst))
            else:
                src = leaf_node(v)
                edges.append(Edge(src, dst, ""))
                if v.kind == "input" or (v.kind == "const" and _is_named(v)):
                    leaf_edges.append(((src, dst), _val(v.value)))
            edge_of[(step.index, i)] = (src, dst)
    for si, c in neg_consts.items():
        edges.append(Edge(c, node_of_step[si], ""))
    root_step = ex.output.step
    edges.append(Edge(node_of_step[root_step.index], out_id, ""))
    out_edges.setdefault(root_step.index, []).append((node_of_step[root_step.index], out_id))

    title = ex.title("math")
    scene = Scene(nodes, edges, _m(title) if title and len(title) < 160 else "")

    frames = []
    above = dict(leaf_edges)
    for step in ex.forward:
        new = set()
        for key in out_edges.get(step.index, ()):
            above[key] = _val(step.value)
            new.add(key)
        frames.append(Frame(step.caption(), dict(above), {}, new, "forward"))
    below, sums = {}, {}
    root_key = (node_of_step[root_step.index], out_id)
    for b in ex.backward:
        if b.is_seed:
            key = root_key
            sums[key] = b.grad
        else:
            key = edge_of[(b.node.index, b.input_index)]
            sums[key] = b.grad if key not in sums else sums[key] + b.grad      # x * x: both paths on one pair
        below[key] = _val(sums[key])
        frames.append(Frame(b.caption(), dict(above), dict(below), {key}, "backward"))
    return scene, frames


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
