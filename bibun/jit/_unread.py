"""A plan pass: an argument a VJP never reads is passed as None, so that the plan no longer keeps it alive.

A VJP takes (xp, g, out, *inputs) and most read two of them: mul's `g * b` needs neither its output nor the
input it is not the gradient of, tanh's `g * (1 - out * out)` neither input. Recorded as they are called, the
plan's steps would hold every forward value until the backward reached them; with the unread ones replaced
by None, a value lives only as long as some step reads it (the replay lets it go after its last reader, and
a split step writes out only what later steps read). Whether a name is read is in the function's code: it is
read when it is loaded at all (even for .shape), or captured by an inner function; a function whose code
cannot be read keeps all its arguments."""
from ..autograd.saved import loads
from ._plan import Plan, Step

_CACHE = {}


def _unread(fn, n):
    """The positions among `n` positional arguments that `fn` never reads."""
    key = (fn, n)
    got = _CACHE.get(key)
    if got is None:
        got = _CACHE[key] = _find_unread(fn, n)
    return got


def _find_unread(fn, n):
    code = getattr(fn, "__code__", None)
    if code is None or getattr(fn, "__self__", None) is not None:
        return ()
    named = code.co_varnames[:code.co_argcount]
    star = code.co_varnames[code.co_argcount + code.co_kwonlyargcount] if code.co_flags & 0x04 else None
    loaded = set(code.co_cellvars).union(*(names for names, _ in loads(code)))
    out = []
    for i in range(n):
        name = named[i] if i < len(named) else star
        if name is None:
            return ()                   # more arguments than it takes: leave the step as it is
        if name not in loaded:
            out.append(i)
    return tuple(out)


def drop_unread(plan):
    """The plan with each VJP step's unread arguments read from one constant None; the plan itself where
    there are none."""
    steps, none = [], None
    for st in plan.steps:
        unread = _unread(st.fn, len(st.ins)) if st.kind == "vjp" else ()
        if unread:
            if none is None:
                none = len(plan.sources)
                sources, shapes = list(plan.sources) + [("const", None)], list(plan.shapes) + ["None"]
            st = Step(st.kind, st.fn, tuple(none if i in unread else s for i, s in enumerate(st.ins)), st.kw,
                      st.out, st.name, st.fresh)
        steps.append(st)
    if none is None:
        return plan
    return Plan(plan.title, steps, sources, shapes, plan.output, plan.arg_slots)

