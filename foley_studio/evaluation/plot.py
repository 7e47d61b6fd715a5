"""Bar charts drawn with OpenCV (matplotlib is not a dependency): one panel per metric."""
from __future__ import annotations

from typing import Mapping, Optional, Sequence

import numpy as np

PANEL_W, PANEL_H, COLUMNS = 380, 230, 3
COLOURS = [(180, 119, 31), (14, 127, 255), (44, 160, 44), (40, 39, 214), (189, 103, 148),
           (75, 86, 140), (194, 119, 227), (127, 127, 127)]  # BGR


def bar_chart(values: Mapping[str, Mapping[str, Optional[float]]], metrics: Sequence[str],
              titles: Mapping[str, str]) -> np.ndarray:
    """Panels of bars, one per metric with one bar per run; returns a BGR image ``(H, W, 3)``.

    ``values[run][metric]`` may be None (drawn as "n/a").
    """
    runs = list(values)
    rows = max(1, -(-len(metrics) // COLUMNS))
    canvas = np.full((rows * PANEL_H + 40, COLUMNS * PANEL_W, 3), 255, np.uint8)
    _legend(canvas, runs)
    for k, metric in enumerate(metrics):
        y0, x0 = 40 + (k // COLUMNS) * PANEL_H, (k % COLUMNS) * PANEL_W
        _panel(canvas[y0:y0 + PANEL_H, x0:x0 + PANEL_W], titles.get(metric, metric),
               [values[r].get(metric) for r in runs])
    return canvas


def _legend(canvas: np.ndarray, runs: Sequence[str]) -> None:
    import cv2

    x = 10
    for i, run in enumerate(runs):
        cv2.rectangle(canvas, (x, 14), (x + 14, 28), COLOURS[i % len(COLOURS)], -1)
        cv2.putText(canvas, run, (x + 20, 27), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        x += 34 + 9 * len(run)


def _panel(panel: np.ndarray, title: str, vals: Sequence[Optional[float]]) -> None:
    """Bars scaled to the largest absolute value, zero line at the bottom (or middle if negative)."""
    import cv2

    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(panel, title, (10, 22), font, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    top, bottom, left, right = 40, PANEL_H - 30, 20, PANEL_W - 20
    finite = [abs(v) for v in vals if v is not None and np.isfinite(v)]
    scale = max(finite) if finite and max(finite) > 0 else 1.0
    negative = any(v is not None and v < 0 for v in vals)
    zero = (top + bottom) // 2 if negative else bottom
    span = (zero - top)
    cv2.line(panel, (left, zero), (right, zero), (0, 0, 0), 1)
    width = (right - left) / max(1, len(vals))
    for i, v in enumerate(vals):
        x0, x1 = int(left + i * width + 6), int(left + (i + 1) * width - 6)
        if v is None or not np.isfinite(v):
            cv2.putText(panel, "n/a", (x0, zero - 6), font, 0.4, (90, 90, 90), 1, cv2.LINE_AA)
            continue
        y = int(zero - span * v / scale)
        cv2.rectangle(panel, (x0, min(y, zero)), (x1, max(y, zero)), COLOURS[i % len(COLOURS)], -1)
        cv2.putText(panel, f"{v:.3g}", (x0, max(top - 4, min(y, zero) - 5)), font, 0.4, (0, 0, 0), 1,
                    cv2.LINE_AA)
