"""Timing maths shared by the library, the bridge and the app (no torch, no Qt).

Times are float seconds; sample positions are ints at an explicit rate. Timecode follows
SMPTE non-drop-frame ``HH:MM:SS:FF`` (drop-frame for 29.97/59.94 is not used by the exports).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from foley_studio.errors import SelectionError


@dataclass(frozen=True)
class TimeRange:
    """A half-open interval ``[start, end)`` in seconds."""

    start: float
    end: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise SelectionError(f"Selection {self.start}–{self.end} s is not a finite time range.")
        if self.start < 0:
            raise SelectionError(f"Selection starts at {self.start:.3f} s, before the clip; "
                                 "choose a start of 0 s or later.")
        if self.end < self.start:
            raise SelectionError(f"Selection ends ({self.end:.3f} s) before it starts "
                                 f"({self.start:.3f} s); swap the in and out points.")

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start

    def contains(self, t: float) -> bool:
        """Whether ``t`` lies in ``[start, end)``."""
        return self.start <= t < self.end

    def within(self, duration: float, *, what: str = "the clip") -> "TimeRange":
        """Return self if it lies inside ``[0, duration]``; else raise :class:`SelectionError`."""
        if self.end > duration + 1e-6:
            raise SelectionError(
                f"Selection {self.start:.3f}–{self.end:.3f} s runs past the end of {what} "
                f"({duration:.3f} s); move the out point to {duration:.3f} s or earlier.")
        return self

    def samples(self, rate: int) -> tuple[int, int]:
        """The range as ``(first, stop)`` sample indices at ``rate``."""
        return seconds_to_samples(self.start, rate), seconds_to_samples(self.end, rate)


def seconds_to_samples(seconds: float, rate: int) -> int:
    """Nearest sample index for ``seconds`` at ``rate`` Hz."""
    return int(round(seconds * rate))


def samples_to_seconds(samples: int, rate: int) -> float:
    """Seconds for ``samples`` at ``rate`` Hz."""
    return samples / rate


def timecode(seconds: float, fps: float) -> str:
    """SMPTE non-drop timecode ``HH:MM:SS:FF`` of the frame that contains ``seconds``."""
    nominal = max(1, int(round(fps)))
    frames = int(math.floor(seconds * nominal + 1e-6))
    ff = frames % nominal
    total_s = frames // nominal
    return f"{total_s // 3600:02d}:{total_s // 60 % 60:02d}:{total_s % 60:02d}:{ff:02d}"


def parse_timecode(tc: str, fps: float) -> float:
    """Seconds for ``HH:MM:SS:FF`` (or ``HH:MM:SS.sss``) at a nominal ``fps``."""
    try:
        if tc.count(":") == 3:
            hh, mm, ss, ff = (int(p) for p in tc.split(":"))
            return hh * 3600 + mm * 60 + ss + ff / max(1, int(round(fps)))
        hh, mm, ss = tc.split(":")
        return int(hh) * 3600 + int(mm) * 60 + float(ss)
    except ValueError as exc:
        raise SelectionError(f"{tc!r} is not a timecode; write HH:MM:SS:FF or HH:MM:SS.sss.") from exc
