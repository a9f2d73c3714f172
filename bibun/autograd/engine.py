"""The backward engine: one iterative topological walk for `Tensor.backward` and `autograd.grad`.

No recursion (a 100,000-op chain works), each node visited once, gradients summed per node in a
dict local to the walk, broadcast gradients reduced in one place (`sum_to`), and what each node
saved dropped afterwards unless `retain_graph=True`.
"""
import sys
import threading

import numpy as np

from . import _messages, grad_mode, saved, version_counter

# what the walk builds with, made in the layers above and handed down once by `bind`
Tensor = None           # the Tensor class (bibun._tensor)
traced_numpy = None     # NumPy's names that record (bibun.numpy): VJPs against it build a graph of the gradient
raw_numpy = None        # NumPy's names for the VJPs of a plain backward (bibun.ops)


def bind(*, tensor=None, traced=None, raw=None):
    """The binding step: the layers above hand the engine the Tensor class and the two NumPy namespaces its
    VJPs run against, once each, when they are imported (the engine never imports upward)."""
    global Tensor, traced_numpy, raw_numpy
    Tensor = tensor or Tensor
    traced_numpy = traced or traced_numpy
    raw_numpy = raw or raw_numpy
# while some thread records (bibun.explain, detect_anomaly): a _Tracers that hands each event to that
# thread's own tracer; None otherwise, which costs one comparison per op
tracer = None


class _Tracers:
    __slots__ = ("by_thread",)

    def __init__(self, by_thread):
        self.by_thread = by_thread

    def here(self):
        return self.by_thread.get(threading.get_ident())

    def on_forward(self, op, inputs, params, out, datas):
        t = self.by_thread.get(threading.get_ident())
        if t is not None:
            t.on_forward(op, inputs, params, out, datas)

    def notify(self, event, *args):
        """Any other event (bibun.jit's: in-place changes, optimizer steps, reads that would freeze a value):
        this thread's tracer gets it if it has a method of that name."""
        f = getattr(self.by_thread.get(threading.get_ident()), event, None)
        if f is not None:
            f(*args)


_tracers_lock = threading.Lock()

# arrays of at least this many elements may take their gradient in place (see run_backward)
IN_PLACE_MIN = 2 ** 14
_refcount = sys.getrefcount

# whether any gradient hook was ever registered (Tensor.register_hook): until then the walk never looks
hooked = False


def hooks_used():
    global hooked
    hooked = True


def _run_hooks(hooks, g, wrap):
    """Pass the gradient through the user's hooks; a hook returning a tensor replaces it."""
    for h in list(hooks):
        t = g if isinstance(g, Tensor) else wrap(g)
        r = h(t)
        if r is not None:
            if not isinstance(r, Tensor) or tuple(r.shape) != tuple(t.shape):
                raise RuntimeError(f"a gradient hook must return None or a tensor of the gradient's shape "
                                   f"{tuple(t.shape)}, but {getattr(h, '__name__', 'the hook')} returned "
                                   f"{type(r).__name__ if not isinstance(r, Tensor) else tuple(r.shape)}")
            g = r if isinstance(g, Tensor) else r._data
    return g


def current_tracer():
    """This thread's tracer, or None."""
    t = tracer
    return t.here() if t is not None else None


def set_tracer(t):
    """Make `t` (an object with on_forward and on_backward, or None) this thread's tracer; return the one
    it replaces. Other threads' operations never reach it."""
    global tracer
    with _tracers_lock:
        by_thread = dict(tracer.by_thread) if tracer is not None else {}
        prev = by_thread.pop(threading.get_ident(), None)
        if t is not None:
            by_thread[threading.get_ident()] = t
        tracer = _Tracers(by_thread) if by_thread else None
    return prev


def sum_to(g, shape, xp):
    """Sum a broadcast gradient back to `shape`: leading axes away, then size-1 axes kept."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    if lead:
        g = xp.reshape(g, shape)
    return g


def _inputs_then(node):
    """The inputs as they were when `node` ran; called only when the clock moved since.

    An in-place op under grad mode gives a tensor a new history (`Tensor._rebase`) and leaves the old
    array alone, so a node that used the tensor before still backpropagates into the history it saw.
    What the node's VJPs read must not have changed since, as PyTorch checks (see `saved`)."""
    made = node.made_at
    reads_out, per_vjp = saved.reads(node.op, len(node.inputs))
    if reads_out and getattr(node, "out_changed", None) is not None:
        raise RuntimeError(_messages.output_modified(node))
    read = set()
    for j, need in enumerate(node.needs):
        if need:
            read |= per_vjp[j]
    then = []
    for i, x in enumerate(node.inputs):
        if isinstance(x, Tensor) and x._version > made:
            if i in read:
                raise RuntimeError(_messages.modified_in_place(node, x))
            past = getattr(x, "_past", None)
            while past is not None and past[0] > made:      # (when it was rebased, the tensor before)
                x = past[1]
                past = getattr(x, "_past", None)
        then.append(x)
    return tuple(then)


