"""A plan pass: drop the steps that hand a value through unchanged, and let their readers read the value itself.

Two kinds, both exact:
- a reshape or broadcast to the shape the array already has (x.reshape(x.shape), the VJP of a reshape that
  changed nothing): the result is the same memory with the same layout, a view the replay need not make;
- multiplying or dividing by the constant 1, or raising to the power 1, with the result's dtype and shape
  those of the array operand (x * 1.0 is x in IEEE arithmetic): the result is a copy, so the step is dropped
  only where nothing writes into either array afterwards: the operand is made by a step and no in-place step
  targets it, or it is an argument of a plan that changes nothing and returns no view (a functional gradient).
The create_graph backward of bibun.grad writes such steps (d(x^2)/dx is 2 * x^1, the seed's broadcast).
A step whose result is returned is kept: returned arrays stay distinct objects, as in eager execution."""
import numpy as np

from ._plan import EFFECTS

_VIEWS = frozenset({"reshape", "broadcast_to", "reshape.vjp"})
_BY_ONE = {"mul": (0, 1), "div": (1,), "pow": (1,)}      # op -> positions where a constant 1 leaves the other


def drop_pass_through(steps, sources, values, outputs):
    """`steps` without their pass-through steps, later steps reading the passed value instead."""
    written = {st.ins[0] for st in steps if st.kind == "inplace"}
    # an argument may stand in for its copy where nothing changes it and no returned array is a view (of it)
    pure = not any(st.kind in EFFECTS or (st.out in outputs and not st.fresh) for st in steps)
    copyable = ("step", "arg") if pure else ("step",)
    alias = {}
    kept = []
    for st in steps:
        if alias:
            st.ins = tuple(alias.get(s, s) for s in st.ins)
        src = _passed(st, sources, values, written, copyable)
        if src is not None and st.out not in outputs:
            alias[st.out] = src
            continue
        kept.append(st)
    return kept


def _passed(st, sources, values, written, copyable):
    """The slot whose value step `st` hands on unchanged, or None."""
    if st.kind not in ("forward", "vjp") or st.out is None:
        return None
    out = values[st.out]
    if not isinstance(out, np.ndarray):
        return None
    if st.name in _VIEWS:
        s = st.ins[0] if st.kind == "forward" else st.ins[1]        # a VJP's inputs start (xp, g, ...)
        a = values[s]
        if isinstance(a, np.ndarray) and _same_memory(a, out):
            return s
        return None
    if st.kind != "forward" or st.name not in _BY_ONE or len(st.ins) != 2 or st.kw:
        return None
    for k in _BY_ONE[st.name]:
        one, s = st.ins[k], st.ins[1 - k]
        a = values[s]
        if (sources[one][0] == "const" and _is_one(values[one]) and isinstance(a, np.ndarray)
                and a.dtype == out.dtype and a.shape == out.shape and sources[s][0] in copyable
                and s not in written and st.out not in written):
            return s
    return None


def _same_memory(a, b):
    return (a.dtype == b.dtype and a.shape == b.shape and a.strides == b.strides
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def _is_one(v):
    if isinstance(v, bool) or not isinstance(v, (int, float, np.number, np.ndarray)):
        return False
    if isinstance(v, np.ndarray) and v.size != 1:
        return False
    return bool(v == 1)
