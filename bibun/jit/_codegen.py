"""A plan's steps as the source text of one Python function, compiled once per trace.

A replay is then a single call: each slot is a local variable, each constant and each function a step calls
is a default argument (read as fast as a local), and there is no call per step besides the step's own. The
few steps whose Python is bookkeeping rather than arithmetic are written out: zero_grad's `p._grad = None`, a
.grad delivery onto a cleared gradient, and plain SGD's update (see _sgd_update). Every NumPy call is the
one eager execution makes, on the same operands in the same order, so the results are the same bits."""
import itertools
import linecache
import operator

import numpy as np

from .._tensor import Tensor
from ..autograd import engine, version_counter
from ..optim.sgd import SGD
from .._threads import run as run_blocks
from . import _split, _steps
from ._plan import LEAVES


_count = itertools.count()
_SCALAR_CODE = _steps.scalar_forward(None).__code__


class _Source:
    def __init__(self):
        self.lines = []
        self.refs = {}           # slot -> how the function reads it: a local `s<slot>` or a constant's name
        self.used = set()        # slots some step or the returned structure reads
        self.consts = {}         # name -> value, passed as default arguments
        self.functions = []      # the source of each split step's region function (see _emit_split)
        self._names = {}         # id(value) -> name

    def const(self, value, prefix="k"):
        """A name through which the function reads `value` (the same name for the same object)."""
        name = self._names.get(id(value))
        if name is None:
            name = self._names[id(value)] = f"{prefix}{len(self.consts)}"
            self.consts[name] = value
        return name

    def ref(self, s):
        return self.refs.get(s, f"s{s}")

    def emit(self, line, depth=1):
        self.lines.append("    " * depth + line)


def build(plan, leaves):
    """The function `run(leaves)` that replays `plan` on the arguments `leaves`."""
    src = _Source()
    wrap, array = src.const(Tensor._wrap, "wrap"), src.const(np.array, "array")
    used = src.used
    made = set()
    for st in plan.steps:
        used.update(st.ins)
        if st.out is not None:
            made.add(st.out)
        if st.kind == "split":                  # what the region's own steps read and make
            for m in st.fn.steps:
                used.update(m.ins)
                made.add(m.out)
    used |= _output_slots(plan.output)
    for s in sorted(used - made):
        kind, v = plan.sources[s][0], plan.sources[s][1] if len(plan.sources[s]) > 1 else None
        if kind == "arg":
            src.emit(f"s{s} = leaves[{v}]._data" if isinstance(leaves[v], Tensor) else f"s{s} = leaves[{v}]")
        elif kind == "argobj":
            src.emit(f"s{s} = leaves[{v}]")
        elif kind == "live":          # read at every replay: load_state_dict or a rebound .data is seen
            src.emit(f"s{s} = {src.const(v, 't')}._data")
        else:
            src.refs[s] = src.const(v)
    # a step's result is let go of after the last step that reads it, so that the next results reuse its
    # memory while it is still in the cache (eager bibun does the same, see autograd/release.py)
    returned = _output_slots(plan.output)
    last = _last_readers(plan.steps)
    for k, st in enumerate(plan.steps):
        _emit_step(src, st, plan, wrap, array)
        dead = sorted({s for s in st.ins if last[s] == k and s in made and s not in returned})
        if dead:
            src.emit(f"del {', '.join(f's{s}' for s in dead)}")
    src.emit(f"return {_output(src, plan.output, wrap, array)}")
    params = "".join(f", {n}={n}" for n in src.consts)
    text = "".join(src.functions) + f"def replay(leaves{params}):\n" + "\n".join(src.lines) + "\n"
    scope = dict(src.consts)          # the regions' functions read the constants by these names
    name = f"<bibun.jit replay of {plan.title} #{next(_count)}>"
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)    # tracebacks show the line
    exec(compile(text, name, "exec"), scope)
    fn = scope["replay"]
    fn.source = text
    return fn


def _last_readers(steps):
    """slot -> the index of the last of `steps` that reads it (after which the replay lets it go)."""
    return {s: k for k, st in enumerate(steps) for s in st.ins}


