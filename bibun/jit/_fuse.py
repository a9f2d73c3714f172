"""Fusion: runs of elementwise steps over big arrays of one shape, replaced by numexpr kernels.

A recorded plan calls one NumPy function per op and per VJP, each reading and writing whole arrays. Where
several elementwise steps follow one another on arrays of the same shape and dtype, this pass writes them as
one numexpr expression per value that must exist as an array (one a later step, a .grad or the caller
reads); the values in between live only in numexpr's cache-sized blocks, and its threads share the work.

How a step becomes an expression: its function is called once on symbols (_Sym) that build numexpr text
instead of numbers. Forwards are NumPy ufuncs, which hand symbols to _Sym.__array_ufunc__; VJPs are written
against `xp`, so they run on a namespace (_SymXP) of the same functions over symbols. A step whose function
does anything else raises while doing so and stays a plain step. Python numbers stay numbers (so `type(b)
is int` tests in a VJP still hold); fractional ones become 0-d arrays of the kernel's dtype, as NumPy rounds
a Python float to the array's dtype.

When it applies: numexpr imports, and the arrays have at least MIN_SIZE elements (below that a kernel call
costs more than the passes it saves). Transcendental functions (tanh, exp, log, ...) join a kernel only when
numexpr runs them on Intel's VML: its own versions are scalar libm calls, measured 10-30 times slower than
NumPy's SIMD ones on 10^5-10^6 float32 elements, so without VML they stay NumPy steps and the arithmetic
around them is fused. Fused results differ from eager ones in the last bits (numexpr's own order of
rounding); plans over small arrays are left as they are, bit for bit.
"""
import math
import os
import re
import threading

import numpy as np

from ._plan import Plan, Step, output_slots

MIN_SIZE = 2 ** 14
# BIBUN_FUSE=0 (or _fuse.enabled = False before the first call) keeps every plan as recorded
enabled = os.environ.get("BIBUN_FUSE", "1") != "0"

# the ops whose forward and VJPs may be fused, by name; the kind "add" is the backward walk's sum of gradients
OPS = frozenset({"add", "sub", "mul", "div", "neg", "pow", "where", "square", "reciprocal", "relu",
                 "exp", "log", "tanh", "sigmoid", "sqrt", "sin", "cos"})
# numexpr's functions that, without VML, are slower than NumPy's
_TRANSCENDENTAL = frozenset({"exp", "log", "tanh", "sqrt", "sin", "cos"})
_BINARY = {"add": "+", "subtract": "-", "multiply": "*", "true_divide": "/", "divide": "/", "power": "**"}
_COMPARE = {"greater": ">", "less": "<", "greater_equal": ">=", "less_equal": "<=", "equal": "==",
            "not_equal": "!="}
_SHAPE = re.compile(r"^(\w+)\[([\d, ]*)\]$")
_SLOT = re.compile(r"\bs(\d+)\b")
_OPERATOR = re.compile(r"\*\*|[-+*/<>=~]|\w+\(")


class _NotFusable(Exception):
    pass


class _Context:
    """What one plan's symbols share: its dtype, its fractional constants, whether tanh & co. may join."""

    def __init__(self, dtype, transcendental):
        self.dtype, self.transcendental = dtype, transcendental
        self.consts = {}                  # name -> 0-d array of the kernel's dtype

    def number(self, v):
        if isinstance(v, (bool, np.bool_)):
            return "True" if v else "False"
        if isinstance(v, (int, float, np.integer, np.floating)) and math.isfinite(v):
            if float(v).is_integer() and abs(v) < 2 ** 24:
                return f"({int(v)})"
            name = f"k{len(self.consts)}"
            self.consts[name] = np.asarray(v, self.dtype)
            return name
        raise _NotFusable


