"""Recording one forward and one backward pass through the engine's tracer hook.

`bibun.autograd.engine.tracer` is None in normal use (apply() and the backward walk then pay one
comparison each). While a `Tracer` is set there, every op run reports itself (`on_forward`) and every
node of the backward walk reports the gradients it passes to its inputs (`on_backward`).

The computation is captured first (running the user's function, or walking an existing graph), then
replayed once onto fresh leaves with the tracer on, expanding composite ops if asked (expand.py), and
the result's backward() runs with the tracer on. The user's own tensors are never touched.
"""
import inspect
from collections import deque

import numpy as np

from ..autograd import engine
from ..ops import apply
from ..ops._xp import RAW
from ._names import Name, greek_names, user_name
from .expand import EXPANSIONS
from .steps import BackwardStep, ForwardStep, Var
from . import _format as fmt
from ._optext import label as op_label


class Tracer:
    """Collects what the engine reports while it is this thread's tracer; passes every event on to the
    tracer it replaced (detect_anomaly's check keeps working inside an explanation)."""

    def __init__(self):
        self.inner = None        # the tracer that was on before (set by `tracing`)
        self.forward = []        # (op, inputs, params, out tensor), in the order the ops ran
        self.backward = []       # (node, upstream gradient, [(input index, gradient, local derivative)])
        self.labels = {}         # id(tensor) -> name given with label()
        self.keep = []           # keeps labelled tensors alive so that their ids stay theirs

    def on_forward(self, op, inputs, params, out, datas=None):
        self.forward.append((op, inputs, params, out))
        if self.inner is not None:
            self.inner.on_forward(op, inputs, params, out)

    def on_backward(self, node, g, grads):
        if self.inner is not None:
            self.inner.on_backward(node, g, grads)
        g = g._data if hasattr(g, "_data") else g
        got = [(i, np.array(gi._data if hasattr(gi, "_data") else gi), _local(node, i)) for i, gi in grads]
        self.backward.append((node, np.array(g), got))


class tracing:
    """Context manager: `tracer` is this thread's tracer inside (chained to the one before), the previous
    one restored after."""

    def __init__(self, tracer):
        self.tracer = tracer

    def __enter__(self):
        self.tracer.inner = engine.current_tracer()
        self.prev = engine.set_tracer(self.tracer)
        return self.tracer

    def __exit__(self, *exc):
        engine.set_tracer(self.prev)
        return False


def label(tensor, name):
    """Name an intermediate result inside a function given to `explain`: ``h = label(relu(W @ x + b), "h")``.

    Returns `tensor` unchanged; outside an explanation it does nothing at all.
    """
    tr = engine.current_tracer()
    if isinstance(tr, Tracer):
        tr.labels[id(tensor)] = str(name)
        tr.keep.append(tensor)
    return tensor


def _local(node, i):
    """The local derivative ∂out/∂input_i as one number per element (the VJP of a gradient of ones), for
    elementwise ops and one-number ops; None for the others (matrix products, reductions)."""
    op, out, datas = node.op, node.out, node.datas
    if out is None or datas is None:
        return None
    x = datas[i]
    if not (op.kind == "elementwise" or (np.size(out) == 1 and np.size(x) == 1)):
        return None
    params = node.params or {}
    ones = np.ones(np.shape(out), dtype=out.dtype if out.dtype.kind == "f" else np.float64)
    try:
        with np.errstate(all="ignore"):
            if op.variadic:
                v = op.vjp[0](i, RAW, ones, out, *datas, **params)
            else:
                v = op.vjp[i](RAW, ones, out, *datas, **params)
        return np.array(v, dtype=np.float64)
    except Exception:                         # a teaching extra: never let it break the explanation
        return None


# ---- capturing -------------------------------------------------------------------------------------

def _Tensor():
    from .._tensor import Tensor
    return Tensor


def make_leaf(value, requires_grad):
    """A fresh leaf for `value` (a number, list, ndarray or Tensor); numbers become float64."""
    Tensor = _Tensor()
    if isinstance(value, Tensor):
        a = np.array(value.detach()._data, copy=True)
    else:
        a = np.array(value)
        if a.dtype.kind in "biu" and requires_grad or a.dtype.kind == "f" and a.dtype != np.float32:
            a = a.astype(np.float64)
        elif a.dtype.kind not in "biuf":
            raise TypeError(f"explain: cannot make a tensor of {type(value).__name__} {value!r}")
    if requires_grad and a.dtype.kind != "f":
        a = a.astype(np.float64)
    return Tensor._wrap(a, bool(requires_grad))