def _emit_step(src, st, plan, wrap, array):
    args = [src.ref(s) for s in st.ins]
    kw = "".join(f", {k}={src.const(v)}" for k, v in (st.kw or {}).items()) if st.kind != "grad" else ""
    fn = st.fn
    if st.kind == "grad":
        _emit_delivery(src, st, plan, wrap, array)
        return
    if st.kind == "split":
        _emit_split(src, st, plan, wrap, array)
        return
    if st.kind == "zero_grad":
        params, set_to_none = (plan.sources[s][1] for s in st.ins)
        if set_to_none is True:
            for p in params:
                src.emit(f"{src.const(p, 'p')}._grad = None")
            return
    if st.kind == "update" and _plain_sgd(fn):
        _sgd_update(src, fn.__self__)
        return
    if fn is operator.add and not kw:            # the engine sums gradients with +
        call = f"{args[0]} + {args[1]}"
    elif getattr(fn, "forward", None) is not None and fn.__code__ is _SCALAR_CODE:
        call = f"{src.const(np.asarray, 'f')}({src.const(fn.forward, 'f')}({', '.join(args)}{kw}))"
    elif fn is _steps.astype:
        call = f"{args[0]}.astype({args[1]})"
    else:
        call = f"{src.const(fn, 'f')}({', '.join(args)}{kw})"
    src.emit(f"s{st.out} = {call}" if st.out is not None else call)


def _emit_split(src, st, plan, wrap, array):
    """A split step: its region's steps as a function of (block number, inputs, outputs) that runs them on
    one block of rows, and, in the replay, the outputs made empty and the blocks run over the threads."""
    region = st.fn
    name = f"region{len(src.functions)}"
    lines, refs = src.lines, dict(src.refs)
    src.lines = []
    for s in st.ins:                            # inside, every input is the function's parameter
        src.refs.pop(s, None)
    src.emit(f"lo = i * {region.rows}")
    src.emit(f"hi = lo + {region.rows}")
    for s in st.ins:
        if _split.cut(plan, region, s):
            src.emit(f"s{s} = s{s}[lo:hi]")
    outs, inside = set(region.outs), {m.out for m in region.steps}
    last = _last_readers(region.steps)
    for k, m in enumerate(region.steps):
        args = ", ".join(src.ref(s) for s in m.ins)
        # a block's own value that dies at this step, of the result's dtype and shape: the result may take it
        dying = [s for s in m.ins if s in inside and s not in outs and last[s] == k
                 and plan.shapes[s] == plan.shapes[m.out]]
        into = _split.in_place_form(m) if m.ins[1:2] and m.ins[1] in dying else None
        ufunc = isinstance(m.fn, np.ufunc) and not m.kw
        if m.out in outs and ufunc:                 # straight into the output's rows
            src.emit(f"s{m.out} = {src.const(m.fn, 'f')}({args}, out=o{m.out}[lo:hi])")
        else:
            if dying and ufunc:                     # into a dying input's block
                src.emit(f"s{m.out} = {src.const(m.fn, 'f')}({args}, out=s{dying[0]})")
            elif into is not None:                  # the VJP's in-place form, into its dying upstream gradient
                rest = ", ".join(src.ref(s) for s in m.ins[1:])
                src.emit(f"s{m.out} = {src.const(into, 'f')}({rest})")
                src.emit(f"if s{m.out} is None:")
                src.emit(f"s{m.out} = {src.const(m.fn, 'f')}({args})", 2)
            else:
                _emit_step(src, m, plan, wrap, array)
            if m.out in outs:
                src.emit(f"o{m.out}[lo:hi] = s{m.out}")
        # a block's values die after their last reader, so the next take their memory while in the cache
        dead = sorted(s for s in set(m.ins) if last[s] == k and s in inside)
        if dead:
            src.emit(f"del {', '.join(f's{s}' for s in dead)}")
    params = ", ".join(["i"] + [f"s{s}" for s in st.ins] + [f"o{s}" for s in region.outs])
    src.functions.append(f"def {name}({params}):\n" + "\n".join(src.lines) + "\n")
    src.lines, src.refs = lines, refs
    empty = src.const(np.empty, "empty")
    for s in region.outs:
        dtype, dims = _split.kind_shape(plan.shapes[s])
        src.emit(f"s{s} = {empty}({dims!r}, {src.const(dtype, 'dt')})")
    args = ", ".join([src.ref(s) for s in st.ins] + [f"s{s}" for s in region.outs])
    if region.threaded:
        src.emit(f"{src.const(run_blocks, 'f')}({name}, {region.blocks}, {args})")
    else:
        src.emit(f"for i in range({region.blocks}):")
        src.emit(f"{name}(i, {args})", 2)


