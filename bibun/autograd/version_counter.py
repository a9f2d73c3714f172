"""One clock for in-place changes: a tensor changed in place takes the clock's next value as its
version, and a node remembers the clock when it was made. Backward then needs a single comparison
per node to know that none of its inputs changed since (the usual case), and names the culprit if one did.

A tensor that was never changed has a version of 0 or below; the value below 0 says where it came
from, for the error of a loss that is connected to nothing (it costs nothing: the version is set
anyway when a tensor is made)."""

import threading

now = 0
_lock = threading.Lock()      # `now += 1` is not atomic: two threads must never take the same value

# versions of tensors never changed in place, by origin (read only to word an error)
NO_GRAD = -1          # computed by an op while grad mode was off (inside `with no_grad()`)
FROM_DATA = -2        # made from numbers or an array: bibun.tensor(...), as_tensor, from_numpy
DETACHED = -3         # made by .detach()
# the version an optimizer gives a parameter's .grad once a step has used it: backward adding onto such
# a gradient (not zeroed since) means zero_grad() was forgotten
STEPPED = -4


def tick(tensor=None, what=None, made_by=None):
    """The clock's next value. With `what` (the in-place op: '+=', 'add_', ...), remember it on the tensor
    for the error message, with the op that had made the tensor when the change gave it a new history
    (`made_by`), and the version it goes with: an optimizer's step ticks without saying what."""
    global now
    with _lock:
        now += 1
        v = now
    if what is not None:
        tensor._changed_by = (what, made_by, v)
    return v


def ticks(n):
    """The clock's next `n` values at once, as n calls of tick() would give them; returns the last."""
    global now
    with _lock:
        now += n
        return now
