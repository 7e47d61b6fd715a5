"""Anti-aliased drawing on float RGB canvases ``(H, W, 3)`` in ``[0, 1]`` (numpy only).

Every shape works on the smallest window of pixels that can hold it, so a frame with a
handful of shapes costs well under a millisecond at 128×128. Coordinates are in pixels with
``(0, 0)`` at the top-left corner of the top-left pixel; pixel centres sit at ``+0.5``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

Colour = Sequence[float]


def _window(img: np.ndarray, x0: float, y0: float, x1: float, y1: float):
    """Slices and pixel-centre coordinates (``xs (1, w)``, ``ys (h, 1)``, broadcasting to
    ``(h, w)``) of the part of ``img`` inside a box, or None."""
    h, w = img.shape[:2]
    c0, c1 = max(0, int(np.floor(x0)) - 1), min(w, int(np.ceil(x1)) + 1)
    r0, r1 = max(0, int(np.floor(y0)) - 1), min(h, int(np.ceil(y1)) + 1)
    if c0 >= c1 or r0 >= r1:
        return None
    ys = np.arange(r0, r1, dtype=np.float32)[:, None] + 0.5  # (h, 1)
    xs = np.arange(c0, c1, dtype=np.float32)[None, :] + 0.5  # (1, w)
    return (slice(r0, r1), slice(c0, c1)), xs, ys


def _blend(img: np.ndarray, sl, coverage: np.ndarray, colour: Colour, alpha: float) -> None:
    a = np.clip(coverage * alpha, 0.0, alpha)[..., None]  # (h, w, 1)
    patch = img[sl]  # a view: updated in place
    patch += (np.asarray(colour, np.float32) - patch) * a


def ellipse(img: np.ndarray, cx: float, cy: float, rx: float, ry: float, colour: Colour,
            alpha: float = 1.0, angle: float = 0.0) -> None:
    """Fill an ellipse centred at ``(cx, cy)`` with radii ``rx, ry``, rotated by ``angle`` rad."""
    r = max(rx, ry)
    win = _window(img, cx - r, cy - r, cx + r, cy + r)
    if win is None or rx <= 0 or ry <= 0:
        return
    sl, xs, ys = win
    c, s = np.cos(angle), np.sin(angle)
    u, v = (xs - cx) * c + (ys - cy) * s, -(xs - cx) * s + (ys - cy) * c
    dist = np.sqrt((u / rx) ** 2 + (v / ry) ** 2)  # 1 on the outline
    _blend(img, sl, (1.0 - dist) * min(rx, ry) + 0.5, colour, alpha)


def disc(img: np.ndarray, cx: float, cy: float, r: float, colour: Colour, alpha: float = 1.0) -> None:
    """Fill a circle."""
    ellipse(img, cx, cy, r, r, colour, alpha)


def rect(img: np.ndarray, x0: float, y0: float, x1: float, y1: float, colour: Colour,
         alpha: float = 1.0) -> None:
    """Fill an axis-aligned rectangle with soft (one-pixel) edges."""
    win = _window(img, x0, y0, x1, y1)
    if win is None:
        return
    sl, xs, ys = win
    cover = np.minimum(np.minimum(xs - x0, x1 - xs), np.minimum(ys - y0, y1 - ys)) + 0.5
    _blend(img, sl, cover, colour, alpha)


def segment(img: np.ndarray, p0: Sequence[float], p1: Sequence[float], width: float,
            colour: Colour, alpha: float = 1.0) -> None:
    """Draw a thick line with round caps from ``p0`` to ``p1``."""
    (ax, ay), (bx, by) = p0, p1
    r = width / 2
    win = _window(img, min(ax, bx) - r, min(ay, by) - r, max(ax, bx) + r, max(ay, by) + r)
    if win is None:
        return
    sl, xs, ys = win
    dx, dy = bx - ax, by - ay
    t = np.clip(((xs - ax) * dx + (ys - ay) * dy) / max(dx * dx + dy * dy, 1e-9), 0.0, 1.0)
    dist = np.hypot(xs - ax - t * dx, ys - ay - t * dy)
    _blend(img, sl, r - dist + 0.5, colour, alpha)


def polygon(img: np.ndarray, points: Sequence[Sequence[float]], colour: Colour,
            alpha: float = 1.0) -> None:
    """Fill a convex polygon whose vertices go round in either direction."""
    pts = np.asarray(points, np.float32)  # (N, 2)
    win = _window(img, *pts.min(0), *pts.max(0))
    if win is None:
        return
    sl, xs, ys = win
    area = np.sum(pts[:, 0] * np.roll(pts[:, 1], -1) - np.roll(pts[:, 0], -1) * pts[:, 1])
    sign = 1.0 if area > 0 else -1.0
    cover = np.full(np.broadcast_shapes(xs.shape, ys.shape), np.inf, np.float32)
    for (ax, ay), (bx, by) in zip(pts, np.roll(pts, -1, axis=0)):
        length = max(float(np.hypot(bx - ax, by - ay)), 1e-6)
        inside = sign * ((bx - ax) * (ys - ay) - (by - ay) * (xs - ax)) / length
        cover = np.minimum(cover, inside)
    _blend(img, sl, cover + 0.5, colour, alpha)


def vertical_gradient(height: int, width: int, top: Colour, bottom: Colour) -> np.ndarray:
    """A canvas ``(H, W, 3)`` shading from ``top`` to ``bottom``."""
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]  # (H, 1, 1)
    col = (1 - t) * np.asarray(top, np.float32) + t * np.asarray(bottom, np.float32)
    return np.repeat(col, width, axis=1)


def to_uint8(img: np.ndarray) -> np.ndarray:
    """Float canvas in ``[0, 1]`` → uint8 RGB."""
    return (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