def _count_consumers(starts, roots):
    """How many consumers feed each node reachable from `starts` (Kahn's algorithm, no recursion), and the
    inputs as they were when each node ran, for the nodes that ran before something changed in place."""
    now = version_counter.now
    then = {}
    deps = dict.fromkeys(starts, 0)
    todo = list(starts)
    while todo:
        n = todo.pop()
        if n.inputs is None:
            raise RuntimeError(_messages.freed_graph(n, roots))
        ins = n.inputs
        if n.made_at < now:                         # something changed in place since this op ran
            ins = then[n] = _inputs_then(n)
        for x, need in zip(ins, n.needs):
            if need:
                p = x.grad_fn
                if p is not None:
                    if p in deps:
                        deps[p] += 1
                    else:
                        deps[p] = 1
                        todo.append(p)
    return deps, then


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, capture=None):
    """Propagate `root_grads` from `roots` down the graph.

    With `capture` None, gradients of leaves accumulate into `.grad` (Tensor.backward). Otherwise
    `capture` is a list of tensors and their gradients are returned instead (autograd.grad).

    Long because it is the hot loop of every training step: the work per node and per input is written
    out in place (a helper call per node would cost several percent of a small step).
    """
    tr = tracer.here() if tracer is not None else None
    if tr is not None and hasattr(tr, "run_backward"):      # bibun.jit records the walk with its own copy
        got = tr.run_backward(roots, root_grads, retain_graph, create_graph, capture)
        if got is not NotImplemented:
            return got
    wrap = Tensor._wrap
    xp = traced_numpy if create_graph else raw_numpy
    grads = {}                    # node -> gradient of its output, summed over its consumers
    handed = set()                # ids of arrays stored somewhere already: never add into them in place
    results = cap_leaf = cap_node = None
    if capture is not None:
        results = [None] * len(capture)
        cap_leaf = {id(t): i for i, t in enumerate(capture) if t.grad_fn is None}
        cap_node = {t.grad_fn: i for i, t in enumerate(capture) if t.grad_fn is not None}

    starts = []
    for t, g in zip(roots, root_grads):
        n = t.grad_fn
        handed.add(id(g))         # the caller's array: never stored as is, never added into
        if n is None:             # a leaf as root: its gradient is the seed itself
            _deliver(t, g, capture, cap_leaf, results, handed, create_graph, wrap)
            continue
        if n in grads:
            grads[n] = grads[n] + g
        else:
            grads[n] = g
            starts.append(n)

    deps, then = _count_consumers(starts, roots)
    ready = [n for n in starts if deps[n] == 0]

    was_enabled = grad_mode._set(create_graph)
    try:
        while ready:
            n = ready.pop()
            g = grads.pop(n)
            if hooked and getattr(n, "hooks", None):
                g = _run_hooks(n.hooks, g, wrap)
            if n.retained is not None and n.retained() is not None:
                _accumulate(n.retained(), g, handed, create_graph, wrap)
            if cap_node and n in cap_node:
                results[cap_node[n]] = g
            inputs = then.get(n, n.inputs) if then else n.inputs
            op, params = n.op, n.params or _NO_PARAMS
            if create_graph:
                args = inputs
                # the output as a tensor made by this node, so that differentiating a VJP that reads it goes
                # back through this node, as PyTorch's saved outputs do (not running the op again: its inputs'
                # values may have been let go of, see release.py)
                out = wrap(n.out, True)
                out.grad_fn = n
                if not isinstance(g, Tensor):
                    g = wrap(g)
            else:
                args = n.datas
                out = n.out
            vjp = op.vjp
            step = [] if tr is not None else None
            # on big arrays, the last VJP of this node may write into g when nothing else holds g (its
            # in-place form: the same NumPy calls, so the same bits); the next results then reuse g's memory
            # while it is still in the cache
            into = op.vjp_into if (op.vjp_into is not None and tr is None and not create_graph and not params
                                   and type(g) is np.ndarray and g.size >= IN_PLACE_MIN) else None
            last = len(n.needs) - 1 - n.needs[::-1].index(True) if into is not None else -1
            i = -1
            for x, need in zip(inputs, n.needs):
                i += 1
                if not need:
                    continue
                if op.variadic:
                    gi = vjp[0](i, xp, g, out, *args, **params)
                elif params:
                    gi = vjp[i](xp, g, out, *args, **params)
                elif into is None:
                    gi = vjp[i](xp, g, out, *args)
                else:
                    gi = None       # (the last gradient may be g: let go of it before g's holders are counted)
                    if i == last and into[i] is not None and g.base is None and g.flags.writeable \
                            and g.shape == out.shape and _refcount(g) == 2:     # g here and the count's own
                        gi = into[i](g, out, *args)
                    if gi is None:
                        gi = vjp[i](xp, g, out, *args)
                xd = x._data
                if gi.shape != xd.shape:
                    gi = sum_to(gi, xd.shape, xp)
                if not create_graph and gi.dtype != xd.dtype:
                    if xd.dtype.kind != "f":
                        raise RuntimeError(_messages.int_requires_grad(x))
                    gi = gi.astype(xd.dtype)
                if step is not None:
                    step.append((i, gi))
                p = x.grad_fn
                if p is None:
                    if hooked and getattr(x, "hooks", None):
                        gi = _run_hooks(x.hooks, gi, wrap)
                    if capture is None and x._grad is None and not create_graph and type(gi) is np.ndarray \
                            and gi.base is None and id(gi) not in handed:   # the common case, inlined: a fresh array
                        handed.add(id(gi))
                        x._grad = wrap(gi)
                    else:
                        _deliver(x, gi, capture, cap_leaf, results, handed, create_graph, wrap)
                    continue
                if p in grads:
                    grads[p] = grads[p] + gi
                else:
                    grads[p] = gi
                deps[p] -= 1
                if deps[p] == 0:
                    ready.append(p)
            if step is not None:
                tr.on_backward(n, g, step)
            if not retain_graph:
                n.inputs = n.datas = n.out = None
    finally:
        grad_mode._set(was_enabled)
    return results