class _Sym:
    """A value of a kernel as numexpr text: arithmetic on it builds more text."""
    __array_priority__ = 1000

    def __init__(self, text, ctx, kind="f"):
        self.text, self.ctx, self.kind = text, ctx, kind      # kind: "f" the kernel's dtype, "b" bool

    @property
    def dtype(self):
        return self.ctx.dtype if self.kind == "f" else np.dtype(bool)

    def _of(self, v):
        return v.text if isinstance(v, _Sym) else self.ctx.number(v)

    def _bin(self, op, other, swap=False, kind="f"):
        a, b = self._of(self), self._of(other)
        return _Sym(f"({b} {op} {a})" if swap else f"({a} {op} {b})", self.ctx, kind)

    __add__ = lambda s, o: s._bin("+", o)
    __radd__ = lambda s, o: s._bin("+", o, True)
    __sub__ = lambda s, o: s._bin("-", o)
    __rsub__ = lambda s, o: s._bin("-", o, True)
    __mul__ = lambda s, o: s._bin("*", o)
    __rmul__ = lambda s, o: s._bin("*", o, True)
    __truediv__ = lambda s, o: s._bin("/", o)
    __rtruediv__ = lambda s, o: s._bin("/", o, True)
    __pow__ = lambda s, o: s._bin("**", o)
    __rpow__ = lambda s, o: s._bin("**", o, True)
    __gt__ = lambda s, o: s._bin(">", o, kind="b")
    __lt__ = lambda s, o: s._bin("<", o, kind="b")
    __ge__ = lambda s, o: s._bin(">=", o, kind="b")
    __le__ = lambda s, o: s._bin("<=", o, kind="b")

    def __eq__(self, o):
        if self.kind == "b" and not isinstance(o, _Sym) and o in (0, False):
            return _Sym(f"(~{self.text})", self.ctx, "b")          # where's VJP: g * (c == 0)
        return self._bin("==", o, kind="b")

    def __ne__(self, o):
        return self._bin("!=", o, kind="b")

    __hash__ = None

    def __neg__(self):
        return _Sym(f"(-{self.text})", self.ctx)

    def __bool__(self):
        raise _NotFusable               # a branch on a value: not one expression

    def __array_ufunc__(self, ufunc, method, *args, **kw):
        dtype = kw.pop("dtype", None)
        if method != "__call__" or kw or (dtype is not None and np.dtype(dtype) != self.ctx.dtype):
            raise _NotFusable
        f = getattr(_SymXP(self.ctx), ufunc.__name__, None)
        if f is None:
            raise _NotFusable
        return f(*args)

    def __array_function__(self, func, types, args, kw):
        if func is np.where and not kw:
            return _SymXP(self.ctx).where(*args)
        raise _NotFusable


class _SymXP:
    """The `xp` a VJP is written against, over symbols: the functions numexpr has."""

    def __init__(self, ctx):
        self.ctx = ctx

    def _text(self, v):
        return v.text if isinstance(v, _Sym) else self.ctx.number(v)

    def _call(self, name, a):
        if name in _TRANSCENDENTAL and not self.ctx.transcendental:
            raise _NotFusable
        return _Sym(f"{name}({self._text(a)})", self.ctx)

    def __getattr__(self, name):
        if name in _TRANSCENDENTAL:
            return lambda a: self._call(name, a)
        if name in _BINARY:
            return lambda a, b: _Sym(f"({self._text(a)} {_BINARY[name]} {self._text(b)})", self.ctx)
        if name in _COMPARE:
            return lambda a, b: _Sym(f"({self._text(a)} {_COMPARE[name]} {self._text(b)})", self.ctx, "b")
        raise _NotFusable

    def negative(self, a):
        return -a

    def square(self, a):
        return a * a

    def reciprocal(self, a):
        return 1 / a

    def maximum(self, a, b):            # NaN in a stays NaN, as in np.maximum
        return self.where(a < b, b, a)

    def where(self, c, a, b):
        return _Sym(f"where({self._text(c)}, {self._text(a)}, {self._text(b)})", self.ctx)

    def sigmoid(self, a):
        # 1 / (1 + e^-a), as e^a / (1 + e^a) below 0: exact at both ends, no overflow, as bibun's _sigmoid
        e = self._call("exp", _Sym(f"(-abs({self._text(a)}))", self.ctx))
        return self.where(a < 0, e / (1 + e), 1 / (1 + e))


