"""Animated GIFs written one frame at a time.

Pillow's own writer keeps every frame in memory until the file is complete;
an animation of a large graph then needs gigabytes.  Here each frame is
compared with the one before, only the rectangle that changed is encoded
(Pillow does the LZW coding of that rectangle), and the frame is dropped:
memory stays at one frame whatever the length of the animation.
"""

from __future__ import annotations

import io
import struct

import numpy as np

__all__ = ["GifWriter"]


class GifWriter:
    """Collects palette images of one size into a looping GIF (``bytes()`` at the end).

    Every image must be mode ``"P"`` with the palette given here.  Each call
    to :meth:`add` makes exactly one GIF frame, even when nothing changed,
    so a viewer shows one frame per step.
    """

    def __init__(self, size: tuple[int, int], palette: list[int], duration_ms: int, loop: int = 0):
        if len(palette) != 768:
            raise ValueError("the palette must hold 256 RGB colours")
        self._size = size
        self._palette = bytes(palette)
        self._delay = max(0, int(round(duration_ms / 10)))  # GIF counts hundredths of a second
        self._prev: np.ndarray | None = None
        self._out = io.BytesIO()
        w, h = size
        # header, logical screen (global table of 256 colours, background 0), the table, looping
        self._out.write(b"GIF89a" + struct.pack("<HHBBB", w, h, 0xF7, 0, 0) + self._palette)
        self._out.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", loop) + b"\x00")
        self.frames = 0

    def add(self, im) -> None:
        if im.mode != "P" or im.size != self._size:
            raise ValueError(f"GIF frames must be palette images of size {self._size}")
        px = np.asarray(im)
        if self._prev is None:
            box = (0, 0, *self._size)
        else:
            changed = px != self._prev
            rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
            # nothing changed: still a frame of its own, one unchanged pixel
            box = (cols[0], rows[0], cols[-1] + 1, rows[-1] + 1) if len(rows) else (0, 0, 1, 1)
        box = tuple(int(v) for v in box)
        self._prev = px
        part = im.crop(box)
        table, lzw = _encoded(part)
        x0, y0, x1, y1 = box
        # graphic control: disposal 1 (leave the frame in place), the delay; then the image descriptor
        self._out.write(b"!\xf9\x04" + struct.pack("<BHBB", 1 << 2, self._delay, 0, 0))
        local = table != self._palette
        flags = (0x80 | ((len(table) // 3).bit_length() - 2)) if local else 0
        self._out.write(b"," + struct.pack("<HHHHB", x0, y0, x1 - x0, y1 - y0, flags))
        if local:
            self._out.write(table)
        self._out.write(lzw)
        self.frames += 1

    def __bytes__(self) -> bytes:
        if not self.frames:
            raise ValueError("a GIF needs at least one frame")
        return self._out.getvalue() + b";"


def _encoded(im) -> tuple[bytes, bytes]:
    """The colour table and the image data (LZW code size and sub-blocks) Pillow writes for *im*."""
    buf = io.BytesIO()
    im.save(buf, format="GIF", interlace=False, optimize=False)
    data = buf.getvalue()
    flags = data[10]
    pos = 13
    table = b""
    if flags & 0x80:
        n = 3 << ((flags & 7) + 1)
        table, pos = data[pos:pos + n], pos + n
    while data[pos] == 0x21:  # extensions: label, then sub-blocks up to an empty one
        pos += 2
        while data[pos]:
            pos += data[pos] + 1
        pos += 1
    if data[pos] != 0x2C:
        raise ValueError("unexpected GIF layout from Pillow")
    dflags = data[pos + 9]
    pos += 10
    if dflags & 0x80:  # a local table takes the place of the global one
        n = 3 << ((dflags & 7) + 1)
        table, pos = data[pos:pos + n], pos + n
    end = len(data) - 1
    if data[end] != 0x3B:
        raise ValueError("unexpected GIF layout from Pillow")
    return table, data[pos:end]
