"""An animation as one picture of patches: the first frame whole, then only what each frame changes.

Frame *k* is the first frame with the patches of frames 1..k laid over it in
order: a patch of frame *j* holds every pixel of frame *j* that differs from
frame *j - 1* inside its rectangle, so the last patch covering a pixel (or the
first frame, if none does) gives that pixel's colour in frame *k*.  All
patches are packed into one sheet image, the first frame at its top, so the
whole animation is one PNG with one palette and one compressed stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Patch", "PatchSheet"]


@dataclass(frozen=True)
class Patch:
    """A rectangle of a frame (x, y, width, height, in frame pixels) and where it lies on the sheet (sx, sy)."""

    x: int
    y: int
    w: int
    h: int
    sx: int
    sy: int


class PatchSheet:
    """Collects palette frames (:meth:`add`), then packs them (:meth:`pack`)."""

    def __init__(self):
        self._prev: np.ndarray | None = None
        self._parts: list[list[tuple[int, int, np.ndarray]]] = []  # per frame: (x, y, pixels)

    def __len__(self) -> int:
        return len(self._parts)

    def add(self, indices: np.ndarray, boxes) -> None:
        """Take the next frame: its pixels (palette indices ``(height, width)``, or colours ``(height, width,
        channels)``) and the boxes (x0, y0, x1, y1) outside which it equals the frame before (the first
        frame's are ignored: it is kept whole)."""
        if self._prev is None:
            self._parts.append([(0, 0, indices.copy())])
        else:
            if indices.shape != self._prev.shape:
                raise ValueError("every frame of an animation must have the same size")
            parts = []
            for x0, y0, x1, y1 in boxes:
                changed = indices[y0:y1, x0:x1] != self._prev[y0:y1, x0:x1]
                if changed.ndim == 3:
                    changed = changed.any(axis=2)
                rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
                if len(rows):  # the rectangle shrunk to the pixels that changed
                    ya, yb, xa, xb = y0 + rows[0], y0 + rows[-1] + 1, x0 + cols[0], x0 + cols[-1] + 1
                    parts.append((int(xa), int(ya), indices[ya:yb, xa:xb].copy()))
            self._parts.append(parts)
        self._prev = indices.copy()

    def pack(self) -> tuple[np.ndarray, list[list[Patch]]]:
        """The sheet (palette indices, as wide as a frame, the first frame at its top) and each frame's patches.

        Shelf packing, tallest first: patches are mostly one or two lines of text, so rows of
        equal height waste little.
        """
        if not self._parts:
            raise ValueError("an animation needs at least one frame")
        first = self._parts[0][0][2]
        width = first.shape[1]
        order = sorted(((k, i) for k, parts in enumerate(self._parts[1:], 1) for i in range(len(parts))),
                       key=lambda ki: -self._parts[ki[0]][ki[1]][2].shape[0])
        at: dict[tuple[int, int], tuple[int, int]] = {}
        x, row_top, row_h = 0, first.shape[0], 0
        for k, i in order:
            h, w = self._parts[k][i][2].shape[:2]
            if x + w > width:
                row_top, x = row_top + row_h, 0
            if x == 0:
                row_h = h
            at[k, i] = (x, row_top)
            x += w
        height = row_top + row_h
        sheet = np.zeros((height, *first.shape[1:]), dtype=first.dtype)
        sheet[:first.shape[0]] = first
        placed: list[list[Patch]] = [[Patch(0, 0, width, first.shape[0], 0, 0)]]
        for k, parts in enumerate(self._parts[1:], 1):
            placed.append([])
            for i, (px, py, pixels) in enumerate(parts):
                sx, sy = at[k, i]
                h, w = pixels.shape[:2]
                sheet[sy:sy + h, sx:sx + w] = pixels
                placed[-1].append(Patch(px, py, w, h, sx, sy))
        return sheet, placed