def _emit_delivery(src, st, plan, wrap, array):
    """_steps.deliver written out for a .grad that zero_grad cleared (the usual case); otherwise the call."""
    t, g = (src.ref(s) for s in st.ins)
    owned = bool(st.kw and st.kw.get("owned"))
    src.emit(f"if {t}._grad is None:")
    src.emit(f"{t}._grad = {wrap}({g if owned else f'{array}({g})'})", 2)
    src.emit("else:")
    src.emit(f"{src.const(_steps.deliver, 'f')}({t}, {g}, {owned})", 2)
    if st.out in src.used:
        src.emit(f"s{st.out} = {t}._grad._data")


def _plain_sgd(fn):
    owner = getattr(fn, "__self__", None)
    return type(owner) is SGD and getattr(fn, "__func__", None) is SGD._apply_step


def _sgd_update(src, opt):
    """SGD's update without its per-parameter bookkeeping: the same `p._data -= lr * g` per parameter (lr read
    from the group at each call), the same version ticks. Anything else (momentum, weight decay, maximize, a
    parameter without a gradient, groups changed since tracing) takes the optimizer's own step."""
    o = src.const(opt, "opt")
    groups = [(src.const(g, "grp"), src.const(g["params"], "pl"), [src.const(p, "p") for p in g["params"]])
              for g in opt.param_groups]
    same = [f"len({o}.param_groups) == {len(groups)}"]
    for i, (g, pl, ps) in enumerate(groups):
        same += [f"{o}.param_groups[{i}] is {g}", f"{g}['params'] is {pl}", f"len({pl}) == {len(ps)}"]
        same += [f"{pl}[{j}] is {p}" for j, p in enumerate(ps)]
        same += [f"not ({g}['momentum'] or {g}['weight_decay'] or {g}['maximize'])"]
        same += [f"{p}._grad is not None" for p in ps]
    src.emit(f"if {' and '.join(same)}:")
    stepped, ticks = src.const(version_counter.STEPPED), src.const(version_counter.ticks, "f")
    for g, pl, ps in groups:
        src.emit(f"lr = {g}['lr']", 2)
        for p in ps:
            src.emit(f"{p}._grad._version = {stepped}", 2)
        for p in ps:
            src.emit(f"{p}._data -= lr * {p}._grad._data", 2)
        src.emit(f"v = {ticks}({len(ps)})", 2)                # one tick per parameter, in order
        for k, p in enumerate(ps):
            src.emit(f"{p}._version = v - {len(ps) - 1 - k}", 2)
    src.emit("else:")
    src.emit(f"{o}._apply_step()", 2)


def _output_slots(out):
    from ._plan import output_slots
    return output_slots(out, set())


def _output(src, out, wrap, array):
    """The expression that builds the returned structure."""
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], str) and out[0] in LEAVES:
        kind, v = out
        if kind == "tensor":
            return f"{wrap}({src.ref(v)})"
        if kind == "slot":
            return src.ref(v)
        if kind == "scalar":
            return f"{src.ref(v)}[()]"
        if kind == "copy":
            return f"{array}({src.const(v)})"
        return src.const(v)
    if isinstance(out, tuple) and type(out) is not tuple:          # a named tuple
        return f"{src.const(type(out))}({''.join(_output(src, o, wrap, array) + ', ' for o in out)})"
    if type(out) is tuple:
        return f"({''.join(_output(src, o, wrap, array) + ', ' for o in out)})"
    if type(out) is list:
        return f"[{', '.join(_output(src, o, wrap, array) for o in out)}]"
    if isinstance(out, (list, tuple)):
        return f"{src.const(type(out))}([{', '.join(_output(src, o, wrap, array) for o in out)}])"
    if isinstance(out, dict):
        items = ", ".join(f"({src.const(k)}, {_output(src, o, wrap, array)})" for k, o in out.items())
        return f"{src.const(type(out))}([{items}])"
    return src.const(out)
