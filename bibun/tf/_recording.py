"""Which GradientTapes are open in this thread, and which of them record now (not paused by stop_recording).

A tape's context pushes it here; every bibun.tf op asks `active()` whether what it computes is on a tape.
Per thread, as TensorFlow's tapes are.
"""
import threading

_local = threading.local()


def stack():
    """The open tapes of this thread, innermost last."""
    s = getattr(_local, "tapes", None)
    if s is None:
        s = _local.tapes = []
    return s


def active():
    """The tapes recording now (a list, empty when none: no op is recorded)."""
    s = getattr(_local, "tapes", None)
    return [t for t in s if t._recording] if s else []
