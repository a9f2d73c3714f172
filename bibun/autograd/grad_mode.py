"""Grad mode: whether new operations are recorded for backward, per thread as in PyTorch.

Each thread has its own mode (a new thread starts with it on). The hot path reads one module flag,
`_enabled`, which is True while no thread has switched recording off; only when some thread has does
an op look up its own thread's mode. The context managers restore the previous value in `finally`,
and double as decorators, as PyTorch's do.
"""
import functools
import threading

_enabled = True               # True: every thread records (the common case, one read per op)
_off = 0                      # how many threads have recording off now
_lock = threading.Lock()
_here = threading.local()     # .on: this thread's mode, when it was ever set


def is_grad_enabled():
    """Whether operations run by this thread are recorded."""
    return _enabled or getattr(_here, "on", True)


def _set(mode):
    """Set this thread's mode; return the previous one."""
    global _enabled, _off
    mode = bool(mode)
    prev = getattr(_here, "on", True)
    if mode is not prev:
        _here.on = mode
        with _lock:
            _off += -1 if mode else 1
            _enabled = _off == 0
    return prev


class _GradMode:
    mode = True

    def __new__(cls, func=None):
        # `@no_grad` without parentheses decorates directly, as PyTorch allows
        self = super().__new__(cls)
        return self if func is None else self(func)

    def __init__(self, func=None):
        pass

    def __enter__(self):
        self._prev = _set(self.mode)
        return self

    def __exit__(self, *exc):
        _set(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Operations inside are not recorded: use it for parameter updates and evaluation."""
    mode = False


class enable_grad(_GradMode):
    mode = True


class set_grad_enabled(_GradMode):
    """`set_grad_enabled(False)` switches recording off right away; as a context manager it restores."""

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode):
        self.mode = bool(mode)
        self._prev = _set(mode)

    def __enter__(self):
        return self

    def __call__(self, fn):
        _set(self._prev)
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper
