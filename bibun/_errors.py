"""What an error message needs to name the user's own objects: the variable that holds a tensor, the
attribute path of a layer or a parameter, the producing op.

Everything here runs only after something has already gone wrong (or to word a warning), never on
the normal path: the names are found by looking at the local variables of the user's frames (the
nearest frames outside the bibun package) at the moment the error is raised.
"""
import os
import sys

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_FRAMES = 8          # how many of the user's frames to look through, nearest first


class ShapeError(RuntimeError, ValueError):
    """Shapes or dtypes that do not fit together. A RuntimeError, as PyTorch raises for most of these,
    and a ValueError, as PyTorch raises for the rest (target sizes of losses), so that code catching
    either keeps working."""


def _user_frames():
    """The nearest frames outside bibun (and outside the standard library's context managers)."""
    out = []
    f = sys._getframe(1)
    while f is not None and len(out) < _FRAMES:
        name = f.f_code.co_filename
        if not name.startswith(_PACKAGE) and not name.endswith(("contextlib.py", "warnings.py")) \
                and not name.startswith("<frozen"):
            out.append(f)
        f = f.f_back
    return out


def _scan(match):
    """The first `match(name, value)` that gives a result, over the user's frames' local variables."""
    frames = _user_frames()
    try:
        for f in frames:
            try:
                names = list(f.f_locals.items())
            except Exception:
                continue
            for k, v in names:
                try:
                    got = match(k, v)
                except Exception:        # an odd object (a proxy, a mock): never let naming break the error
                    continue
                if got is not None:
                    return got
        return None
    finally:
        del frames          # no frame kept alive by an exception's traceback


def is_module(v):
    """Whether `v` is a model (a bibun.nn.Module, or anything shaped like one): told by what it can do,
    since the base layer knows nothing of nn."""
    t = type(v)
    return not isinstance(v, type) and callable(getattr(t, "named_parameters", None)) \
        and callable(getattr(t, "named_modules", None))


def name_of(obj):
    """The user's variable that holds `obj` (a Tensor), or an attribute path to it when it is a
    parameter of a module held in a variable (`model.fc2.weight`), or None."""

    def direct(k, v):
        return k if v is obj and k != "self" else None

    name = _scan(direct)
    if name is not None:
        return name

    def inside(k, v):
        if is_module(v):
            for n, p in v.named_parameters():
                if p is obj:
                    return n if k == "self" else f"{k}.{n}"
        return None
    return _scan(inside)


def module_name(mod):
    """The user's name for the layer `mod`: `fc1` in `self.fc1 = nn.Linear(...)`, `model.0`, or a variable."""

    def match(k, v):
        if v is mod:
            return k if k != "self" else None
        if is_module(v):
            for n, m in v.named_modules():
                if m is mod and n:
                    return n if k == "self" else f"{k}.{n}"
        return None
    return _scan(match)


def producer(t):
    """The forward op that made tensor `t` ('mul', 'linear', ...), or None for a leaf."""
    fn = getattr(t, "grad_fn", None)
    return fn.op.name if fn is not None else None


def one_line(text):
    """An exception's text squeezed onto one line (NumPy's messages sometimes span several)."""
    return " ".join(str(text).split())
