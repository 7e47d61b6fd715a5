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


ASCII_MARKS = str.maketrans({"↑": "(higher better)", "↓": "(lower better)", "→": "->", "×": "x ",
                             "–": "-", "−": "-"})
"""OpenCV's Hershey fonts draw only ASCII: the metric titles' marks, spelled out."""


def _panel(panel: np.ndarray, title: str, vals: Sequence[Optional[float]]) -> None:
    """Bars scaled to the largest absolute value, zero line at the bottom (or middle if negative)."""
    import cv2

    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(panel, title.translate(ASCII_MARKS), (10, 22), font, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
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


SHEET_CELL_W, SHEET_CELL_H, SHEET_LABEL_W, SHEET_HEAD_H = 240, 72, 90, 24
SHEET_RANGE_DB = 70.0
SHEET_LEVELS = 24  # colours per cell: few enough that the sheet stays a small PNG


def spectrogram_image(audio: np.ndarray, rate: int, width: int = SHEET_CELL_W, height: int = SHEET_CELL_H,
                      n_fft: int = 512) -> np.ndarray:
    """A log-frequency spectrogram of mono ``audio`` ``(S,)`` as a BGR image ``(height, width, 3)``,
    70 dB of range below the clip's peak in :data:`SHEET_LEVELS` steps, low frequencies at the
    bottom."""
    import cv2

    x = np.asarray(audio, np.float64)
    hop = max(1, len(x) // (2 * width))
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(x, (n_fft // 2, n_fft // 2)), n_fft)[::hop]
    power = np.abs(np.fft.rfft(frames * np.hanning(n_fft), axis=1)) ** 2  # (T, K)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    rows = np.geomspace(60.0, rate / 2, height)  # log-spaced rows, 60 Hz to Nyquist
    cols = np.stack([np.interp(rows, freqs, p) for p in power], axis=1)  # (height, T)
    db = 10 * np.log10(cols + 1e-12)
    level = np.clip((db - db.max() + SHEET_RANGE_DB) / SHEET_RANGE_DB, 0, 1)
    level = np.round(level * (SHEET_LEVELS - 1)) / (SHEET_LEVELS - 1)
    image = cv2.resize((255 * level[::-1]).astype(np.uint8), (width, height), interpolation=cv2.INTER_AREA)
    return cv2.applyColorMap(image, cv2.COLORMAP_MAGMA)


def spectrogram_sheet(cells: Mapping[tuple[str, str], np.ndarray], rows: Sequence[str],
                      columns: Sequence[str], rate: int) -> np.ndarray:
    """A grid of :func:`spectrogram_image` (one row per class, one column per source), with
    names; ``cells[(row, column)]`` is a clip ``(S,)`` at ``rate`` (a missing cell stays blank)."""
    import cv2

    canvas = np.full((SHEET_HEAD_H + len(rows) * (SHEET_CELL_H + 4),
                      SHEET_LABEL_W + len(columns) * (SHEET_CELL_W + 4), 3), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for j, col in enumerate(columns):
        cv2.putText(canvas, col, (SHEET_LABEL_W + j * (SHEET_CELL_W + 4) + 4, 16), font, 0.45, (0, 0, 0), 1)
    for i, row in enumerate(rows):
        y = SHEET_HEAD_H + i * (SHEET_CELL_H + 4)
        cv2.putText(canvas, row, (4, y + SHEET_CELL_H // 2 + 5), font, 0.45, (0, 0, 0), 1)
        for j, col in enumerate(columns):
            if (row, col) in cells:
                x = SHEET_LABEL_W + j * (SHEET_CELL_W + 4)
                canvas[y:y + SHEET_CELL_H, x:x + SHEET_CELL_W] = spectrogram_image(cells[(row, col)], rate)
    return canvas
