"""Render NumPy arrays exactly as PyTorch's ``repr(tensor)`` prints them.

The layout follows PyTorch's rules:

1. One formatter scans every value that will be shown (only the edge items when
   the array is summarised) and decides, for floats, whether all values are
   integers ("int mode": ``1.``), whether to use scientific notation, and the
   common column width.
2. Rows are printed recursively; 1-d rows wrap to fit ``linewidth`` and arrays
   with more than ``threshold`` elements show only ``edgeitems`` items at each
   end of every axis, with ``...`` in between.
3. Suffixes such as ``dtype=...`` and ``requires_grad=True`` are appended,
   wrapping onto a new line when the current one would exceed ``linewidth``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["format_tensor", "set_printoptions", "get_printoptions"]

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}

_opts: dict = dict(_PROFILES["default"], sci_mode=None)

# dtypes whose name is not printed (with float32 as the default float dtype)
_IMPLICIT_DTYPES = ("float32", "int64", "bool")
_SUPPORTED_DTYPES = (
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set printing options, with the semantics of ``torch.set_printoptions``.

    ``profile`` ("default", "short" or "full") is applied first and the other
    arguments override it.  As in PyTorch, ``sci_mode`` is always assigned, so
    a call that omits it goes back to choosing notation automatically.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"unknown print profile {profile!r}; "
                             f"expected one of {sorted(_PROFILES)}")
        _opts.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            _opts[name] = value
    _opts["sci_mode"] = sci_mode


def get_printoptions() -> dict:
    """The current options, as keyword arguments for ``set_printoptions``."""
    return dict(_opts)


class _Formatter:
    """Chooses one notation and width for all the values of an array."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        precision = _opts["precision"]

        if not self.floating:
            for v in values.ravel().tolist():
                self.width = max(self.width, len(str(v)))
            return

        # Zeros, nans and infs take no part in choosing the notation or width.
        vals = values[np.isfinite(values) & (values != 0)]
        if vals.size == 0:
            return
        self.int_mode = bool(np.all(np.ceil(vals) == vals))
        mags = np.abs(vals).astype(np.float64)
        lo, hi = mags.min(), mags.max()
        if _opts["sci_mode"] is None:
            self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        else:
            self.sci_mode = bool(_opts["sci_mode"])

        for v in vals.tolist():
            if self.sci_mode:
                n = len(f"{v:.{precision}e}")
            elif self.int_mode:
                n = len(f"{v:.0f}") + 1  # room for the trailing "."
            else:
                n = len(f"{v:.{precision}f}")
            self.width = max(self.width, n)

    def format(self, v) -> str:
        precision = _opts["precision"]
        if not self.floating:
            s = str(v)
        elif self.sci_mode:
            s = f"{v:{self.width}.{precision}e}"
        elif self.int_mode:
            s = f"{v:.0f}"
            if math.isfinite(v):
                s += "."
        else:
            s = f"{v:.{precision}f}"
        return s.rjust(self.width)


def _edges(a: np.ndarray) -> np.ndarray:
    """The part of ``a`` that a summarised print shows."""
    e = _opts["edgeitems"]
    for axis, n in enumerate(a.shape):
        if n > 2 * e:
            a = np.take(a, np.r_[0:e, n - e:n], axis=axis)
    return a


def _render(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    """The bracketed body of ``a``; ``indent`` is the column of its ``[``."""
    if a.ndim == 0:
        return fmt.format(a.item())

    e = _opts["edgeitems"]
    n = a.shape[0]
    cut = summarize and n > 2 * e

    if a.ndim == 1:
        if summarize and not e:
            items = ["..."]
        elif cut:
            items = ([fmt.format(v) for v in a[:e].tolist()] + [" ..."]
                     + [fmt.format(v) for v in a[n - e:].tolist()])
        else:
            items = [fmt.format(v) for v in a.tolist()]
        per_line = max(1, math.floor((_opts["linewidth"] - indent) / (fmt.width + 2)))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"

    def row(i):
        return _render(a[i], indent + 1, summarize, fmt)

    if cut:
        rows = [row(i) for i in range(e)] + ["..."] + [row(i) for i in range(n - e, n)]
    else:
        rows = [row(i) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, suffix`` items and the closing parenthesis, wrapping as PyTorch does."""
    out = [text]
    # PyTorch's measure of the last line (two more than its true length).
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > _opts["linewidth"]:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    return "".join(out) + ")"


def format_tensor(a: np.ndarray, *, requires_grad: bool = False, grad_fn: str | None = None,
                  prefix: str = "tensor", module: str = "bibun") -> str:
    """The string ``repr(torch.tensor(a))`` would give, with ``torch.`` read as ``{module}.``.

    ``grad_fn`` is the backward node's name (``"MulBackward0"``); when given,
    ``requires_grad=True`` is not printed, as in PyTorch.  Continuation lines
    are indented to align with the character after ``prefix + "("``.
    """
    a = np.asarray(a)
    dtype = a.dtype.name
    if dtype not in _SUPPORTED_DTYPES:
        raise TypeError(f"cannot print an array of dtype {a.dtype}")

    head = prefix + "("
    indent = len(head.rsplit("\n", 1)[-1])
    shape = str(tuple(a.shape))
    suffixes = []
    if a.size == 0:
        # Nothing to infer the dtype from, so only float32 goes without it.
        body = "[]"
        if a.ndim != 1:
            suffixes.append("size=" + shape)
        if dtype != "float32":
            suffixes.append(f"dtype={module}.{dtype}")
    else:
        if not _opts["edgeitems"]:
            suffixes.append("size=" + shape)
        if dtype not in _IMPLICIT_DTYPES:
            suffixes.append(f"dtype={module}.{dtype}")
        summarize = a.size > _opts["threshold"]
        fmt = _Formatter(_edges(a) if summarize else a)
        body = _render(a, indent, summarize, fmt)

    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(head + body, suffixes, indent)