def capture_fn(fn, values, wrt=None):
    """Run `fn(**leaves)` with the tracer on. Returns (records, root, labels, leaf names by id)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        sig = None
    if sig is not None:
        params = sig.parameters
        takes_kw = any(p.kind == p.VAR_KEYWORD for p in params.values())
        for k in values:
            if k not in params and not takes_kw:
                raise TypeError(f"explain: {_fname(fn)} has no parameter named {k!r} "
                                f"(it takes {', '.join(params) or 'none'})")
        missing = [k for k, p in params.items() if p.default is p.empty and k not in values
                   and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if missing:
            raise TypeError(f"explain: give a value for {', '.join(missing)} "
                            f"(e.g. explain({_fname(fn)}, {missing[0]}=1.0))")
    wrt = _wrt_set(wrt, values)
    leaves, names = {}, {}
    for k, v in values.items():
        t = make_leaf(v, k in wrt and _floating(v))
        leaves[k] = t
        names[id(t)] = k
    tr = Tracer()
    with tracing(tr):
        root = engine_tensor(fn(**leaves))
    return tr.forward, root, tr.labels, names, leaves, tr.keep


def engine_tensor(x):
    """The engine Tensor behind a value of another surface (bibun.tf's tensors hold one and say so through
    `__bibun_tensor__`); anything else as it is."""
    unwrap = getattr(type(x), "__bibun_tensor__", None)
    return x if unwrap is None else unwrap(x)


def _fname(fn):
    return getattr(fn, "__name__", "fn")


def _floating(v):
    Tensor = _Tensor()
    if isinstance(v, Tensor):
        return v._data.dtype.kind == "f"
    return np.asarray(v).dtype.kind in "biuf"


def _wrt_set(wrt, values):
    if wrt is None:
        return set(values)
    if isinstance(wrt, str):
        wrt = [w.strip() for w in wrt.split(",") if w.strip()]
    wrt = list(wrt)
    unknown = [w for w in wrt if w not in values]
    if unknown:
        raise ValueError(f"explain: wrt names {', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} "
                         f"not among the inputs ({', '.join(values)})")
    return set(wrt)


def capture_tensor(t, inputs=None):
    """The records of an existing graph, from its root `t` back to the leaves (forward order)."""
    Tensor = _Tensor()
    if t.grad_fn is None:
        raise ValueError("explain: this tensor was not computed from tensors that require grad, so it has no "
                         "graph to show. Create the inputs with requires_grad=True, or pass a function: "
                         "explain(fn, a=..., b=...)")
    records, seen, stack = [], set(), [(t, False)]
    while stack:
        x, done = stack.pop()
        n = x.grad_fn
        if done:
            records.append((n.op, n.inputs, n.params, x))
            continue
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n.inputs is None:
            raise ValueError("explain: the graph of this tensor was freed by an earlier backward(). Call explain "
                             "before backward(), pass retain_graph=True to backward(), or pass a function: "
                             "explain(fn, a=..., b=...)")
        stack.append((x, True))
        for inp in reversed(n.inputs):
            if isinstance(inp, Tensor) and inp.grad_fn is not None and id(inp.grad_fn) not in seen:
                stack.append((inp, False))
    names = {}
    for k, v in (dict(inputs) if inputs is not None else {}).items():
        if not isinstance(v, Tensor):
            raise TypeError(f"explain: inputs[{k!r}] should be a Tensor, got {type(v).__name__}")
        names[id(v)] = str(k)
    return records, names


# ---- replay ------------------------------------------------------------------------------------------

def replay(records, root, leaf_map, expand):
    """Run the recorded ops again on new tensors with the tracer on (expanding composites if asked).

    `leaf_map` maps id(old leaf) -> new leaf. Returns (new records, new root, map id(old) -> new tensor).
    """
    Tensor = _Tensor()
    made = dict(leaf_map)
    keep = []

    def new(x):
        if isinstance(x, Tensor):
            return made.get(id(x), x)
        return x

    tr = Tracer()
    with tracing(tr):
        for op, inputs, params, out in records:
            args = [new(x) for x in inputs]
            keep.append(out)
            if out.grad_fn is None and any(isinstance(x, Tensor) and x.requires_grad for x in args):
                made[id(out)] = out.detach()       # computed under no_grad: a constant for the graph
                continue
            res = None
            if expand and op.name in EXPANSIONS:
                res = EXPANSIONS[op.name](*args, **(params or {}))
            if res is None:
                if op.traced is not None:
                    res = op.traced(*args, **(params or {}))
                else:
                    datas = tuple(x._data if isinstance(x, Tensor) else x for x in args)
                    res = apply(op, tuple(args), datas, params)
            made[id(out)] = res
    new_root = made.get(id(root), root)
    return tr.forward, new_root, made


# ---- building the explanation --------------------------------------------------------------------------

def _greek_key(s):
    return s.lstrip("\\")


def build(records, root, leaf_names, labels, output=None, names=None, fold=True, source=None):
    """Turn replayed records into an Explanation: Vars, forward steps, then one backward pass."""
    from .explanation import Explanation
    Tensor = _Tensor()
    if not isinstance(root, Tensor):
        raise TypeError(f"explain: the function should return a bibun Tensor, got {type(root).__name__}")
    if root._data.size != 1:
        raise ValueError(f"explain: the result has shape {tuple(root.shape)}; the chain rule is shown for one "
                         f"number, so reduce it first (.sum() or .mean()) or pick one element")
    by_out = {id(r[3]): k for k, r in enumerate(records)}
    if id(root) not in by_out:
        raise ValueError("explain: the result was not computed by any operation (it is an input or a constant)")
    kept = _needed(records, by_out, root, Tensor)

    # variables: leaves and constants first, in the order they are met
    vars_, var_of = [], {}
    auto_leaf = (f"theta{i}" for i in range(1, 10 ** 6))
    taken = set(leaf_names.values()) | set(labels.values()) | ({output} if output else set())

    def new_var(name, kind, value, rg=False):
        v = Var(len(vars_), name, kind, value, rg)
        vars_.append(v)
        return v

    def leaf_var(x):
        if not isinstance(x, Tensor):
            return new_var(Name(fmt.num(x), fmt.num(x)), "number", np.asarray(x, dtype=float))
        if id(x) in var_of:
            return var_of[id(x)]
        if id(x) in leaf_names:
            v = new_var(user_name(leaf_names[id(x)]), "input" if x.requires_grad else "const", x._data,
                        x.requires_grad)
        elif x.requires_grad:
            nm = next(n for n in auto_leaf if n not in taken)
            v = new_var(user_name(nm), "input", x._data, True)
        elif x._data.size == 1:
            s = fmt.num(x._data.reshape(()))
            v = new_var(Name(s, s), "number", x._data)
            return v
        else:
            s_text, s_tex = fmt.array(x._data, "text"), fmt.array(x._data, "math")
            v = new_var(Name(s_tex, s_text), "const", x._data)
        var_of[id(x)] = v
        return v

    forward = []
    for k in kept:
        op, inputs, params, out = records[k]
        ins = []
        for x in inputs:
            if isinstance(x, Tensor) and id(x) in var_of:
                ins.append(var_of[id(x)])
            else:
                ins.append(leaf_var(x))
        v = new_var(None, "value", out._data, out.requires_grad)
        var_of[id(out)] = v
        step = ForwardStep(len(forward), op, v, tuple(ins), params, None)
        v.step = step
        forward.append(step)
    root_var = var_of[id(root)]
    root_var.kind = "output"

    _name_intermediates(forward, root_var, records, kept, labels, output, names, taken, vars_)
    for step in forward:
        consts = {i: v.name.tex for i, v in enumerate(step.inputs) if v.kind == "number" and fold}
        step.label = op_label(step.op.name, step.op.symbol, consts, len(step.inputs),
                              [np.ndim(v.value) for v in step.inputs])

    backward = _backward(root, root_var, forward, records, kept, var_of, vars_)
    return Explanation(vars_, forward, backward, root_var, source=source, fold=fold)


def _needed(records, by_out, root, Tensor):
    """Indices of the records the root depends on, in the order they ran."""
    need, stack = set(), [by_out[id(root)]]
    while stack:
        k = stack.pop()
        if k in need:
            continue
        need.add(k)
        for x in records[k][1]:
            if isinstance(x, Tensor) and id(x) in by_out:
                stack.append(by_out[id(x)])
    return [k for k in range(len(records)) if k in need]


def _name_intermediates(forward, root_var, records, kept, labels, output, names, taken, vars_):
    outs = [records[k][3] for k in kept]
    for step, t in zip(forward, outs):
        if id(t) in labels:
            step.out.name = user_name(labels[id(t)])
    if output is not None:
        root_var.name = user_name(output)
    elif root_var.name is None:
        used = {v.name.text for v in vars_ if v.name is not None}
        root_var.name = user_name(next(n for n in ("y", "l", "L", "out", "result") if n not in used))
    inter = [s.out for s in forward if s.out.name is None]
    seq = None
    rename = {}
    if names is not None:
        if isinstance(names, dict):
            rename = {_greek_key(str(k)): str(v) for k, v in names.items()}
        else:
            seq = [str(n) for n in names]
            if len(seq) > len(inter):
                raise ValueError(f"explain: {len(seq)} names given for {len(inter)} intermediate results")
    used = {v.name.text for v in vars_ if v.name is not None} | set(taken)
    if seq:
        for v, n in zip(inter, seq):
            v.name = user_name(n)
            used.add(v.name.text)
        inter = inter[len(seq):]
    gen = greek_names(used)
    for v in inter:
        v.name = next(gen)
    if rename:
        from ._format import GREEK_TEXT
        back = {t: g for g, t in GREEK_TEXT.items()}
        for s in forward:
            key = s.out.name.tex.lstrip("\\")
            alt = back.get(s.out.name.text, None)
            for k in (key, s.out.name.text, alt):
                if k is not None and k in rename:
                    s.out.name = user_name(rename[k])
                    break
    seen = {}
    for v in vars_:
        if v.kind in ("number",) or v.name is None:
            continue
        if v.name.text in seen and seen[v.name.text] is not v:
            raise ValueError(f"explain: the name {v.name.text!r} is given to two different quantities")
        seen[v.name.text] = v


def _backward(root, root_var, forward, records, kept, var_of, vars_):
    """Run root.backward() with the tracer on; return the backward steps in breadth-first order from the
    root (the chapter's order: a node's inputs in order, then theirs), with the seed first."""
    if not root.requires_grad:
        return []
    tr = Tracer()
    with tracing(tr):
        root.backward()
    step_of_node = {}
    for step, k in zip(forward, kept):
        t = records[k][3]
        if t.grad_fn is not None:
            step_of_node[id(t.grad_fn)] = step
    entries = {}
    for node, g, got in tr.backward:
        step = step_of_node.get(id(node))
        if step is not None:
            entries[step.index] = (g, got)
    # how many gradients flow into each var (uses), and into each producing step (for the walk order)
    uses, deps = {}, {}
    for si, (g, got) in entries.items():
        step = forward[si]
        for i, gi, lv in got:
            v = step.inputs[i]
            uses[v.id] = uses.get(v.id, 0) + 1
            if v.step is not None:
                deps[v.step.index] = deps.get(v.step.index, 0) + 1
    steps = [BackwardStep(0, None, None, root_var, root_var, None, None, np.ones_like(root_var.value, float))]
    root_var.grad = np.ones_like(root_var.value, dtype=float)
    parts = {}
    queue = deque([root_var.step.index]) if root_var.step.index in entries else deque()
    while queue:
        si = queue.popleft()
        step = forward[si]
        g, got = entries[si]
        step.out.grad = g
        for i, gi, lv in got:
            v = step.inputs[i]
            b = BackwardStep(len(steps), step, i, v, root_var, g, lv, gi)
            b.uses = uses[v.id]
            if lv is not None and np.shape(np.asarray(g) * lv) != np.shape(gi):
                b.summed = True
            parts.setdefault(v.id, []).append(gi)
            if len(parts[v.id]) == uses[v.id]:
                total = parts[v.id][0]
                for p in parts[v.id][1:]:
                    total = total + p
                v.grad = total
                if uses[v.id] > 1:
                    b.total, b.parts = total, tuple(parts[v.id])
            steps.append(b)
            if v.step is not None:
                deps[v.step.index] -= 1
                if deps[v.step.index] == 0 and v.step.index in entries:
                    queue.append(v.step.index)
    return steps
