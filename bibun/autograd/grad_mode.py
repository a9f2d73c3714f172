"""Grad mode: whether new operations are recorded for backward.

A module-level flag read on every operation (cheaper than a ContextVar on the hot path); the context
managers restore the previous value in `finally`, and double as decorators, as PyTorch's do.
"""
import functools

_enabled = True


def is_grad_enabled():
    return _enabled


def _set(mode):
    global _enabled
    _enabled = bool(mode)


class _GradMode:
    mode = True

    def __new__(cls, func=None):
        # `@no_grad` without parentheses decorates directly, as PyTorch allows
        self = super().__new__(cls)
        return self if func is None else self(func)

    def __init__(self, func=None):
        pass

    def __enter__(self):
        self._prev = _enabled
        _set(self.mode)
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
        self._prev = _enabled
        self.mode = bool(mode)
        _set(mode)

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
