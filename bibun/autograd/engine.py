"""The backward engine: one iterative topological walk for `Tensor.backward` and `autograd.grad`.

No recursion (a 100,000-op chain works), each node visited once, gradients summed per node in a
dict local to the walk, broadcast gradients reduced in one place (`sum_to`), and what each node
saved dropped afterwards unless `retain_graph=True`.
"""
import numpy as np

from . import grad_mode

# set by bibun._tensor / bibun.numpy at import time (the engine sits below them)
Tensor = None
traced_numpy = None
raw_numpy = None
# set by bibun.explain while it records; None costs one comparison per node
tracer = None


def sum_to(g, shape, xp):
    """Sum a broadcast gradient back to `shape`: leading axes away, then size-1 axes kept."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    if lead:
        g = xp.reshape(g, shape)
    return g


def _freed_error(node):
    return RuntimeError(
        f"Trying to backward through the graph a second time: the values saved by {node.op.grad_name} "
        "were freed by an earlier backward(). This happens when a tensor computed in an earlier "
        "iteration (or before the loop) is reused in a new loss. Fix: recompute it inside the loop, or "
        "cut it off the old graph with .detach(). Only if you really mean to backward through the same "
        "graph twice, pass retain_graph=True to the first backward().")


def _check_versions(node):
    for x, v in zip(node.inputs, node.versions):
        if v is not None and x._version != v:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: a tensor of shape {tuple(x.shape)} saved by {node.op.grad_name} is at version "
                f"{x._version}; expected version {v} instead. It was changed in place after {node.op.name} "
                f"used it (e.g. by `+=`, `.add_()`, `[...] =`). Fix: use the out-of-place form "
                f"(`x = x + ...`) or .clone() the tensor before changing it.")


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, capture=None):
    """Propagate `root_grads` from `roots` down the graph.

    With `capture` None, gradients of leaves accumulate into `.grad` (Tensor.backward). Otherwise
    `capture` is a list of tensors and their gradients are returned instead (autograd.grad).
    """
    wrap = Tensor._wrap
    xp = traced_numpy if create_graph else raw_numpy
    grads = {}                    # node -> gradient of its output, summed over consumers
    deps = {}                     # node -> number of consumers not yet processed
    handed = set()                # ids of arrays already stored somewhere: never add into them
    results = None
    if capture is not None:
        results = [None] * len(capture)
        cap_leaf = {id(t): i for i, t in enumerate(capture) if t.grad_fn is None}
        cap_node = {t.grad_fn: i for i, t in enumerate(capture) if t.grad_fn is not None}

    stack = []
    for t, g in zip(roots, root_grads):
        if t.grad_fn is None:      # a leaf as root: its gradient is the seed itself
            if capture is not None and id(t) in cap_leaf:
                results[cap_leaf[id(t)]] = g
            elif capture is None:
                _accumulate(t, g, handed, create_graph, wrap)
            continue
        handed.add(id(g))
        n = t.grad_fn
        if n in grads:
            grads[n] = grads[n] + g
        else:
            grads[n] = g
            stack.append(n)

    # count, for every node reachable from the roots, how many consumers feed it
    seen = list(stack)
    for n in seen:
        deps.setdefault(n, 0)
    todo = list(stack)
    while todo:
        n = todo.pop()
        if n.inputs is None:
            raise _freed_error(n)
        for x, need in zip(n.inputs, n.needs):
            if need:
                p = x.grad_fn
                if p is not None:
                    if p in deps:
                        deps[p] += 1
                    else:
                        deps[p] = 1
                        todo.append(p)
    ready = [n for n in stack if deps[n] == 0]

    with grad_mode.set_grad_enabled(create_graph):
        while ready:
            n = ready.pop()
            g = grads.pop(n)
            if n.retained is not None:
                t = n.retained()
                if t is not None:
                    _accumulate(t, g, handed, create_graph, wrap)
            if capture is not None and n in cap_node:
                results[cap_node[n]] = g
            if n.versions is not None:
                _check_versions(n)
            op, params = n.op, n.params or {}
            if create_graph:
                args = n.inputs
                out = op.traced(*args, **params)
                if not isinstance(g, Tensor):
                    g = wrap(g)
            else:
                args = tuple(x._data if isinstance(x, Tensor) else x for x in n.inputs)
                out = n.out
            step = [] if tracer is not None else None
            for i, (x, need) in enumerate(zip(n.inputs, n.needs)):
                if not need:
                    continue
                if op.variadic:
                    gi = op.vjp[0](i, xp, g, out, *args, **params)
                else:
                    gi = op.vjp[i](xp, g, out, *args, **params)
                shape = x._data.shape
                if gi.shape != shape:
                    gi = sum_to(gi, shape, xp)
                if not create_graph and gi.dtype != x._data.dtype:
                    gi = gi.astype(x._data.dtype)
                if step is not None:
                    step.append((i, gi))
                p = x.grad_fn
                if p is None:
                    if capture is None:
                        _accumulate(x, gi, handed, create_graph, wrap)
                    elif id(x) in cap_leaf:
                        k = cap_leaf[id(x)]
                        results[k] = gi if results[k] is None else results[k] + gi
                    continue
                if p in grads:
                    grads[p] = grads[p] + gi
                else:
                    grads[p] = gi
                deps[p] -= 1
                if deps[p] == 0:
                    ready.append(p)
            if step is not None:
                tracer.on_backward(n, g, step)
            if not retain_graph:
                n.inputs = None
                n.out = None
    return results


def _accumulate(t, g, handed, create_graph, wrap):
    """Add `g` into `t.grad`, never into an array that something else still holds."""
    if create_graph:
        if not isinstance(g, Tensor):
            g = wrap(g)
        t.grad = g if t.grad is None else t.grad + g
        return
    if isinstance(g, Tensor):
        g = g._data
    if t.grad is None:
        if id(g) in handed or not g.flags.owndata or not g.flags.writeable:
            g = g.copy()
        handed.add(id(g))
        t.grad = wrap(g)
    elif t.grad.grad_fn is not None or t.grad._data.shape != g.shape:
        t.grad = wrap(t.grad._data + g)
    else:
        t.grad._data += g


def _seed(t, g, create_graph):
    """The gradient a root starts from, with the checks PyTorch makes, worded to say what to do."""
    if not isinstance(t, Tensor):
        raise TypeError(f"backward needs bibun Tensors, got {type(t).__name__}")
    if not t.requires_grad:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a grad_fn: this tensor is not "
            "connected to anything that requires grad. " + _why_disconnected())
    if g is None:
        if t._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs: this tensor has shape "
                f"{tuple(t.shape)}. Reduce it to one number first (e.g. loss.sum() or loss.mean()), or "
                f"pass the gradient of the final result with respect to it: t.backward(gradient=...) "
                f"with a tensor of shape {tuple(t.shape)}.")
        return Tensor._wrap(np.ones_like(t._data)) if create_graph else np.ones_like(t._data)
    if isinstance(g, Tensor):
        g = g if create_graph else g._data
    else:
        g = np.asarray(g, dtype=t._data.dtype)
    if tuple(g.shape) != tuple(t._data.shape):
        raise RuntimeError(f"the gradient passed to backward has shape {tuple(g.shape)} but the tensor has "
                           f"shape {tuple(t._data.shape)}; they must match")
    return g


def _why_disconnected():
    if not grad_mode.is_grad_enabled():
        return "Grad mode is off here (inside `with no_grad()`): compute the loss outside it."
    return ("Check that the parameters were created with requires_grad=True and that the loss was "
            "computed from them with bibun operations: going through .item(), .numpy(), float() or "
            "NumPy functions, or .detach(), cuts the graph.")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of `tensors` into the `.grad` of the leaves (torch.autograd.backward)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    seeds = [_seed(t, g, create_graph) for t, g in zip(tensors, grad_tensors)]
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        got = run_backward(tensors, seeds, retain_graph, create_graph, capture=inputs)
        for t, g in zip(inputs, got):
            if g is not None:
                _accumulate(t, g, set(), create_graph, Tensor._wrap)
        return
    run_backward(tensors, seeds, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """The gradients of `outputs` with respect to `inputs`, returned instead of stored (torch.autograd.grad)."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    for x in inputs:
        if not x.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad: create it with "
                               "requires_grad=True (or call .requires_grad_() on it) before computing outputs")
    seeds = [_seed(t, g, create_graph) for t, g in zip(outputs, grad_outputs)]
    got = run_backward(outputs, seeds, retain_graph, create_graph, capture=inputs)
    out = []
    for x, g in zip(inputs, got):
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            out.append(None)
        else:
            out.append(g if isinstance(g, Tensor) else Tensor._wrap(g))
    return tuple(out)