_NO_PARAMS = {}


def _deliver(t, g, capture, cap_leaf, results, handed, create_graph, wrap):
    """A leaf's gradient goes to its .grad, or to the results when autograd.grad asked for it."""
    if capture is None:
        if t.requires_grad:
            _accumulate(t, g, handed, create_graph, wrap)
    elif id(t) in cap_leaf:
        k = cap_leaf[id(t)]
        results[k] = g if results[k] is None else results[k] + g


def _accumulate(t, g, handed, create_graph, wrap):
    """Add `g` into `t.grad`, never into an array that something else still holds."""
    old = t._grad
    if create_graph:
        if not isinstance(g, Tensor):
            g = wrap(g)
        t._grad = g if old is None else old + g
        return
    if isinstance(g, Tensor):
        g = g._data
    elif type(g) is not np.ndarray:       # a NumPy scalar (0-d ops give those): .grad holds an array
        g = np.array(g)
    if old is None:
        if g.base is not None or id(g) in handed or not g.flags.writeable:
            g = g.copy()
        handed.add(id(g))
        t._grad = wrap(g)
        return
    if old._version == version_counter.STEPPED and old._data.any():
        _messages.warn_not_zeroed(t)      # adding onto a gradient an optimizer step already used
    if old.grad_fn is not None or old._data.shape != g.shape:
        t._grad = wrap(old._data + g)
    elif id(old._data) in handed:
        # stored during this walk: the same array may still be the pending gradient of another node
        old._data = old._data + g
    else:
        old._data += g


def _seed(t, g, create_graph):
    """The gradient a root starts from, with the checks PyTorch makes, worded to say what to do."""
    if not isinstance(t, Tensor):
        raise TypeError(f"backward needs bibun Tensors, got {type(t).__name__}")
    if not t.requires_grad:
        raise RuntimeError(_messages.not_connected(t))
    if t._data.dtype.kind != "f":
        raise RuntimeError(_messages.int_requires_grad(t))
    if g is None:
        if t._data.size != 1:
            raise RuntimeError(_messages.not_scalar(t))
        return Tensor._wrap(np.ones_like(t._data)) if create_graph else _ones(t._data)
    if isinstance(g, Tensor):
        g = g if create_graph else g._data
    else:
        g = np.asarray(g, dtype=t._data.dtype)
    if tuple(g.shape) != tuple(t._data.shape):
        raise RuntimeError(f"the gradient passed to backward has shape {tuple(g.shape)} but the tensor has "
                           f"shape {tuple(t._data.shape)}; they must match")
    return g


_ONES = {}


def _ones(a):
    """The seed 1 for a one-element root: one read-only array per shape and dtype, never written to
    (the walk records it as handed out, so nothing adds into it in place)."""
    key = (a.shape, a.dtype)
    one = _ONES.get(key)
    if one is None:
        one = _ONES[key] = np.ones(a.shape, a.dtype)
        one.flags.writeable = False
    return one


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of `tensors` into the `.grad` of the leaves (torch.autograd.backward)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    seeds = [_seed(t, g, create_graph) for t, g in zip(tensors, grad_tensors)]
    if create_graph:
        _messages.warn_create_graph_cycle()
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
    given = set()
    for x, g in zip(inputs, got):
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            out.append(None)
        elif isinstance(g, Tensor):
            out.append(g)
        else:
            # each result its own writable array: not a NumPy scalar, a read-only broadcast, or shared
            g = np.array(g) if type(g) is not np.ndarray else g
            if g.base is not None or not g.flags.writeable or id(g) in given:
                g = g.copy()
            given.add(id(g))
            out.append(Tensor._wrap(g))
    return tuple(out)


def zero_grads(params, set_to_none=True):
    """What Module.zero_grad and Optimizer.zero_grad do: drop each .grad (or fill it with zeros)."""
    if tracer is not None:
        params = list(params)
        tracer.notify("on_effect", zero_grads, (params, set_to_none))
    for p in params:
        if p._grad is not None:
            if set_to_none:
                p._grad = None
            else:
                p._grad._data[...] = 0
                p._grad._version = 0
