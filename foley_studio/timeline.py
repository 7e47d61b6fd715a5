"""Timing maths shared by the library, the bridge and the app (no torch, no Qt).

Times are float seconds; sample positions are ints at an explicit rate. A timecode labels a
*frame*, counted at the clip's true rate: ``HH:MM:SS:FF`` non-drop-frame, or ``HH:MM:SS;FF``
drop-frame for 29.97 and 59.94 fps, where the labels skip frame numbers 0 and 1 (0–3 at 59.94)
of every minute not divisible by ten, so the label keeps pace with the clock (one hour of
picture ends at ``01:00:00;00``). Times that should show exactly as their timecode are first
snapped to a frame boundary (:func:`snap_to_frame`). A project whose picture starts at a
timecode other than ``00:00:00:00`` labels its time with a :class:`Clock`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional

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


DROP_FRAME_RATES = {30: 30000 / 1001, 60: 60000 / 1001}
"""Nominal rate → true rate of the two rates that count drop-frame timecode."""

_EPS = 1e-6  # frames: a time computed as n / fps may land a hair below frame n
_TIMECODE = re.compile(r"(\d+):(\d{1,2}):(\d{1,2})([:;.,])(\d+)")


def _check_fps(fps: float) -> float:
    if not (math.isfinite(fps) and 0 < fps <= 1000):
        raise SelectionError(f"The frame rate must lie in (0, 1000] fps (got {fps}).")
    return float(fps)


def is_drop_frame_rate(fps: float) -> bool:
    """Whether ``fps`` is 29.97 or 59.94 (NTSC), whose timecode is drop-frame by default."""
    return any(abs(fps - true) < 0.005 for true in DROP_FRAME_RATES.values())


def frame_index(seconds: float, fps: float) -> int:
    """The frame that shows at ``seconds`` (frame ``n`` lasts ``[n / fps, (n + 1) / fps)``)."""
    return int(math.floor(seconds * _check_fps(fps) + _EPS))


def snap_to_frame(seconds: float, fps: float) -> float:
    """``seconds`` moved to the nearest frame boundary ``n / fps``."""
    return int(round(seconds * _check_fps(fps))) / fps


def frame_start(seconds: float, fps: float) -> float:
    """The start of the frame that shows at ``seconds``."""
    return frame_index(seconds, fps) / fps


def _drop_per_minute(fps: float, drop: bool | None) -> tuple[int, int]:
    """``(nominal rate, frame numbers skipped per minute)`` for a timecode at ``fps``."""
    nominal = max(1, int(round(fps)))
    if drop is None:
        drop = is_drop_frame_rate(fps)
    if drop and nominal not in DROP_FRAME_RATES:
        raise SelectionError(f"Drop-frame timecode exists only at 29.97 and 59.94 fps (not {fps}).")
    return nominal, (nominal // 15 if drop else 0)


def frames_to_timecode(frame: int, fps: float, drop: bool | None = None) -> str:
    """The timecode label of frame number ``frame`` (``drop``: None = drop-frame at NTSC rates)."""
    nominal, skip = _drop_per_minute(_check_fps(fps), drop)
    if frame < 0:
        raise SelectionError(f"Frame {frame} lies before the clip; frames count from 0.")
    if skip:
        per_10min, per_min = nominal * 600 - 9 * skip, nominal * 60 - skip
        tens, rest = divmod(frame, per_10min)
        frame += 9 * skip * tens + (skip * ((rest - skip) // per_min) if rest >= skip else 0)
    ff, total_s = frame % nominal, frame // nominal
    sep = ";" if skip else ":"
    return f"{total_s // 3600:02d}:{total_s // 60 % 60:02d}:{total_s % 60:02d}{sep}{ff:02d}"


def timecode(seconds: float, fps: float, drop: bool | None = None) -> str:
    """Timecode of the frame that shows at ``seconds`` (``drop``: None = drop-frame at 29.97
    and 59.94 fps, non-drop otherwise)."""
    return frames_to_timecode(max(0, frame_index(seconds, fps)), fps, drop)


def parse_timecode(tc: str, fps: float, drop: bool = False) -> float:
    """Seconds at the start of the frame labelled ``HH:MM:SS:FF`` (drop-frame when ``;`` comes
    before the frames or ``drop`` is set), or seconds for ``HH:MM:SS.sss``."""
    text = tc.strip()
    match = _TIMECODE.fullmatch(text)
    if match is None or match[4] in ".,":
        try:
            hh, mm, ss = text.split(":")
            return int(hh) * 3600 + int(mm) * 60 + float(ss)
        except ValueError as exc:
            raise SelectionError(f"{tc!r} is not a timecode; write HH:MM:SS:FF or "
                                 "HH:MM:SS.sss.") from exc
    hh, mm, ss, ff = (int(match[i]) for i in (1, 2, 3, 5))
    nominal, skip = _drop_per_minute(_check_fps(fps), drop or match[4] == ";")
    if mm > 59 or ss > 59 or ff >= nominal:
        raise SelectionError(f"{tc!r} is not a valid timecode at {fps:g} fps (minutes and "
                             f"seconds run to 59, frames to {nominal - 1}).")
    minutes = hh * 60 + mm
    if skip and ss == 0 and ff < skip and minutes % 10:
        raise SelectionError(f"{tc!r} does not exist in drop-frame timecode: frames 00–"
                             f"{skip - 1:02d} are skipped at the start of minute {mm}.")
    frame = (minutes * 60 + ss) * nominal + ff - skip * (minutes - minutes // 10)
    return frame / fps


@dataclass(frozen=True)
class Clock:
    """How a project labels its time: the picture's ``fps`` and the timecode of its first
    frame, ``start`` (``None``: the picture carries none; labels count from ``00:00:00:00``,
    drop-frame at 29.97 and 59.94 fps). A given ``start`` also fixes drop-frame or not: ``;``
    before its frames means drop-frame. Timeline seconds count from the first frame; labels,
    Broadcast WAV stamps and editors' record times add the start.
    """

    fps: float
    start: Optional[str] = None

    def __post_init__(self) -> None:
        _check_fps(self.fps)
        if self.start is not None:
            match = _TIMECODE.fullmatch(self.start.strip())
            if match is None or match[4] not in ":;":
                raise SelectionError(f"{self.start!r} is not a start timecode; write HH:MM:SS:FF "
                                     "(or HH:MM:SS;FF for drop-frame).")
            parse_timecode(self.start, self.fps)

    @property
    def drop(self) -> Optional[bool]:
        """Drop-frame labels: as ``start`` says, else the rate's default (None)."""
        return None if self.start is None else ";" in self.start

    @property
    def first_frame(self) -> int:
        """The frame number (counted from midnight) of the picture's first frame."""
        if self.start is None:
            return 0
        return int(round(parse_timecode(self.start, self.fps) * self.fps))

    @property
    def start_seconds(self) -> float:
        """Seconds from midnight to the first frame, at the true rate."""
        return self.first_frame / self.fps

    def label(self, seconds: float) -> str:
        """The timecode of the frame that shows ``seconds`` into the timeline."""
        return frames_to_timecode(self.first_frame + max(0, frame_index(seconds, self.fps)),
                                  self.fps, self.drop)

    def seconds(self, label: str) -> float:
        """Timeline seconds of a typed timecode label (or ``HH:MM:SS.sss`` of timecode time);
        colons are read as the labels are written (drop-frame at 29.97 without a start)."""
        drop = is_drop_frame_rate(self.fps) if self.drop is None else self.drop
        since_midnight = parse_timecode(label, self.fps, drop)
        if since_midnight < self.start_seconds - _EPS / self.fps:
            raise SelectionError(f"{label} lies before the picture's first frame "
                                 f"({self.label(0.0)}).")
        return max(0.0, since_midnight - self.start_seconds)
