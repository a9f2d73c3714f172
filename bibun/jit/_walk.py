"""The backward walk, recorded: the engine's walk (engine.run_backward) step for step, in the same order, with
each VJP call, sum_to, cast and sum of gradients made through the recorder, so that it runs now and becomes
steps of the plan. The same consumer counts and the same ready stack as the engine's give the same order of
additions, hence the same bits."""
import numpy as np

from ..autograd import engine, grad_mode
from . import _errors, _steps
from ._errors import TraceError

_NO_PARAMS = {}


def record_backward(rec, roots, root_grads, retain_graph, create_graph, capture):
    if create_graph:
        if capture is None:
            raise TraceError(_errors.create_graph_backward())
        return NotImplemented               # the engine's own walk: its VJPs are ops, recorded as forwards
    xp = engine.raw_numpy
    xp_slot = rec.const(xp)
    grads = {}                              # node -> slot of the gradient of its output
    results = cap_leaf = cap_node = None
    if capture is not None:
        results = [None] * len(capture)
        cap_leaf = {id(t): i for i, t in enumerate(capture) if t.grad_fn is None}
        cap_node = {t.grad_fn: i for i, t in enumerate(capture) if t.grad_fn is not None}
    starts = []
    for t, g in zip(roots, root_grads):
        gs = rec.data(g)
        n = t.grad_fn
        if n is None:
            _to_leaf(rec, t, gs, capture, cap_leaf, results)
            continue
        if n in grads:
            grads[n] = rec.call("add", _steps.add, (grads[n], gs), None, "add")
        else:
            grads[n] = gs
            starts.append(n)

    deps, then = engine._count_consumers(starts, roots)
    ready = [n for n in starts if deps[n] == 0]
    was_enabled = grad_mode._set(False)
    try:
        while ready:
            n = ready.pop()
            g = grads.pop(n)
            if engine.hooked and getattr(n, "hooks", None):
                raise TraceError(_errors.hooks())
            if n.retained is not None and n.retained() is not None:
                raise TraceError(_errors.retain_grad())
            if cap_node and n in cap_node:
                results[cap_node[n]] = g
            inputs = then.get(n, n.inputs) if then else n.inputs
            op, params = n.op, n.params or _NO_PARAMS
            # the forward's inputs and output as the node saw them: slots of the trace (or live arrays)
            args = [rec.data(d, x if isinstance(x, engine.Tensor) else None) for d, x in zip(n.datas, n.inputs)]
            out = rec.data(n.out)
            for i, (x, need) in enumerate(zip(inputs, n.needs)):
                if not need:
                    continue
                fn = _steps.vjp_of(op.vjp[0], i) if op.variadic else op.vjp[i]
                gi = rec.call("vjp", fn, (xp_slot, g, out, *args), params or None,
                              f"{op.name}.vjp[{i}]" if len(n.needs) > 1 else f"{op.name}.vjp")
                xd = x._data
                v = rec.values[gi]
                if v.shape != xd.shape:
                    gi = rec.call("sum_to", engine.sum_to, (gi, rec.const(xd.shape), xp_slot), None, "sum_to")
                    v = rec.values[gi]
                if v.dtype != xd.dtype:
                    if xd.dtype.kind != "f":
                        from ..autograd import _messages
                        raise RuntimeError(_messages.int_requires_grad(x))
                    gi = rec.call("cast", _steps.astype, (gi, rec.const(xd.dtype)), None, "astype")
                p = x.grad_fn
                if p is None:
                    if engine.hooked and getattr(x, "hooks", None):
                        raise TraceError(_errors.hooks())
                    _to_leaf(rec, x, gi, capture, cap_leaf, results)
                    continue
                if p in grads:
                    grads[p] = rec.call("add", _steps.add, (grads[p], gi), None, "add")
                else:
                    grads[p] = gi
                deps[p] -= 1
                if deps[p] == 0:
                    ready.append(p)
            if not retain_graph:
                n.inputs = n.datas = n.out = None
    finally:
        grad_mode._set(was_enabled)
    if results is None:
        return None
    # what autograd.grad hands back: arrays of their own, each made by a recorded step
    got, given = [], set()
    for s in results:
        if s is None:
            got.append(None)
            continue
        v = rec.values[s]
        if type(v) is not np.ndarray or v.base is not None or not v.flags.writeable or s in given \
                or rec.sources[s][0] != "step":
            s = rec.call("result", _steps.copy, (s,), None, "copy")
        given.add(s)
        got.append(rec.values[s])
    return got


def _to_leaf(rec, t, gs, capture, cap_leaf, results):
    if capture is None:
        if t.requires_grad:
            ts, is_tensor = rec.target(t, ".grad")
            if not is_tensor:
                raise TraceError(_errors.made_inside("backward() into"))
            v = _steps.deliver(t, rec.values[gs])       # now, while tracing; the replay repeats it
            rec.record("grad", _steps.deliver, (ts, gs), None, v, "grad")
    elif id(t) in cap_leaf:
        k = cap_leaf[id(t)]
        results[k] = gs if results[k] is None else rec.call("add", _steps.add, (results[k], gs), None, "add")
