"""What the user selected on the timeline: one frame or a region, with editor-style in/out."""
from __future__ import annotations

from dataclasses import dataclass, replace

from foley_studio.errors import SelectionError
from foley_studio.timeline import TimeRange, frame_index


def last_frame(duration: float, fps: float) -> int:
    """Index of a clip's last frame: its duration holds ``round(duration * fps)`` frames (a
    container's duration is the frame count over the rate, give or take rounding)."""
    return max(round(duration * fps) - 1, 0)


@dataclass(frozen=True)
class Selection:
    """``[start, end)`` seconds; ``frame`` marks a single clicked frame (a still for the generator)."""

    start: float
    end: float
    frame: bool = False

    def __post_init__(self) -> None:
        TimeRange(self.start, self.end)  # validates finite, non-negative, ordered
        if self.end <= self.start:
            raise SelectionError(f"The selection {self.start:.3f}–{self.end:.3f} s is empty; "
                                 "drag across the timeline or set an in and an out point.")

    @property
    def range(self) -> TimeRange:
        """The selection as a :class:`TimeRange`."""
        return TimeRange(self.start, self.end)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start

    @classmethod
    def at_frame(cls, t: float, fps: float, duration: float) -> "Selection":
        """The frame that contains ``t`` (clamped to the clip)."""
        index = frame_index(min(max(t, 0.0), max(duration - 1e-9, 0.0)), fps)
        return cls(index / fps, min((index + 1) / fps, duration), frame=True)

    @classmethod
    def between(cls, a: float, b: float, duration: float) -> "Selection":
        """The region between two times, in either order, clamped to ``[0, duration]``."""
        lo, hi = sorted((min(max(a, 0.0), duration), min(max(b, 0.0), duration)))
        return cls(lo, hi)

    def with_in(self, t: float, duration: float, fps: float) -> "Selection":
        """In point moved to ``t``; an out point before it moves one frame after it."""
        end = self.end if self.end > t and not self.frame else min(t + 1.0 / fps, duration)
        return Selection(t, end) if end > t else self

    def with_out(self, t: float, fps: float) -> "Selection":
        """Out point moved to ``t``; an in point after it moves one frame before it."""
        start = self.start if self.start < t else max(t - 1.0 / fps, 0.0)
        return replace(self, start=start, end=t, frame=False) if t > start else self