def _kind_shape(desc):
    m = _SHAPE.match(desc)
    if m is None:
        return None
    dims = tuple(int(d) for d in m.group(2).split(",") if d.strip())
    return np.dtype(m.group(1)), dims


def _op_name(st):
    if st.kind == "add":
        return "add"
    if st.kind == "forward":
        return st.name
    if st.kind == "vjp":
        return st.name.split(".vjp")[0]
    return None


def _symbolic(plan, st, key, ctx):
    """The step's result as a _Sym over slot names `s<slot>`, or None where it cannot be one expression
    over arrays of shape and dtype `key`."""
    if _op_name(st) not in OPS or st.out is None or _kind_shape(plan.shapes[st.out]) != key:
        return None
    args = []
    for s in st.ins:
        src = plan.sources[s]
        if src[0] == "const" and not isinstance(src[1], np.ndarray):
            v = src[1]
            if st.kind == "vjp" and s == st.ins[0]:
                args.append(_SymXP(ctx))          # the VJP's xp
                continue
            args.append(v.item() if isinstance(v, np.generic) else v)
            continue
        ks = _kind_shape(plan.shapes[s])
        if ks is None or ks[1] not in (key[1], ()) or ks[0] not in (key[0], np.dtype(bool)):
            return None
        args.append(_Sym(f"s{s}", ctx, "b" if ks[0] == np.dtype(bool) else "f"))
    try:
        if st.kind == "forward" and st.name == "sigmoid":
            r = _SymXP(ctx).sigmoid(*args)
        elif st.kind == "add":
            r = args[0] + args[1]
        else:
            r = st.fn(*args, **st.kw) if st.kw else st.fn(*args)
    except (_NotFusable, TypeError, ValueError, AttributeError):
        return None
    return r if isinstance(r, _Sym) and r.kind == "f" else None


class Kernel:
    """One numexpr expression over some slots' arrays: the fn of a step of kind "fused"."""

    def __init__(self, ne, text, names, consts, dtype, steps):
        self.text, self.steps, self.__name__ = text, steps, "fused"
        sig = [(n, bool if n in names and names[n] == "b" else _NE_TYPE[dtype]) for n in list(names) + list(consts)]
        self.kernel = ne.NumExpr(text, signature=sig)
        if self.kernel.fullsig[:1].decode() != _NE_CODE[dtype]:
            raise _NotFusable           # numexpr would hand back another dtype than eager NumPy
        self.consts = list(consts.values())
        self.vml = bool(getattr(ne, "use_vml", False))

    def __call__(self, *arrays):
        with _NUMEXPR_LOCK:
            return self.kernel(*arrays, *self.consts, out=None, order="K", casting="safe", ex_uses_vml=self.vml)


# A compiled numexpr program is not safe to run from two threads at once: with numexpr on one thread (its
# set_num_threads(1)) two replays in two threads corrupted the heap and aborted the process. numexpr's own
# evaluate() takes a lock for this; its compiled programs do not, so the kernels share one.
_NUMEXPR_LOCK = threading.Lock()


_NE_TYPE = {np.dtype(np.float32): float, np.dtype(np.float64): np.float64}
_NE_CODE = {np.dtype(np.float32): "f", np.dtype(np.float64): "d"}


def _numexpr():
    try:
        import numexpr
    except ImportError:
        return None
    return numexpr


def _big(plan, st):
    ks = _kind_shape(plan.shapes[st.out]) if st.out is not None else None
    return ks is not None and ks[0] in _NE_TYPE and math.prod(ks[1]) >= MIN_SIZE


