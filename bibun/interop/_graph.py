"""One forward pass of a bibun module, recorded as plain data through the engine's tracer hook.

A Graph is what PyTorch and ONNX are given: its steps are bibun's own primitive ops (the op table's names
and parameters), in the order they ran, each reading the graph's inputs, the module's parameters (by their
state_dict names), constants, or earlier steps. With `calls` the calls to the sub-modules it picks are
kept as single steps (`op == "call"`, naming the sub-module's path), so that a translated sub-module runs as
itself: a Dropout stays a Dropout, a BatchNorm becomes ONNX's BatchNormalization. The module is recorded in
eval mode (a dropout mask drawn inside a forward would otherwise become a constant) and put back in the modes
it was in.
"""
import numpy as np

from ..autograd import engine


class Ref:
    """Where a step's argument comes from: kind is "input" (index), "param" (state_dict name), "const"
    (a NumPy array or a Python number), or "step" (index of an earlier step)."""
    __slots__ = ("kind", "value")

    def __init__(self, kind, value):
        self.kind, self.value = kind, value

    def __repr__(self):
        return f"{self.kind}:{self.value if self.kind != 'const' else np.shape(self.value)}"


class Step:
    __slots__ = ("op", "args", "params", "shape", "dtype", "path", "in_shape")

    def __init__(self, op, args, params, out, path=None, in_shape=None):
        self.op, self.args, self.params, self.path = op, args, dict(params or {}), path
        self.shape, self.dtype = tuple(out.shape), out._data.dtype
        self.in_shape = in_shape        # the first input's shape when recorded


class Graph:
    def __init__(self, steps, inputs, outputs, single):
        self.steps = steps          # [Step], in the order they ran
        self.inputs = inputs        # [(shape, dtype)] of the example inputs
        self.outputs = outputs      # [Ref]
        self.single = single        # whether forward returned one tensor (not a tuple)

    def used_params(self):
        return sorted({a.value for s in self.steps for a in s.args if a.kind == "param"})


class _Recorder:
    def __init__(self):
        self.events = []            # (op name, inputs, params, out tensor, sub-module path or None)
        self.depth = 0              # > 0 inside a sub-module call recorded as one step

    def on_forward(self, op, inputs, params, out, datas=None):
        self.events.append((op.name, inputs, params, out, None))

    def on_backward(self, node, g, grads):
        pass


def _calling_class(cls, path_of, rec):
    """A subclass of `cls` whose calls run the real forward with the recording paused and are recorded as one
    "call" step naming the sub-module's path; calls inside a call already recorded are not recorded again."""
    def __call__(self, *args, **kwargs):
        if rec.depth:
            return cls.__call__(self, *args, **kwargs)
        if kwargs:
            raise TypeError(f"{path_of[id(self)]} was called with keyword arguments; a recorded forward passes "
                            f"sub-modules their inputs by position")
        rec.depth += 1
        prev = engine.set_tracer(None)
        try:
            out = cls.__call__(self, *args)
        finally:
            engine.set_tracer(prev)
            rec.depth -= 1
        rec.events.append(("call", args, None, out, path_of[id(self)]))
        return out
    return type(cls.__name__, (cls,), {"__call__": __call__, "__module__": cls.__module__,
                                       "__qualname__": cls.__qualname__})


def _keep_calls(module, keep, rec):
    """Make every module that `keep` picks (the module itself included) record its calls as single steps;
    returns what undoes it."""
    path_of, classes, undo = {}, {}, []
    for path, m in module.named_modules():
        if keep(m):
            cls = type(m)
            path_of[id(m)] = path
            if cls not in classes:
                classes[cls] = _calling_class(cls, path_of, rec)
            object.__setattr__(m, "__class__", classes[cls])
            undo.append((m, cls))
    return undo


def record(module, inputs, calls=None):
    """The Graph of `module(*inputs)`; `inputs` are bibun Tensors. `calls` picks the sub-modules (at any depth)
    whose calls stay single steps (the outermost call wins; `module` itself may be one); None records every op."""
    from .._tensor import Tensor
    names = {}
    for name, p in module.state_dict(keep_vars=True).items():
        names.setdefault(id(p), name)
    rec = _Recorder()
    modes = [(m, m.training) for m in module.modules()]       # each its own: a container may mix them
    undo = _keep_calls(module, calls, rec) if calls is not None else ()
    module.eval()
    prev = engine.set_tracer(rec)
    try:
        out = module(*inputs)
    finally:
        engine.set_tracer(prev)
        for m, cls in undo:
            object.__setattr__(m, "__class__", cls)
        for m, mode in modes:
            m.training = mode
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if not outs or not all(isinstance(o, Tensor) for o in outs):
        raise TypeError(f"{type(module).__name__}.forward returned {type(out).__name__}; only a tensor or a tuple "
                        f"of tensors can be translated")

    where = {id(x): Ref("input", i) for i, x in enumerate(inputs)}
    keep = list(inputs)             # every tensor seen stays alive, so that its id stays its own

    def ref(x):
        if isinstance(x, Tensor):
            r = where.get(id(x))
            if r is not None:
                return r
            if id(x) in names:
                return Ref("param", names[id(x)])
            keep.append(x)
            return Ref("const", np.array(x._data, copy=True))
        if isinstance(x, (bool, int, float, np.generic)):
            return Ref("const", x)
        if x is None:
            return Ref("const", None)
        raise TypeError(f"an op received {type(x).__name__}, which cannot be recorded")

    steps = []
    for op, args, params, t, path in rec.events:
        first = tuple(args[0].shape) if args and isinstance(args[0], Tensor) else None
        steps.append(Step(op, [ref(a) for a in args], params, t, path, first))
        keep.append(t)
        where[id(t)] = Ref("step", len(steps) - 1)
    outputs = [ref(o) for o in outs]
    steps, outputs = _prune(steps, outputs)
    return Graph(steps, [(tuple(x.shape), x._data.dtype) for x in inputs], outputs,
                 not isinstance(out, (tuple, list)))


def _prune(steps, outputs):
    """Only the steps the outputs depend on, renumbered."""
    need = set()
    todo = [r.value for r in outputs if r.kind == "step"]
    while todo:
        j = todo.pop()
        if j not in need:
            need.add(j)
            todo += [a.value for a in steps[j].args if a.kind == "step"]
    new_index = {}
    kept = []
    for j, s in enumerate(steps):
        if j in need:
            new_index[j] = len(kept)
            s.args = [Ref("step", new_index[a.value]) if a.kind == "step" else a for a in s.args]
            kept.append(s)
    outs = [Ref("step", new_index[r.value]) if r.kind == "step" else r for r in outputs]
    return kept, outs


def batch_free_shape(step):
    """A reshape's target after its leading dimension, when that dimension was the input's (the batch
    dimension of a Flatten or a view(n, -1)) and so is left to the input; None where the recorded shape
    must stay as it is."""
    shape, in_shape = tuple(step.params["shape"]), step.in_shape
    if shape and in_shape and shape[0] == in_shape[0] and shape[0] != -1 and step.shape[0] == in_shape[0]:
        return shape[1:]
    return None
