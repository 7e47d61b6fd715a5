"""Per-frame motion features of a picture: how much moves, and how suddenly it stops or turns.

For each frame ``t`` two dense optical flows are taken on its own pixel grid (OpenCV
Farneback): the *incoming* velocity ``v_in = −flow(t → t−1)`` and the *outgoing* velocity
``v_out = flow(t → t+1)``, each less its median (so a pan or a shaking camera cancels).
A pixel's *deceleration* is how much of its incoming speed it loses along its own direction::

    d(x) = max(0, |v_in(x)| − v_out(x) · v_in(x) / |v_in(x)|)

A ball that bounces turns round (``d`` up to ``2 |v_in|``), a foot or a clock hand that lands
stops (``d = |v_in|``), and something that starts to move has no incoming speed (``d = 0``):
the frame where a visible contact happens is the frame where ``d`` peaks. A cut between two shots (:func:`near_cuts`) is no motion: the
frames on both sides of it are left out. Speeds are in
frame widths per frame, so the figures do not depend on the analysis size.

:func:`frame_features` turns each frame into the :data:`FEATURES` below. The first frame has no
incoming and the last no outgoing velocity: their deceleration is unknown and set to 0 (a
region is read with a neighbour frame beyond each end for that reason).
"""
from __future__ import annotations

from typing import Iterable, Iterator

import cv2
import numpy as np

FEATURES = ("impact", "impact_peak", "speed_in", "speed_out", "moving_in", "difference")
"""Per frame: mean deceleration, its 99th percentile, mean incoming and outgoing speed,
the share of pixels moving faster than :data:`MOVING` and the mean absolute frame
difference (0–1)."""
MOVING = 0.004  # frame widths per frame: slower pixels count as still
CUT_LEVEL = 0.1  # a mean frame difference above this (of full scale) is a cut, not motion


def flow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense flow ``(H, W, 2)`` in pixels that takes grey frame ``a`` ``(H, W)`` to ``b``."""
    return cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, 9, 3, 5, 1.1, 0)


def _centred(field: np.ndarray) -> np.ndarray:
    """``field`` ``(H, W, 2)`` less its median vector (global camera motion)."""
    return field - np.median(field.reshape(-1, 2), axis=0)


def frame_row(v_in: np.ndarray, v_out: np.ndarray, diff: float, width: int) -> np.ndarray:
    """The :data:`FEATURES` of one frame from its incoming and outgoing velocity fields
    ``(H, W, 2)`` in pixels per frame."""
    v_in, v_out = v_in / width, v_out / width
    speed_in = np.linalg.norm(v_in, axis=-1)  # (H, W)
    along = np.einsum("hwc,hwc->hw", v_out, v_in) / np.maximum(speed_in, 1e-9)
    decel = np.where(speed_in > MOVING, np.maximum(0.0, speed_in - along), 0.0)  # (H, W)
    return np.array([decel.mean(), np.percentile(decel, 99), speed_in.mean(),
                     np.linalg.norm(v_out, axis=-1).mean(), (speed_in > MOVING).mean(), diff])


def frame_features(frames: Iterable[np.ndarray]) -> np.ndarray:
    """:data:`FEATURES` ``(T, F)`` of grey frames ``(H, W)`` uint8, streamed (three frames
    and two flow fields are held at a time, whatever the clip's length)."""
    rows = list(_rows(iter(frames)))
    return np.asarray(rows, np.float64).reshape(len(rows), len(FEATURES))


def _rows(frames: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    cur = next(frames, None)
    if cur is None:
        return
    width = cur.shape[1]
    v_in, diff_in = np.zeros(cur.shape + (2,), np.float32), 0.0
    for nxt in frames:
        v_out = _centred(flow(cur, nxt))
        yield frame_row(v_in, v_out, diff_in, width)
        v_in = -_centred(flow(nxt, cur))
        diff_in = float(np.abs(nxt.astype(np.int16) - cur).mean()) / 255.0
        cur = nxt
    last = frame_row(v_in, np.zeros_like(v_in), diff_in, width)
    last[:2] = 0.0  # no next frame: a stop cannot be told from the clip's end
    yield last


def near_cuts(feats: np.ndarray, level: float = CUT_LEVEL) -> np.ndarray:
    """``(T,)`` bool: the frames on either side of a cut (a frame whose mean difference from
    the one before exceeds ``level``). Flow across a cut is meaningless, so no hit goes there."""
    cut = feats[:, FEATURES.index("difference")] > level  # (T,) the cut lies just before these
    return cut | np.append(cut[1:], False)
