"""A grayscale image as PNG bytes, with zlib alone: the report's example thumbnails need no plotting."""
import struct
import zlib

import numpy as np


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def gray_png(image, vmax=None, scale=1, invert=False):
    """PNG bytes of a 2-D array with values 0..vmax (default: its largest value), each pixel drawn as a
    scale x scale block; invert=True draws high values dark (ink on paper)."""
    a = np.asarray(image, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {a.shape}")
    top = float(vmax) if vmax is not None else max(float(a.max()), 1.0)
    g = np.clip(np.rint(a / top * 255.0), 0, 255).astype(np.uint8)
    if invert:
        g = 255 - g
    if scale > 1:
        g = np.repeat(np.repeat(g, scale, axis=0), scale, axis=1)
    h, w = g.shape
    raw = b"".join(b"\x00" + g[i].tobytes() for i in range(h))
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))
