"""Plane geometry of a layout: hit tests, clipping, curves, and the isotonic fit of the placement."""

from __future__ import annotations

import numpy as np

__all__ = ["Point", "Rect", "seg_rect_hits", "rects_hits", "clip", "bezier", "chaikin", "isotonic", "stack"]

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


def seg_rect_hits(segs: np.ndarray, rect: Rect) -> np.ndarray:
    """Boolean mask: which segments (N, 4: x0 y0 x1 y1) meet the rectangle."""
    out = np.zeros(len(segs), dtype=bool)
    if len(segs) == 0:
        return out
    x0, y0, x1, y1 = rect
    sx0, sy0, sx1, sy1 = segs[:, 0], segs[:, 1], segs[:, 2], segs[:, 3]
    box = (
        (np.maximum(sx0, sx1) >= x0)
        & (np.minimum(sx0, sx1) <= x1)
        & (np.maximum(sy0, sy1) >= y0)
        & (np.minimum(sy0, sy1) <= y1)
    )
    idx = np.nonzero(box)[0]
    if len(idx) == 0:
        return out
    s = segs[idx]
    dx, dy = s[:, 2] - s[:, 0], s[:, 3] - s[:, 1]
    cx = np.array([x0, x0, x1, x1])[:, None]
    cy = np.array([y0, y1, y0, y1])[:, None]
    f = dx[None, :] * (cy - s[None, :, 1]) - dy[None, :] * (cx - s[None, :, 0])
    out[idx] = (f.min(axis=0) <= 0) & (f.max(axis=0) >= 0)
    return out


def rects_hits(rects: np.ndarray, rect: Rect) -> np.ndarray:
    """Boolean mask: which rectangles (N, 4) overlap *rect*."""
    if len(rects) == 0:
        return np.zeros(0, dtype=bool)
    x0, y0, x1, y1 = rect
    return (rects[:, 0] < x1) & (rects[:, 2] > x0) & (rects[:, 1] < y1) & (rects[:, 3] > y0)


def _clip_start(pts: list[Point], inside) -> list[Point]:
    """Drop the part of the polyline that starts inside a shape; cut at the outline."""
    i = 0
    while i < len(pts) - 1 and inside(*pts[i + 1]):
        i += 1
    if i == len(pts) - 1:  # entirely inside: keep the last point only
        return [pts[-1], pts[-1]]
    a, b = pts[i], pts[i + 1]
    if not inside(*a):
        return pts[i:]
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        p = (a[0] + (b[0] - a[0]) * mid, a[1] + (b[1] - a[1]) * mid)
        if inside(*p):
            lo = mid
        else:
            hi = mid
    p = (a[0] + (b[0] - a[0]) * hi, a[1] + (b[1] - a[1]) * hi)
    return [p] + pts[i + 1 :]


def clip(pts: list[Point], src, dst, pad: float) -> list[Point]:
    """*pts* cut at the outlines of the nodes *src* and *dst* (anything with ``contains(x, y, pad)``)."""
    pts = _clip_start(pts, lambda x, y: src.contains(x, y, pad))
    pts = _clip_start(pts[::-1], lambda x, y: dst.contains(x, y, pad))[::-1]
    return pts


def bezier(p0: Point, c: Point, p1: Point, n: int = 16) -> list[Point]:
    """*n* + 1 points of the quadratic Bézier curve from *p0* to *p1* with control point *c*."""
    t = np.linspace(0.0, 1.0, n + 1)
    x = (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * c[0] + t**2 * p1[0]
    y = (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * c[1] + t**2 * p1[1]
    return list(zip(x.tolist(), y.tolist()))


def chaikin(pts: list[Point], iters: int = 2) -> list[Point]:
    """Round the corners of an open polyline (Chaikin), keeping its two ends."""
    for _ in range(iters):
        if len(pts) < 3:
            return pts
        out = [pts[0]]
        last = len(pts) - 2
        for i, (a, b) in enumerate(zip(pts, pts[1:])):
            q = (0.75 * a[0] + 0.25 * b[0], 0.75 * a[1] + 0.25 * b[1])
            r = (0.25 * a[0] + 0.75 * b[0], 0.25 * a[1] + 0.75 * b[1])
            if i > 0:
                out.append(q)
            if i < last:
                out.append(r)
        out.append(pts[-1])
        pts = out
    return pts


def isotonic(target: list[float], weight: list[float]) -> list[float]:
    """Weighted least-squares non-decreasing fit (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for t, w in zip(target, weight):
        blocks.append([t, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            wt = w1 + w2
            blocks.append([(m1 * w1 + m2 * w2) / wt, wt, c1 + c2])
    out: list[float] = []
    for m, _w, c in blocks:
        out.extend([m] * int(c))
    return out


def stack(rows: list[tuple[str, float, float]], gap: float) -> tuple[float, float]:
    """Width and height of ``(role, width, height)`` rows stacked with *gap* between them."""
    if not rows:
        return 0.0, 0.0
    return max(w for _, w, _ in rows), sum(h for _, _, h in rows) + gap * (len(rows) - 1)

