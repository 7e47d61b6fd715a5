"""Forward decoding from keyframe seeks: "which frame is on screen at time t" without reading
the whole file.

A :class:`FrameCursor` keeps the decoder where the last answer left it. A later time is reached
by decoding on, unless the container's index shows a keyframe between the decoder and that
time: then, as for a time behind, it seeks to the keyframe at or before the time (PyAV
``container.seek``) and decodes forward, which never decodes more frames than going on would.
Without an index (MPEG-TS, some Matroska), times more than ``SEEK_AHEAD`` ahead are sought. Frame times come from the
decoded frames' timestamps, so variable-frame-rate files are answered exactly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional

import av
import numpy as np
from av.video.reformatter import Interpolation

from foley_studio.errors import CorruptMediaError
from foley_studio.media.container import decoding

SEEK_AHEAD = 2.0
"""Seconds: without a keyframe index, a frame further ahead is reached by seeking."""
EPSILON = 1e-6
"""Seconds of slack when comparing times, so ``frame_at(k / fps)`` is frame k despite rounding."""
FIRST_BACKOFF = 1.0
"""Seconds to back off when a seek lands after the wanted time (doubled on each retry)."""


@dataclass
class Shown:
    """A decoded frame and the clip time from which it is shown."""

    time: float
    frame: av.VideoFrame


class FrameCursor:
    """Answers :meth:`at` for one video stream, on a container of its own (call :meth:`close`)."""

    def __init__(self, path: Path, opener: Callable[[], av.container.InputContainer],
                 stream_index: int, origin: float, fps: float) -> None:
        self._path, self._opener, self._index_of = path, opener, stream_index
        self._container = opener()
        self._stream = self._container.streams[stream_index]
        self._origin, self._period = origin, 1.0 / fps if fps > 0 else 0.04
        self._frames: Optional[Iterator[av.VideoFrame]] = None
        self._prev: Optional[Shown] = None
        self._next: Optional[Shown] = None
        self._from_start = self._rewound = False
        self._keyframes: Optional[np.ndarray] = None  # (K,) clip seconds (index, decode time)

    def at(self, t: float) -> Shown:
        """The frame whose presentation interval contains clip time ``t``."""
        try:
            return self._find(t)
        except CorruptMediaError:
            self.reset()  # the decoder stopped at the damage; the next call seeks afresh
            raise

    def _find(self, t: float) -> Shown:
        if self._needs_seek(t):
            self._seek(t)
        self._advance(t)
        backoff = FIRST_BACKOFF
        while (self._prev is None or self._prev.time > t + EPSILON) and not self._rewound:
            if self._from_start:  # even a seek to the start landed late (MPEG-TS): reopen
                self._rewind()
            else:  # the seek landed after t: start from an earlier keyframe
                self._seek(t - backoff)
                backoff *= 2
            self._advance(t)
        if self._prev is not None:
            return self._prev
        if self._next is not None:  # t lies before the first frame: that frame is shown
            return self._next
        raise CorruptMediaError(
            f"{self._path}: no picture could be decoded at {t:.3f} s; the file is probably "
            "damaged or cut short there. Export or copy it again.")

    def keyframe_at(self, t: float) -> Shown:
        """The keyframe at or before ``t`` (one seek, a frame or two decoded): for previews."""
        try:
            self._seek(t)
            shown = self._next
            if shown is None or shown.time > t + EPSILON:
                shown = self._find(t)  # the seek landed after t: fall back to the exact frame
        except CorruptMediaError:
            self.reset()
            raise
        self.reset()
        return shown

    def reset(self) -> None:
        """Forget the decoder position; the next call seeks afresh."""
        self._frames, self._prev, self._next = None, None, None

    def close(self) -> None:
        """Release the file."""
        self.reset()
        self._container.close()

    def _needs_seek(self, t: float) -> bool:
        if self._frames is None or self._prev is None or t + EPSILON < self._prev.time:
            return True
        if self._next is None or t < self._next.time:
            return False
        keyframes = self._index()
        if len(keyframes) == 0:
            return t - self._next.time > SEEK_AHEAD
        last = np.searchsorted(keyframes, t + EPSILON, side="right") - 1
        return last >= 0 and keyframes[last] > self._next.time + EPSILON

    def _index(self) -> np.ndarray:
        """Keyframe presentation times from the container's index (empty when it has none).

        Index entries carry decode times; with B-frames those run ahead of presentation by
        the reordering delay, which the first entry against the stream's start reveals.
        """
        if self._keyframes is None:
            entries = self._stream.index_entries
            stamps = np.asarray([e.timestamp for e in entries if e.is_keyframe], np.float64)
            if len(stamps):
                stamps += max(0, (self._stream.start_time or 0) - entries[0].timestamp)
            self._keyframes = stamps * float(self._stream.time_base) - self._origin
        return self._keyframes

    def _rewind(self) -> None:
        """Reopen the file and decode from its first packet: the surest way to the start."""
        self._container.close()
        self._container = self._opener()
        self._stream = self._container.streams[self._index_of]
        self._frames = self._container.decode(self._stream)
        self._rewound, self._from_start = True, True
        self._prev, self._next = None, self._pull(0.0)

    def _seek(self, target: float) -> None:
        self._rewound = False
        self._from_start = target <= 0
        offset = math.floor((max(target, 0.0) + self._origin) / self._stream.time_base)
        if self._from_start:
            offset = min(offset, self._stream.start_time or 0)
        with decoding(self._path, target):
            self._container.seek(offset, stream=self._stream, backward=True)
        self._frames = self._container.decode(self._stream)
        self._prev, self._next = None, self._pull(target)

    def _advance(self, t: float) -> None:
        while self._next is not None and self._next.time <= t + EPSILON:
            self._prev, self._next = self._next, self._pull(t)

    def _pull(self, t: float) -> Optional[Shown]:
        with decoding(self._path, t):
            frame = next(self._frames, None)
        if frame is None:
            return None
        if frame.pts is None:  # no timestamp: assume it follows the previous frame
            last = self._next or self._prev
            return Shown(last.time + self._period if last else 0.0, frame)
        return Shown(float(frame.pts * frame.time_base) - self._origin, frame)


def to_rgb(frame: av.VideoFrame, width: int, height: int, rotation: int = 0) -> np.ndarray:
    """``frame`` as ``(height, width, 3)`` uint8 RGB after turning it ``rotation`` degrees
    counter-clockwise. Scaling happens in swscale, so a full-size RGB copy of a huge frame is
    never made."""
    turned = rotation % 180 != 0
    w, h = (height, width) if turned else (width, height)  # size before turning
    interpolation = Interpolation.AREA if w < frame.width else Interpolation.BICUBIC
    scaled = frame.reformat(width=w, height=h, format="rgb24", interpolation=interpolation)
    image = scaled.to_ndarray()  # (h, w, 3)
    return np.ascontiguousarray(np.rot90(image, k=rotation // 90) if rotation else image)
