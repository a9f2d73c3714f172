"""The recorded program: numbered steps over numbered values (slots), printable like jax.make_jaxpr, and
pruned once recording ends.

A slot holds one value of a run: an argument's array, a live tensor's array (a parameter, read afresh at
every replay), a constant, an object a step acts on (a parameter, an optimizer), or what a step computed.
A step is (kind, function, input slots, keyword constants, output slot): replaying it calls the function."""
import numpy as np

# kinds of steps whose effect is on the world (a .grad, a parameter, an optimizer's state), always kept
EFFECTS = frozenset({"grad", "zero_grad", "update", "inplace"})
# the leaves of a returned structure: (kind, slot or value)
LEAVES = ("slot", "scalar", "tensor", "value", "copy")
# how each kind reads in a plan
_VERB = {"result": "copy "}


class Step:
    __slots__ = ("kind", "fn", "ins", "kw", "out", "name", "fresh")

    def __init__(self, kind, fn, ins, kw, out, name, fresh=False):
        self.kind, self.fn, self.ins, self.kw, self.out, self.name = kind, fn, tuple(ins), kw, out, name
        self.fresh = fresh          # its result is a new array of its own (not a view, writable)


class Plan:
    """What bibun.jit(f).plan(*args) returns: `steps`, the sources of the slots, and what the function returns.
    print(plan) lists the steps."""

    def __init__(self, title, steps, sources, shapes, output, arg_slots):
        self.title = title
        self.steps = steps            # [Step]
        self.sources = sources        # slot -> ("arg", k) | ("argobj", k) | ("live", tensor) | ("const", v) | ("step",)
        self.shapes = shapes          # slot -> "float32[4, 2]" (or a short description of the object)
        self.output = output          # the returned structure, with ("slot", s) | ("scalar", s) | ("value", v) leaves
        self.arg_slots = arg_slots    # slot of each argument leaf, in order

    def __len__(self):
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __repr__(self):
        return self.text()

    def text(self, names=None):
        names = names or {}
        lines = [f"{self.title}: {len(self.steps)} steps"]
        ins = [f"%{s} {self.shapes[s]}" for s in self.arg_slots]
        if ins:
            lines.append("  arguments  " + ", ".join(ins))
        live = [f"%{s} {self._name(s, names)} {self.shapes[s]}" for s, src in enumerate(self.sources)
                if src[0] == "live"]
        if live:
            lines.append("  reads live " + ", ".join(live))
        for i, st in enumerate(self.steps, 1):
            lines.append(f"  {i:3d}  {self._step_text(st, names)}")
        lines.append("  returns " + _out_text(self.output))
        return "\n".join(lines)

    def _name(self, s, names):
        src = self.sources[s]
        if src[0] == "live":
            return names.get(id(src[1]), "")
        return ""

    def _ref(self, s, names):
        src = self.sources[s]
        if src[0] == "const":
            v = src[1]
            if v is None:
                return "None"
            if isinstance(v, (bool, int, float, np.generic)):
                return repr(v.item() if isinstance(v, np.generic) else v)
            if isinstance(v, np.ndarray):
                return repr(v.item()) if v.size == 1 else f"const {self.shapes[s]}"
            if isinstance(v, tuple):
                return repr(v)
            if isinstance(v, np.dtype):
                return v.name
            return _obj_text(v, names)
        if src[0] == "live" and names.get(id(src[1])):
            return f"%{s}:{names[id(src[1])]}"
        return f"%{s}"

    def _step_text(self, st, names):
        args = [self._ref(s, names) for s in st.ins]
        kw = "".join(f", {k}={_short(v)}" for k, v in (st.kw or {}).items())
        if st.kind == "grad":
            return f"{args[0]}.grad += {args[1]}" + (f"    -> %{st.out}" if st.out is not None else "")
        if st.kind == "zero_grad":
            return f"zero_grad({args[0]}, set_to_none={args[1]})"
        if st.kind == "update":
            return f"{st.name}  (hyper-parameters read from its param_groups at each call)"
        if st.kind == "inplace":
            if st.name == "fill_()":
                return f"{args[0]}.fill_({args[2]})"
            if st.name == "copy_()":
                return f"{args[0]}.copy_({args[1]})"
            if st.name == "[...] =":
                return f"{args[0]}[{args[1]}] = {args[2]}"
            return f"{args[0]} {st.name} {args[1]}"
        head = f"%{st.out} {self.shapes[st.out]} = " if st.out is not None else ""
        if st.kind == "split":          # the steps listed under it, on blocks of rows over the threads (_split)
            r = st.fn
            outs = ", ".join(f"%{s}" for s in r.outs)
            how = "over the threads" if r.threaded else "one after another"
            return f"{st.name}({', '.join(args)}) -> {outs}    ({r.blocks} blocks of {r.rows} rows, {how})" + \
                "".join(f"\n         | {self._step_text(m, names)}" for m in r.steps)
        if st.kind == "vjp":            # the upstream gradient, the op's output, then its inputs (not NumPy)
            return f"{head}{st.name}(g={args[1]}, out={args[2]}, {', '.join(args[3:])}{kw})"
        if st.kind == "sum_to":
            return f"{head}sum_to({args[0]}, shape={args[1]})"
        return f"{head}{_VERB.get(st.kind, '')}{st.name}({', '.join(args)}{kw})"


