"""Recording: the tracer bibun.jit sets for its thread while the function runs once, eagerly.

It hears every op's forward (engine.tracer.on_forward), runs the backward walk itself while recording it
(_walk), and hears the other places that touch data: in-place changes, zero_grad, optimizer steps. Each becomes
a Step over slots. Arrays are told apart by identity: an array made during the trace has a slot; a tensor's
array without one is live (a parameter), read afresh at every replay."""
import numpy as np

from .._tensor import Tensor
from ..autograd import engine
from . import _errors, _steps, _walk
from ._errors import TraceError
from ._plan import Step, Plan, prune, mark_owned, output_slots
from ._simplify import drop_pass_through


class Recorder:
    def __init__(self, leaves):
        self.values = []          # slot -> the value it held while tracing
        self.sources = []         # slot -> where a replay gets it (see Plan.sources)
        self.slot_of = {}         # id(array) -> slot, for arrays received or made during the trace
        self.live_of = {}         # id(tensor) -> slot of its live array
        self.obj_of = {}          # id(object) -> slot, for constants and objects steps act on
        self.scalars = {}         # id(NumPy scalar) -> (slot, scalar): 0-d results handed back as numbers
        self.steps = []
        self.arg_obj = {}         # id(argument tensor) -> its slot as an object
        self.arg_slots = []
        for k, a in enumerate(leaves):
            d = a._data if isinstance(a, Tensor) else a
            self.arg_slots.append(self._slot(d, ("arg", k)))
            self.slot_of[id(d)] = self.arg_slots[-1]
            if isinstance(a, Tensor):
                self.arg_obj[id(a)] = self._slot(a, ("argobj", k))

    # -- slots ---------------------------------------------------------------------------------------
    def _slot(self, value, source):
        self.values.append(value)
        self.sources.append(source)
        return len(self.values) - 1

    def data(self, x, tensor=None):
        """The slot of an input value: an array made during the trace, a live tensor's array, or a constant."""
        if isinstance(x, np.ndarray):
            s = self.slot_of.get(id(x))
            if s is not None:
                return s
            if tensor is not None and tensor._data is x:
                s = self.live_of.get(id(tensor))
                if s is None:
                    s = self.live_of[id(tensor)] = self._slot(x, ("live", tensor))
                return s
        return self.const(x)

    def const(self, v):
        s = self.obj_of.get(id(v))
        if s is None:
            s = self.obj_of[id(v)] = self._slot(v, ("const", v))
        return s

    def target(self, t, what):
        """The slot through which a replay reaches tensor `t` to change it: the argument itself, the live
        tensor, or (a tensor made during the trace, or a .grad) its array."""
        s = self.arg_obj.get(id(t))
        if s is not None:
            return s, True
        s = self.slot_of.get(id(t._data))
        if s is not None:
            return s, False
        self.live_of.setdefault(id(t), None)
        return self.const(t), True

    def record(self, kind, fn, ins, kw, value, name):
        """Append a step whose result (while tracing) is `value`; returns the result's slot."""
        out = None
        if value is not None:
            out = self._slot(value, ("step",))
            self.slot_of[id(value)] = out
        fresh = type(value) is np.ndarray and value.base is None and value.flags.writeable
        self.steps.append(Step(kind, fn, ins, kw or None, out, name, fresh))
        return out

    def call(self, kind, fn, ins, kw, name):
        """Run fn on the values of slots `ins` now, and record it; a result that is one of its inputs (an
        identity VJP) adds no step."""
        vals = [self.values[s] for s in ins]
        v = fn(*vals, **kw) if kw else fn(*vals)
        for s, a in zip(ins, vals):
            if v is a and isinstance(a, np.ndarray):
                return s
        return self.record(kind, fn, ins, kw, v, name)

    # -- what the tracer hears --------------------------------------------------------------------------
    def on_forward(self, op, inputs, params, out, datas=None):
        if datas is None:
            raise TraceError(_errors.nested_tool())
        ins = []
        for x, d in zip(inputs, datas):
            if (isinstance(d, np.ndarray) and id(d) not in self.slot_of and isinstance(x, Tensor)
                    and x._data is not d and x._data.shape == d.shape):
                # a cast the op's wrapper made on the way in (dtype promotion, an int input to exp)
                src = self.data(x._data, x)
                ins.append(self.record("cast", _steps.astype, (src, self.const(d.dtype)), None, d, "astype"))
            else:
                ins.append(self.data(d, x if isinstance(x, Tensor) else None))
        o = out._data
        if id(o) in self.slot_of:
            return                          # the op handed back an array the trace already has
        fn = op.fwd if o.ndim else _steps.scalar_forward(op.fwd)
        self.record("forward", fn, ins, params, o, op.name)

    def on_numpy(self, f, args, r):
        """A NumPy call on tensors outside the op table (comparisons): recorded like a forward."""
        ins = [self.data(a._data, a) if isinstance(a, Tensor) else self.data(a) for a in args]
        self.record("forward", _steps.scalar_forward(f) if r.ndim == 0 else f, ins, None, r,
                    getattr(f, "__name__", "numpy"))

    def on_backward(self, node, g, step):
        pass                                # the engine's own walk (create_graph=True): its VJPs are ops, heard above

    def run_backward(self, roots, root_grads, retain_graph, create_graph, capture):
        return _walk.record_backward(self, roots, root_grads, retain_graph, create_graph, capture)

    def on_inplace(self, t, fn, args, what):
        s, is_tensor = self.target(t, what)
        f = _steps.into_tensor(fn, what) if is_tensor else fn
        self.record("inplace", f, (s,) + tuple(self.data(a) for a in args), None, None, what)

    def on_effect(self, fn, args):
        if fn is engine.zero_grads:
            params, set_to_none = args
            ins = (self.const(list(params)), self.const(set_to_none))
            self.record("zero_grad", fn, ins, None, None, "zero_grad")
        else:                               # an optimizer's update: the bound method, called with no argument
            owner = getattr(fn, "__self__", None)
            self.record("update", fn, (), None, None, f"{type(owner).__name__}.step()")

    def on_read(self, t, what):
        if id(t._data) in self.slot_of or t.requires_grad or id(t) in self.live_of:
            raise TraceError(_errors.frozen(what))

    def on_new_parameter(self):
        raise TraceError(_errors.new_parameter())

    def on_scalar(self, a, s):
        slot = self.slot_of.get(id(a))
        if slot is not None:
            self.scalars[id(s)] = (slot, s)

    # -- the end ---------------------------------------------------------------------------------------
    def finish(self, out, title):
        output = self._output(out)
        outputs = output_slots(output, set())
        steps = drop_pass_through(prune(self.steps, outputs), self.sources, self.values, outputs)
        mark_owned(steps, outputs)
        shapes = [_describe(v) for v in self.values]
        return Plan(title, steps, list(self.sources), shapes, output, list(self.arg_slots))

    def _output(self, out):
        if isinstance(out, Tensor):
            a = self.arg_obj.get(id(out))
            if a is not None:
                return ("slot", a)          # the argument itself
            s = self.slot_of.get(id(out._data))
            if s is not None:
                return ("tensor", s)        # computed: a new tensor over the replay's array
            return ("value", out)           # a parameter or a constant tensor: handed back itself
        if isinstance(out, np.ndarray):
            s = self.slot_of.get(id(out))
            if s is None:
                if out.flags.writeable and out.size and np.any(out):
                    raise TraceError(_errors.untraceable_output("array"))
                return ("copy", out)         # zeros (a gradient that does not depend on the argument)
            return ("slot", s)
        if isinstance(out, np.generic):
            got = self.scalars.get(id(out))
            if got is None:
                raise TraceError(_errors.untraceable_output("NumPy number"))
            return ("scalar", got[0])
        if isinstance(out, tuple) and type(out) is not tuple:            # a named tuple
            return type(out)(*[self._output(o) for o in out])
        if isinstance(out, (list, tuple)):
            return type(out)(self._output(o) for o in out)
        if isinstance(out, dict):
            return type(out)((k, self._output(v)) for k, v in out.items())
        return ("value", out)


def _describe(v):
    if isinstance(v, np.ndarray):
        return f"{v.dtype.name}[{', '.join(map(str, v.shape))}]"
    if isinstance(v, Tensor):
        return f"tensor {v._data.dtype.name}[{', '.join(map(str, v._data.shape))}]"
    return type(v).__name__
