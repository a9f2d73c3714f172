"""The texts each edge carries (values from the frames, its static name) and the room they need."""

from __future__ import annotations

from dataclasses import dataclass

from ..scene import Edge, Frame
from .measure import measure, safe_text
from .style import Style

__all__ = ["EdgeTexts", "edge_texts"]


@dataclass
class EdgeTexts:
    """Per pair ``(src, dst)`` the value texts of every frame; per edge index the room its texts need."""

    above: dict[tuple[int, int], list[str]]  # forward values, ready for matplotlib
    below: dict[tuple[int, int], list[str]]  # backward values
    label_sizes: list[tuple[float, float]]  # the edge's static name (0, 0 without one)
    above_h: list[float]  # height of the texts above the edge
    below_h: list[float]  # ... and below it
    width: list[float]  # width of the widest text of the edge


def _max_size(texts: list[str], fs: float) -> tuple[float, float]:
    sizes = [measure(s, fs) for s in texts]
    return max((w for w, _ in sizes), default=0.0), max((h for _, h in sizes), default=0.0)


def edge_texts(edges: list[Edge], frames: list[Frame], style: Style) -> EdgeTexts:
    """The texts to reserve room for; without frames a typical value on both sides of every edge."""
    above_txt: dict[tuple[int, int], list[str]] = {}
    below_txt: dict[tuple[int, int], list[str]] = {}
    for f in frames:
        for k, s in f.above.items():
            above_txt.setdefault(tuple(k), []).append(safe_text(s, style.value_fontsize))
        for k, s in f.below.items():
            below_txt.setdefault(tuple(k), []).append(safe_text(s, style.value_fontsize))
    fs = style.value_fontsize
    tw, th = measure(style.typical_value, fs)
    lab_sizes = [measure(safe_text(e.label, style.label_fontsize), style.label_fontsize) if e.label else (0.0, 0.0)
                 for e in edges]
    val_h = max([th] + [_max_size(v, fs)[1] for v in list(above_txt.values()) + list(below_txt.values())])
    e_above_h, e_below_h = [], []
    for i, e in enumerate(edges):
        k = (e.src, e.dst)
        has_a = not frames or k in above_txt
        has_b = not frames or k in below_txt
        ah = (val_h if has_a else 0.0) + (lab_sizes[i][1] + style.row_gap if e.label else 0.0)
        e_above_h.append(ah)
        e_below_h.append(val_h if has_b else 0.0)
    edge_text_w = []
    for i, e in enumerate(edges):
        k = (e.src, e.dst)
        w = max(tw, lab_sizes[i][0], _max_size(above_txt.get(k, []), fs)[0], _max_size(below_txt.get(k, []), fs)[0])
        edge_text_w.append(w)
    return EdgeTexts(above_txt, below_txt, lab_sizes, e_above_h, e_below_h, edge_text_w)
