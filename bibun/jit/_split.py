"""Split: runs of elementwise steps over big arrays, replayed block of rows by block of rows, over all cores
where the arrays are big.

An elementwise step computes each element of its result from the same elements of its inputs, so a run of
such steps over arrays of one shape can be replayed on the first rows, then the next, and the blocks can go
to different threads (NumPy releases the GIL inside its loops): one job per run, so that the threads' start
is paid once for many ops. Each block runs the very NumPy calls eager bibun runs, on views of the same
arrays, and NumPy's vector loops treat a block's tail with the same vector code, so the results are the
same bits. The values a later step, a .grad or the caller reads are written into arrays made for them before
the blocks start; the others live and die inside a block, in the cache, and the replay (_codegen) reuses
them: a NumPy call whose input dies with it writes its result into that input (out=), and a VJP with an
in-place form (ops/elementwise.py) writes into its upstream gradient when that dies with it. The same calls
on the same values: the same bits.

When it applies: a run whose arrays have at least MIN_SIZE elements and whose work (elements times steps)
is at least MIN_WORK, in a plan that writes into no array in place (a block's copy of a value would not see
the write). The blocks go over the threads (bibun.set_num_threads) only when the arrays have MIN_THREADED
elements: below that, handing the GIL between threads after each NumPy call costs more than the second core
gives (measured on a 2-core virtual machine: 10^5 elements ran as fast on two threads as on one, 3 x 10^5
1.1x faster, 10^6 1.5x faster); smaller runs still gain the cache.
"""
import math
import re

import numpy as np

from .._threads import get_num_threads
from ..ops._registry import OPS
from ._plan import Plan, Step, output_slots

MIN_SIZE = 2 ** 15          # elements of the run's arrays
MIN_WORK = 2 ** 20          # elements times steps: a run worth cutting into blocks
BLOCK = 2 ** 16             # elements in a block, at most: 256 KB of float32 per array
MIN_THREADED = 2 ** 18      # elements of the arrays, for the blocks to go over the threads


class Region:
    """The fn of a step of kind "split": `steps` over arrays of `shape`, in `blocks` blocks of `rows` rows.
    `outs` are the slots it writes for later readers; the step's ins are the slots it reads from outside."""

    def __init__(self, steps, shape, outs, blocks, threaded):
        self.steps, self.shape, self.outs = steps, shape, outs
        self.blocks, self.threaded = blocks, threaded
        self.rows = -(-shape[0] // blocks)
        self.__name__ = "split"


_SHAPE = re.compile(r"^(\w+)\[([\d, ]*)\]$")


def kind_shape(desc):
    """(dtype, shape) of a slot described as "float32[100, 4]", or None for what is not an array."""
    m = _SHAPE.match(desc)
    if m is None:
        return None
    return np.dtype(m.group(1)), tuple(int(d) for d in m.group(2).split(",") if d.strip())


def _op_name(st):
    if st.kind == "add":                # the backward walk's sum of two gradients
        return "add"
    if st.kind == "forward":
        return st.name
    return st.name.split(".vjp")[0]     # "mul.vjp[0]"


def _elementwise(plan, st, shape):
    """Whether `st` is an elementwise op's forward or VJP (or a sum of gradients) whose result has `shape`."""
    if st.kind not in ("forward", "vjp", "add") or st.out is None:
        return False
    op = OPS.get(_op_name(st))
    if op is None or op.kind != "elementwise":
        return False
    ks = kind_shape(plan.shapes[st.out])
    return ks is not None and ks[1] == shape


def _shape(plan, st):
    if st.out is None:
        return None
    ks = kind_shape(plan.shapes[st.out])
    return ks[1] if ks is not None and len(ks[1]) >= 1 and math.prod(ks[1]) >= MIN_SIZE else None


def split(plan):
    """The plan with its big elementwise runs as split steps; the plan itself where none applies."""
    if any(st.kind == "inplace" for st in plan.steps):
        return plan
    runs, run, shape = [], [], None
    for i, st in enumerate(plan.steps):
        if run and _elementwise(plan, st, shape):
            run.append(i)
            continue
        if run:
            runs.append((run, shape))
        run, shape = [], _shape(plan, st)
        if shape is not None and _elementwise(plan, st, shape):
            run = [i]
    if run:
        runs.append((run, shape))
    runs = [(r, s) for r, s in runs if math.prod(s) * len(r) >= MIN_WORK and s[0] >= 2]
    if not runs:
        return plan
    # which slots are read after each run: by later steps, or returned
    outputs = output_slots(plan.output, set())
    first = {r[0]: (r, s) for r, s in runs}
    skip = {i for r, _ in runs for i in r}
    steps = []
    for i, st in enumerate(plan.steps):
        if i in first:
            run, shape = first[i]
            members = [plan.steps[k] for k in run]
            made = {m.out for m in members}
            later = set(outputs)
            for other in plan.steps[run[-1] + 1:]:
                later.update(other.ins)
            ins = []
            for m in members:
                for s in m.ins:
                    if s not in made and s not in ins and _read_from_outside(plan, s):
                        ins.append(s)
            outs = [m.out for m in members if m.out in later]
            # blocks small enough that a block's arrays stay in a core's cache; over the threads only where
            # the arrays are big enough for each block's calls to outlast the threads' handing over of the GIL
            size = math.prod(shape)
            threaded = size >= MIN_THREADED and get_num_threads() > 1
            blocks = min(shape[0], max(2, -(-size // BLOCK)))
            region = Region(members, shape, outs, blocks, threaded)
            steps.append(Step("split", region, ins, None, None, f"split{len(members)}"))
        elif i not in skip:
            steps.append(st)
    return Plan(plan.title, steps, plan.sources, plan.shapes, plan.output, plan.arg_slots)


def in_place_form(st):
    """The in-place form of a VJP step's function (ops/elementwise.py), or None: it writes into the step's
    upstream gradient, with the VJP's own NumPy calls."""
    if st.kind != "vjp" or st.kw:
        return None
    op = OPS.get(_op_name(st))
    if op is None or op.vjp_into is None:
        return None
    i = int(st.name.split("[")[1].rstrip("]")) if "[" in st.name else 0
    into = op.vjp_into[i] if i < len(op.vjp_into) else None
    return into if into is not None and op.vjp[i] is st.fn else None


def _read_from_outside(plan, s):
    """Whether a region passes slot `s` in (made by a step, an argument, a live tensor, or an array constant
    that must be cut into blocks); other constants are read where they are, by name."""
    src = plan.sources[s]
    return src[0] != "const" or (isinstance(src[1], np.ndarray) and src[1].ndim > 0)


def cut(plan, region, s):
    """Whether input slot `s` is cut into the region's blocks of rows (it has the region's rows), rather than
    read whole by every block (it broadcasts along them)."""
    ks = kind_shape(plan.shapes[s])
    return ks is not None and len(ks[1]) == len(region.shape) and ks[1][0] == region.shape[0]