def fuse(plan):
    """The plan with its runs of fusable steps replaced by kernels; the plan itself where none applies."""
    if not enabled or not any(st.kind in ("forward", "vjp", "add") and _big(plan, st) for st in plan.steps):
        return plan
    ne = _numexpr()
    if ne is None:
        return plan
    transcendental = bool(getattr(ne, "use_vml", False))
    # each step's expression, in runs of consecutive steps over one shape and dtype
    runs, run, syms = [], [], {}
    for i, st in enumerate(plan.steps):
        key = _kind_shape(plan.shapes[st.out]) if st.out is not None and _big(plan, st) else None
        sym = None
        if key is not None:
            ctx = run[0][2] if run and run[0][1] == key else _Context(key[0], transcendental)
            sym = _symbolic(plan, st, key, ctx)
        if sym is None or (run and run[0][1] != key):
            if len(run) > 1:
                runs.append(run)
            run = []
        if sym is not None:
            syms[st.out] = sym.text
            run.append((i, key, ctx))
    if len(run) > 1:
        runs.append(run)
    # compile each run's kernels; a run that numexpr refuses stays plain, and the others are made again, as
    # what they must keep depends on which steps read which slots
    while True:
        built = _build(ne, plan, runs, syms)
        if not isinstance(built, int):
            break
        del runs[built]
    replaced, steps = {}, []
    for run, kernels in zip(runs, built):
        replaced[run[0][0]] = kernels
        for i, _, _ in run[1:]:
            replaced[i] = []
    for i, st in enumerate(plan.steps):
        steps.extend(replaced.get(i, [st]))
    if not replaced:
        return plan
    return Plan(plan.title, steps, plan.sources, plan.shapes, plan.output, plan.arg_slots)


def _build(ne, plan, runs, syms):
    """Each run's kernel steps, or the index of a run that cannot be compiled."""
    # what is read from outside each run: a later step's input (for another run's step, only the slots its
    # expression names), or the returned value
    in_run = {i: r for r, run in enumerate(runs) for i, _, _ in run}
    reads = {}
    for i, st in enumerate(plan.steps):
        used = (int(m) for m in _SLOT.findall(syms[st.out])) if i in in_run else st.ins
        for s in used:
            reads.setdefault(s, set()).add(in_run.get(i, ("step", i)))
    outputs = output_slots(plan.output, set())
    built = []
    for r, run in enumerate(runs):
        made = [plan.steps[i].out for i, _, _ in run]
        kept = [s for s in made if s in outputs or any(x != r for x in reads.get(s, ()))]
        try:
            built.append(_kernels(ne, plan, run, made, kept, syms))
        except (_NotFusable, ValueError, TypeError, KeyError, SyntaxError):
            return r
    return built


def _kernels(ne, plan, run, made, kept, syms):
    """The steps computing `kept` (the run's values read after it), each one numexpr expression that inlines
    the run's other values."""
    ctx = run[0][2]
    made_set, kept_set = set(made), set(kept)

    def inline(text):
        return _SLOT.sub(lambda m: f"({inline(syms[int(m.group(1))])})"
                         if int(m.group(1)) in made_set and int(m.group(1)) not in kept_set else m.group(0), text)

    members = {plan.steps[i].out: plan.steps[i] for i, _, _ in run}
    out, start = [], 0
    for s in kept:
        text = inline(syms[s])
        slots = sorted({int(m) for m in _SLOT.findall(text)})
        consts = {k: ctx.consts[k] for k in sorted(set(re.findall(r"\bk\d+\b", text)))}
        names = {f"s{v}": ("b" if _kind_shape(plan.shapes[v])[0] == np.dtype(bool) else "f") for v in slots}
        end = made.index(s) + 1
        steps = [members[m] for m in made[start:end]]
        start = end
        if len(steps) == 1 and len(_OPERATOR.findall(text)) < 2:
            out.append(steps[0])        # one NumPy call already: nothing to fuse
            continue
        k = Kernel(ne, text, names, consts, ctx.dtype, steps)
        out.append(Step("fused", k, slots, None, s, f"fused{len(steps)}", fresh=True))
    return out
