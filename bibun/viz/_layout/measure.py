"""Text sizes, measured with matplotlib's own renderer (the dearest part of a layout, so cached)."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = ["measure", "safe_text"]


class _Measurer:
    def __init__(self) -> None:
        self._fig = Figure(dpi=72)
        FigureCanvasAgg(self._fig)
        self._renderer = self._fig.canvas.get_renderer()
        self._cache: dict[tuple[str, float], tuple[float, float]] = {}
        self._safe: dict[str, str] = {}

    def _raw(self, s: str, fontsize: float) -> tuple[float, float]:
        t = Text(0, 0, s, fontsize=fontsize, ha="center", va="center")
        t.set_figure(self._fig)
        bb = t.get_window_extent(self._renderer)
        return bb.width / 72.0, bb.height / 72.0

    def safe(self, s: str, fontsize: float = 10.0) -> str:
        """*s*, or *s* with its dollars escaped when it is not valid mathtext.

        The check measures *s*, at *fontsize* so that measuring it next costs
        nothing (parsing mathtext is the dearest part of a layout).
        """
        s = str(s)
        if s not in self._safe:
            out = s
            if "$" in s:
                try:
                    size = self._raw(s, fontsize)
                except ValueError:
                    out = s.replace("\\$", "$").replace("$", "\\$")
                else:
                    self._cache[(s, float(fontsize))] = size
            self._safe[s] = out
        return self._safe[s]

    def size(self, s: str, fontsize: float) -> tuple[float, float]:
        if not s or not s.strip():
            return 0.0, 0.0
        s = self.safe(s)
        key = (s, float(fontsize))
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = self._raw(s, fontsize)
        return got


_MEASURER: _Measurer | None = None


def _measurer() -> _Measurer:
    global _MEASURER
    if _MEASURER is None:
        _MEASURER = _Measurer()
    return _MEASURER


def measure(s: str, fontsize: float) -> tuple[float, float]:
    """Width and height in inches of *s* drawn at *fontsize* points."""
    return _measurer().size(s, fontsize)


def safe_text(s: str, fontsize: float = 10.0) -> str:
    """*s* unchanged if matplotlib can draw it, else with ``$`` escaped (*fontsize*: the size it will be measured at)."""
    return _measurer().safe(s, fontsize)
