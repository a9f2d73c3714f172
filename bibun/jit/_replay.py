"""Replay: a plan turned into one Python function (_codegen) that calls, in order, the functions the trace
recorded. No Tensor, no Node, no Python from the traced function: the arguments' arrays, the live tensors'
present arrays (so that load_state_dict, or a rebound `.data`, between calls is seen) and the constants are
read at the start of each replay, and each step's result is a local variable."""
from . import _codegen
from ._split import split
from ._unread import drop_unread


class Program:
    """A plan ready to run: `run(leaves)` replays it on the arguments' tensors and arrays."""

    def __init__(self, plan, leaves):
        # unread VJP arguments dropped; big elementwise runs in blocks of rows (over the threads if big)
        self.plan = plan = split(drop_unread(plan))
        self.run = _codegen.build(plan, leaves)
        self.changes = None          # nn.module.changes when traced, set by the cache
