"""The frames of an animation, drawn by changing only what each frame changes.

The layout, the figure size and the axes limits are fixed once for the whole
animation (room is reserved for every text of every frame), so nothing moves
from one frame to the next.  What no frame changes (nodes, arrows, edge
names, title) is drawn once and kept as a picture.  For each frame only the
texts that differ from the previous frame are redrawn: their boxes are
grown until no other text straddles their edge, reset to that picture, and
every text of the frame inside them is drawn again in the order a full drawing
would use.  The result is pixel for pixel what drawing everything again
would give, for the cost of a few texts per frame.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .graph import _prepare_axes, draw_frame, draw_static, make_plan
from ._layout import Style
from .scene import Frame, Scene

__all__ = ["frame_pixels"]

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels from the top left, end exclusive

_INK_PAD = 3  # pixels: antialiasing and overhanging glyphs reach a little beyond a text's box
_FULL = 0.5  # when the changed boxes cover more than this share of the canvas, redraw it all


def frame_pixels(scene: Scene, frames: list[Frame], dpi: int = 100, *, style: Style | None = None):
    """Yield ``(pixels, boxes)`` per frame.

    *pixels* is the canvas as an ``(height, width, 4)`` uint8 RGBA array,
    overwritten by the next frame; *boxes* lists the rectangles whose pixels
    may differ from the previous frame's (the whole canvas for the first).
    """
    frames = list(frames)
    plan = make_plan(scene, frames, style=style)
    fig = Figure(figsize=(plan.width, plan.height), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    ax = fig.add_axes((0, 0, 1, 1))
    scale = _prepare_axes(ax, plan)
    draw_static(ax, plan, scale)
    canvas.draw()
    renderer = canvas.get_renderer()
    pixels = np.asarray(renderer.buffer_rgba())
    static = pixels.copy()
    height, width = pixels.shape[:2]
    whole = (0, 0, width, height)
    shown: dict[tuple, Box] = {}  # the texts on the canvas now, by what they look like, and their boxes

    def box_of(text) -> Box:
        e = text.get_window_extent(renderer)
        return (max(0, math.floor(e.x0) - _INK_PAD), max(0, math.floor(height - e.y1) - _INK_PAD),
                min(width, math.ceil(e.x1) + _INK_PAD), min(height, math.ceil(height - e.y0) + _INK_PAD))

    try:
        for f in frames:
            # every static artist has a lower zorder than the frame's texts (or an equal one and was
            # added first), so drawing these last keeps the order a full redraw would use
            texts = sorted(draw_frame(ax, plan, f, scale), key=lambda t: t.get_zorder())
            now = _keyed(texts)
            boxes_now = {k: shown[k] if k in shown else box_of(t) for k, t in now.items()}
            if not shown:
                boxes = [whole]
            else:
                boxes = [b for k, b in shown.items() if k not in now] + [b for k, b in boxes_now.items() if k not in shown]
                boxes = _disjoint(boxes)
                if sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in boxes) > _FULL * width * height:
                    boxes = [whole]
            shown = boxes_now
            # Agg does not clip text to a box: a text reaching into a box is drawn whole, so its
            # whole box must be reset too
            boxes = _closed(boxes, list(shown.values()))
            for x0, y0, x1, y1 in boxes:
                pixels[y0:y1, x0:x1] = static[y0:y1, x0:x1]
            for k, t in now.items():
                if any(_meet(shown[k], b) for b in boxes):
                    t.draw(renderer)
            yield pixels, boxes
            for t in texts:
                t.remove()
    finally:
        fig.clear()


def _keyed(texts) -> dict[tuple, object]:
    """The texts by everything that decides their pixels (in drawing order); equal ones numbered."""
    out: dict[tuple, object] = {}
    for t in texts:
        x, y = t.get_position()
        key = (t.get_gid(), t.get_text(), x, y, t.get_color(), t.get_fontsize(), t.get_fontstyle(),
               t.get_ha(), t.get_va(), t.get_zorder())
        n = 0
        while (key, n) in out:
            n += 1
        out[(key, n)] = t
    return out


def _meet(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _closed(boxes: list[Box], texts: list[Box]) -> list[Box]:
    """*boxes* grown until each of *texts* lies either inside one of them or outside all."""
    while True:
        straddling = [t for t in texts if any(_meet(t, b) for b in boxes)
                      and not any(b[0] <= t[0] and b[1] <= t[1] and t[2] <= b[2] and t[3] <= b[3] for b in boxes)]
        if not straddling:
            return boxes
        boxes = _disjoint(boxes + straddling)


def _disjoint(boxes: list[Box]) -> list[Box]:
    """Boxes covering the same pixels with no two overlapping (overlapping ones merged)."""
    boxes = list(boxes)
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if _meet(a, b):
                    boxes[i] = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return [b for b in boxes if b[0] < b[2] and b[1] < b[3]]
