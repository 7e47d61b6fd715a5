"""Footage with known hit frames for the sync tests: a ball bouncing on a textured floor,
drawn with OpenCV (anti-aliased, with sensor noise and an optional camera pan) and encoded
as H.264 with PyAV. ``bouncing_ball(path, contacts=[...])`` returns the path; the ball
touches the floor exactly on the listed frames."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Optional, Sequence

import av
import cv2
import numpy as np


def ball_height(f: float, contacts: Sequence[int], lead: int = 12) -> float:
    """The ball's height (0 = on the floor, 1 = its highest) at frame ``f`` (a ball with no
    contacts glides at half height)."""
    if not contacts:
        return 0.5
    bounds = [contacts[0] - lead] + list(contacts) + [contacts[-1] + lead * 2]
    k = max(0, int(np.searchsorted(bounds, f, side="right")) - 1)
    k = min(k, len(bounds) - 2)
    a, b = bounds[k], bounds[k + 1]
    tau = np.clip((f - a) / (b - a), 0.0, 1.0)
    if k == 0:  # the first drop starts at the top
        tau = 0.5 + 0.5 * tau
    return float(4 * tau * (1 - tau) * min(1.0, (b - a) / 20) ** 2)


def _background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A textured wall over a darker floor, ``(height + 64, width, 3)`` float."""
    noise = rng.normal(0, 1, (height // 8 + 10, width // 8 + 2)).astype(np.float32)
    texture = cv2.resize(noise, (width, height + 64), interpolation=cv2.INTER_CUBIC)
    img = np.empty((height + 64, width, 3), np.float32)
    img[:] = (170, 190, 200)
    img += 18 * texture[..., None]
    img[int(0.8 * (height + 64)):] = (90, 70, 50) + 12 * texture[int(0.8 * (height + 64)):, :, None]
    return img


def bouncing_ball(path: Path, contacts: Sequence[int], *, frames: int = 100, fps: int = 25,
                  size: tuple[int, int] = (320, 180), pan: float = 0.0, noise: float = 3.0,
                  seed: int = 0, cut: Optional[int] = None) -> Path:
    """A ball that lands on ``contacts`` (frame numbers); ``pan`` moves the camera by that
    many pixels per frame to the right (the background drifts left); from frame ``cut`` on,
    the shot changes (the wall mirrored and darker, the ball further left)."""
    rng = np.random.default_rng(seed)
    width, height = size
    backdrop = _background(rng, height, width + int(np.ceil(abs(pan) * frames)))
    floor = int(0.8 * (height + 64)) - 32
    radius = height // 12
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        stream.options = {"preset": "ultrafast", "crf": "18"}
        for f in range(frames):
            x0 = int(round(pan * f)) if pan >= 0 else int(round(-pan * (frames - 1 - f)))
            img = backdrop[32:32 + height, x0:x0 + width].copy()
            cx = width * (0.3 + 0.4 * f / frames)
            if cut is not None and f >= cut:
                img, cx = 0.7 * img[:, ::-1], cx - width * 0.2
            cy = floor - radius - ball_height(f, contacts) * 0.6 * height
            cv2.circle(img, (int(cx * 16), int(cy * 16)), radius * 16, (40, 60, 220), -1,
                       cv2.LINE_AA, 4)
            img += rng.normal(0, noise, img.shape)
            frame = av.VideoFrame.from_ndarray(np.clip(img, 0, 255).astype(np.uint8), format="rgb24")
            frame.pts = f
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path
