"""Onset measurement shared by the world's tests (import as ``from helpers_world import ...``)."""
from __future__ import annotations

import numpy as np

TOLERANCE = 0.001  # seconds


def onset_near(audio: np.ndarray, sr: int, t: float, search: float = 0.02) -> float:
    """Time of the sound that starts within ``search`` s of ``t``: the first sample that rises
    a fifth of the way from the level just before the window to the peak in it."""
    env = np.abs(audio)
    lo, hi = int((t - search) * sr), int((t + search + 0.03) * sr)
    before = env[max(0, lo - int(0.01 * sr)):lo]
    floor = float(before.max()) if before.size else 0.0
    window = env[max(0, lo):hi]
    rise = np.flatnonzero(window > floor + 0.2 * (window.max() - floor))
    return (max(0, lo) + int(rise[0])) / sr


def worst_error(audio: np.ndarray, sr: int, times: np.ndarray) -> float:
    """Largest distance in seconds between each time and the onset measured near it."""
    return max(abs(onset_near(audio, sr, float(t)) - t) for t in times)