def _short(v):
    return repr(v) if not isinstance(v, np.ndarray) else f"array{list(v.shape)}"


def _obj_text(v, names):
    n = names.get(id(v))
    if n:
        return n
    if isinstance(v, list):
        return "[" + ", ".join(_obj_text(x, names) for x in v) + "]"
    if hasattr(v, "_data"):
        return f"tensor {np.dtype(v._data.dtype).name}{list(v._data.shape)}"
    return type(v).__name__


def _out_text(out):
    if isinstance(out, tuple) and len(out) == 2 and out[0] in LEAVES:
        return {"slot": f"%{out[1]}", "tensor": f"%{out[1]}", "scalar": f"%{out[1]}[()]",
                "value": _obj_text(out[1], {}), "copy": "zeros"}[out[0]]
    if isinstance(out, (list, tuple)):
        return "(" + ", ".join(_out_text(o) for o in out) + ")"
    if isinstance(out, dict):
        return "{" + ", ".join(f"{k!r}: {_out_text(v)}" for k, v in out.items()) + "}"
    return repr(out)


def output_slots(out, acc):
    """The slots a returned structure reads."""
    if isinstance(out, tuple) and len(out) == 2 and out[0] in LEAVES:
        if out[0] in ("slot", "scalar", "tensor"):
            acc.add(out[1])
    elif isinstance(out, (list, tuple)):
        for o in out:
            output_slots(o, acc)
    elif isinstance(out, dict):
        for o in out.values():
            output_slots(o, acc)
    return acc


def prune(steps, outputs):
    """Drop the steps nothing reads, walking back from the effects and the returned values."""
    need = set(outputs)
    kept = []
    for st in reversed(steps):
        if st.kind in EFFECTS or (st.out is not None and st.out in need):
            need.update(st.ins)
            kept.append(st)
    kept.reverse()
    return kept


def mark_owned(kept, outputs):
    """Mark each .grad delivery whose gradient is a fresh array no other step reads, so that a replay may
    store it without a copy."""
    readers = {}
    for st in kept:
        for s in st.ins:
            readers[s] = readers.get(s, 0) + 1
    made_fresh = {st.out for st in kept if st.fresh and st.kind not in EFFECTS}
    for st in kept:
        if st.kind == "grad":
            g = st.ins[1]
            st.kw = {"owned": g in made_fresh and readers[g] == 1 and g not in outputs}
    return kept
