"""Storyboard sheets: pictures drawn for a stretch of the soundtrack, kept with the project."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ui.model.lanes import new_id


@dataclass
class Storyboard:
    """Pictures drawn for a region's sound: ``frames`` is ``(takes, windows, H, W, 3)`` uint8,
    window ``w`` starting ``region[0] + w * window`` seconds into the video."""

    frames: np.ndarray
    region: tuple[float, float]
    window: float
    seed: int = 0  # take k was drawn with seed + k
    id: str = field(default_factory=lambda: new_id("board"))

    def window_starts(self) -> list[float]:
        """Where each window (column of pictures) starts, in seconds."""
        return [self.region[0] + w * self.window for w in range(self.frames.shape[1])]
