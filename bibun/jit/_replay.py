"""Replay: a plan turned into a flat list of calls over one list of values (`env`). No Tensor, no Node, no
Python from the traced function: each call reads its inputs from `env` by index and stores its result there.

At the start of a replay `env` is filled with the arguments' arrays (or the argument tensors, where a step
changes them), the live tensors' present arrays (so that load_state_dict, or a rebound `.data`, between calls
is seen) and the constants."""
import numpy as np

from .._tensor import Tensor
from ._fuse import fuse

_wrap = Tensor._wrap


def _call(fn, ins, kw, out):
    """One step as a closure over its indices: written out for the common arities (the hot loop of a replay)."""
    if kw:
        def run(env):
            env[out] = fn(*[env[i] for i in ins], **kw)
        return run
    if out is None:
        def run(env):
            fn(*[env[i] for i in ins])
        return run
    n = len(ins)
    if n == 1:
        a, = ins

        def run(env):
            env[out] = fn(env[a])
    elif n == 2:
        a, b = ins

        def run(env):
            env[out] = fn(env[a], env[b])
    elif n == 3:
        a, b, c = ins

        def run(env):
            env[out] = fn(env[a], env[b], env[c])
    elif n == 4:
        a, b, c, d = ins

        def run(env):
            env[out] = fn(env[a], env[b], env[c], env[d])
    elif n == 5:
        a, b, c, d, e = ins

        def run(env):
            env[out] = fn(env[a], env[b], env[c], env[d], env[e])
    else:
        def run(env):
            env[out] = fn(*[env[i] for i in ins])
    return run


class Program:
    """A plan ready to run: `run(leaves)` replays it on the arguments' tensors and arrays."""

    def __init__(self, plan, leaves):
        self.plan = plan = fuse(plan)         # elementwise runs over big arrays as numexpr kernels, if it imports
        self.template = [src[1] if src[0] == "const" else None for src in plan.sources]
        self.args = [(s, src[1], isinstance(leaves[src[1]], Tensor)) for s, src in enumerate(plan.sources)
                     if src[0] == "arg"]
        self.arg_objs = [(s, src[1]) for s, src in enumerate(plan.sources) if src[0] == "argobj"]
        self.live = [(s, src[1]) for s, src in enumerate(plan.sources) if src[0] == "live"]
        self.calls = [_call(st.fn, st.ins, st.kw, st.out) for st in plan.steps]
        self.output = _builder(plan.output)
        self.changes = None          # nn.module.changes when traced, set by the cache

    def run(self, leaves):
        env = self.template.copy()
        for s, k, tensor in self.args:
            env[s] = leaves[k]._data if tensor else leaves[k]
        for s, k in self.arg_objs:
            env[s] = leaves[k]
        for s, t in self.live:
            env[s] = t._data
        for c in self.calls:
            c(env)
        return self.output(env)


def _builder(out):
    """A function of `env` that builds the returned structure."""
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], str):
        kind, v = out
        if kind == "tensor":
            return lambda env: _wrap(env[v])
        if kind == "slot":
            return lambda env: env[v]
        if kind == "scalar":
            return lambda env: env[v][()]
        if kind == "copy":
            return lambda env: np.array(v)
        return lambda env: v
    if isinstance(out, tuple) and type(out) is not tuple:          # a named tuple
        parts = [_builder(o) for o in out]
        return lambda env: type(out)(*[p(env) for p in parts])
    if isinstance(out, (list, tuple)):
        parts = [_builder(o) for o in out]
        kind = type(out)
        return lambda env: kind([p(env) for p in parts])
    if isinstance(out, dict):
        parts = [(k, _builder(o)) for k, o in out.items()]
        kind = type(out)
        return lambda env: kind((k, p(env)) for k, p in parts)
    return lambda env: out
