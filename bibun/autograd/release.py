"""Let go of big intermediate results that nothing can read any more, before backward.

A node holds its input tensors (the graph's edges), and so their arrays. In `y = tanh(x * a + b)` the
arrays of `x * a` and of `x * a + b` are then kept until backward, although add's and tanh's VJPs never
read them: PyTorch saves only what a backward formula reads. On 10^5-element chains bibun kept three times
the arrays PyTorch keeps, and every new result went to memory that had left the cache.

So, one op later (when the caller's own variable has moved on), the inputs of the previous big op are
looked at. An input is let go of when all of these hold:
  - it is an intermediate result (it has a grad_fn), and nothing but this node refers to it: no variable,
    no view, no weak reference (sys.getrefcount tells; the user can never see it again);
  - no VJP of this node that will run reads its values (its shape, dtype or size may be read);
  - the node that made it does not read its own output either (tanh, exp, sigmoid keep theirs).
Its tensor, the node's saved copy and its maker's output then become a husk: one NaN broadcast to the
shape and dtype (what backward still asks of them), and the array itself is freed. Nothing is let go of
while a tracer records (explain, jit), or for arrays under RELEASE_MIN elements: there the memory is small
and every result stays inspectable.
"""
import sys
import weakref

import numpy as np

from . import saved

RELEASE_MIN = 2 ** 14          # elements

_pending = None                # weakref to the node of the last big op


def after(node):
    """Called by apply for each new node with a big output: looks at the previous one's inputs."""
    global _pending
    prev, _pending = _pending, weakref.ref(node)
    prev = prev() if prev is not None else None
    if prev is not None:
        release_inputs(prev)


def release_inputs(node):
    ins = node.inputs
    if ins is None or node.op.variadic:
        return
    per_vjp = saved.reads(node.op, len(ins))[1]
    read = set()
    for j, need in enumerate(node.needs):
        if need:
            read |= per_vjp[j]
    datas = None
    for i in range(len(ins)):           # (not enumerate: its pair would hold one more reference)
        x = ins[i]
        if getattr(x, "grad_fn", None) is None:
            continue
        maker = x.grad_fn
        if maker.inputs is None or maker.op.variadic or saved.reads(maker.op, len(maker.inputs))[0]:
            continue
        at = [k for k in range(len(ins)) if ins[k] is x]      # every position it has here (x * x)
        if any(k in read for k in at):
            continue
        # references: this node's inputs (once per position), the loop's `x`, getrefcount's argument
        if sys.getrefcount(x) != len(at) + 2 or weakref.getweakrefcount(x):
            continue
        d = x._data
        if type(d) is not np.ndarray or d.size < RELEASE_MIN or d.dtype.kind != "f":
            continue
        husk = x._data = np.broadcast_to(np.array(np.nan, d.dtype), d.shape)
        if maker.out is d:
            maker.out = husk
        if datas is None:
            datas = list(node.datas)
        for k, y in enumerate(datas):
            if y is d:
                datas[k] = husk
    if datas is not None:
        node.datas = tuple(datas)
