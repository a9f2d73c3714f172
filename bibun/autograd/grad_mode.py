"""Grad mode: whether new operations are recorded for backward, per thread as in PyTorch.

Each thread has its own mode (a new thread starts with it on). The threads that have switched recording
off are listed in `_off`, which is empty in the common case: the hot path reads one module attribute
(`if not _off`), and only when some thread has recording off does an op look up its own thread. Only a
thread itself adds or removes its own entry, with one list operation each (atomic), so no lock is needed.
The context managers restore the previous value in `finally`, and double as decorators, as PyTorch's do.
"""
import functools
import threading

_off = []                     # idents of the threads that have recording off now
_get_ident = threading.get_ident
_here = threading.local()     # .guard: set once a thread first switches recording off
_guarded = set()              # the idents whose thread has its guard


class _Guard:
    """Takes its thread off `_off` when the thread ends (its threading.local goes with it), so that a new
    thread given the same ident starts with recording on."""
    __slots__ = ("ident", "off", "guarded")

    def __init__(self, ident):
        # the lists themselves, not the module's names for them: at interpreter exit those may be gone first
        self.ident, self.off, self.guarded = ident, _off, _guarded

    def __del__(self):
        self.guarded.discard(self.ident)
        try:
            self.off.remove(self.ident)
        except ValueError:
            pass


def is_grad_enabled():
    """Whether operations run by this thread are recorded."""
    return not _off or _get_ident() not in _off


def _set(mode):
    """Set this thread's mode; return the previous one."""
    ident = _get_ident()
    prev = not _off or ident not in _off
    if mode:
        if not prev:
            _off.remove(ident)
    elif prev:
        if ident not in _guarded:
            _here.guard = _Guard(ident)
            _guarded.add(ident)
        _off.append(ident)
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
