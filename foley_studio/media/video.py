"""A video file as frames at times and a soundtrack, read with PyAV.

Times are clip seconds taken from the timestamps (``pts × time_base``), never from a frame
counter, so variable-frame-rate files work. Frames come back as ``(H, W, 3)`` uint8 RGB as
the file asks them to be shown (turned by its display matrix, stretched by its pixel aspect
ratio), no side longer than ``max_side`` (scaled while converting, so a huge frame never
becomes a full-size RGB array).

Damage: a file whose header or index cannot be read, whose index runs past the end of the
file, or whose first picture cannot be decoded is refused when opened
(:class:`CorruptMediaError`). Inside a readable file, whatever the decoder delivers is
returned (H.264 conceals many damaged slices); a packet it rejects, or a time where no picture
can be decoded at all, raises :class:`CorruptMediaError` naming the time, and the rest of the
clip stays readable.
"""
from __future__ import annotations

import math
import os
import weakref
from typing import Any, Optional

import av
import numpy as np

from foley_studio.errors import (ConfigError, CorruptMediaError, EmptyMediaError, NoStreamError,
                                 SelectionError)
from foley_studio.media.audio import read_audio
from foley_studio.media.container import (check_path, decoding, open_media, picture_streams,
                                          stream_span, time_origin)
from foley_studio.media.cursor import FrameCursor, to_rgb
from foley_studio.timeline import TimeRange

MAX_FRAMES = 4096
"""Most frames one :meth:`VideoClip.frames_in` call returns."""
MAX_FRAME_BYTES = 2 * 1024**3
"""Most bytes one :meth:`VideoClip.frames_in` call allocates."""
MAX_THUMBNAILS = 2000
DECODE_SIDE_FLOOR = 256
"""Pixels: :class:`FrameReader` decodes the short side at least this large (when the source has
it), so an encoder's own resize and crop, as at training, makes its last step."""


class VideoClip:
    """Frames and soundtrack of one video file; a context manager (or call :meth:`close`)."""

    def __init__(self, path: str | os.PathLike, *, max_side: int = 1024) -> None:
        if int(max_side) != max_side or max_side < 8:
            raise ConfigError(f"max_side must be a whole number of pixels ≥ 8 (got {max_side}).")
        self.path = check_path(path)
        with open_media(self.path) as container:
            self._read_header(container, int(max_side))
        self._cursor = FrameCursor(self.path, lambda: open_media(self.path), self._index,
                                   self._origin, self.fps)

    def _read_header(self, container: av.container.InputContainer, max_side: int) -> None:
        pictures = picture_streams(container)
        if not pictures:
            sound = " (it holds only sound)" if container.streams.audio else ""
            raise NoStreamError(f"{self.path} has no picture (no video stream){sound}; open a "
                                "video file, or use the file as audio instead.")
        stream = pictures[0]
        self._index, self._header_frames = stream.index, stream.frames
        self.source_width, self.source_height = stream.codec_context.width, stream.codec_context.height
        if self.source_width <= 0 or self.source_height <= 0:
            raise CorruptMediaError(f"{self.path}: the video stream has no picture size; "
                                    "the file is probably damaged. Export it again.")
        self.rotation = self._first_rotation(container, stream)
        self._display = display_size(stream, self.rotation)
        self.width, self.height = fit_size(*self._display, max_side)
        self._origin = time_origin(container)
        self._times: np.ndarray | None = None
        self.duration = self._find_duration(stream_span(container, stream))
        rate = stream.average_rate or stream.guessed_rate
        self.fps = float(rate) if rate else self.frame_count / self.duration
        audio = container.streams.audio
        self.has_audio = bool(audio)
        self.audio_rate: int | None = audio[0].codec_context.sample_rate if audio else None
        self.video_codec = stream.codec_context.name
        self.audio_codec: str | None = audio[0].codec_context.name if audio else None
        self.format_name = container.format.name

    def _first_rotation(self, container: av.container.InputContainer,
                        stream: av.video.stream.VideoStream) -> int:
        """Counter-clockwise degrees the file asks pictures to be turned by (phones record
        portrait as turned landscape); read from the first frame's display matrix."""
        with decoding(self.path, 0.0):
            frame = next(container.decode(stream), None)
        return 0 if frame is None else int(round(frame.rotation / 90)) * 90 % 360

    def _find_duration(self, header: float) -> float:
        if header > 0:
            return header
        times = self.frame_times()  # no length in the header: demux (not decode) to find it
        if len(times) == 0:
            raise EmptyMediaError(f"{self.path} has a video stream with no frames in it; "
                                  "export the clip again.")
        step = float(np.median(np.diff(times))) if len(times) > 1 else 1 / 25
        return float(times[-1]) + step

    @property
    def frame_count(self) -> int:
        """Frames in the video stream (from the header when it records it, else counted)."""
        return self._header_frames or len(self.frame_times())

    def frame_times(self) -> np.ndarray:
        """``(frame_count,)`` presentation times in clip seconds, ascending (demuxed, not decoded)."""
        if self._times is None:
            with open_media(self.path) as container, decoding(self.path):
                stream = container.streams[self._index]
                pts = [p.pts for p in container.demux(stream)
                       if p.pts is not None and p.size > 0 and not p.is_discard]
                time_base = float(stream.time_base)  # read while the container is open
            self._times = np.sort(np.asarray(pts, np.float64)) * time_base - self._origin
        return self._times.copy()

    def frame_at(self, t: float) -> np.ndarray:
        """``(H, W, 3)`` uint8 RGB: the frame whose presentation interval contains ``t``."""
        self._check_time(t)
        return self._picture(t, self.width, self.height)

    def frames_in(self, start: float, end: float, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` frames at the centres of ``n`` equal slices of ``[start, end)``.

        Returns ``((n, H, W, 3) uint8, (n,) seconds)``; the times are the sampling instants.
        """
        region = self._check_region(start, end)
        self._check_count(n)
        times = region.start + (np.arange(n) + 0.5) * region.duration / n  # (n,)
        frames = np.empty((n, self.height, self.width, 3), np.uint8)  # (n, H, W, 3)
        for i, t in enumerate(times):
            frames[i] = self._picture(float(t), self.width, self.height)
        return frames, times

    def thumbnails(self, n: int, height: int = 64) -> list[tuple[float, np.ndarray]]:
        """``n`` small pictures spread over the clip: ``(time, (height, w, 3) uint8)`` pairs
        (``w`` keeps the aspect ratio, up to 8:1).

        For speed each is the keyframe at or before the centre of its slice (one seek and a
        frame or two decoded each, however long the file); the time is that frame's own.
        """
        if int(n) != n or not 1 <= n <= MAX_THUMBNAILS:
            raise SelectionError(f"Ask for between 1 and {MAX_THUMBNAILS} thumbnails (got {n}).")
        width = self._thumbnail_width(height)
        thumbs = []
        for t in (np.arange(n) + 0.5) * self.duration / n:
            shown = self._cursor.keyframe_at(float(t))
            with decoding(self.path, float(t)):
                picture = to_rgb(shown.frame, width, int(height), self.rotation)
            thumbs.append((max(0.0, shown.time), picture))
        return thumbs

    def thumbnails_at(self, times: list[float], height: int = 64) -> list[tuple[float, np.ndarray]]:
        """The exact frames at ``times`` (ascending is fastest) as thumbnails like
        :meth:`thumbnails`: ``(t, (height, w, 3) uint8)`` pairs; for a timeline zoomed in."""
        if not 1 <= len(times) <= MAX_THUMBNAILS:
            raise SelectionError(f"Ask for between 1 and {MAX_THUMBNAILS} thumbnails (got {len(times)}).")
        for t in times:
            self._check_time(t)
        width = self._thumbnail_width(height)
        return [(float(t), self._picture(float(t), width, int(height))) for t in times]

    def _thumbnail_width(self, height: int) -> int:
        if int(height) != height or not 8 <= height <= 1024:
            raise ConfigError(f"Thumbnail height must be 8–1024 pixels (got {height}).")
        shown_w, shown_h = self._display
        return min(8 * int(height), max(1, round(shown_w * height / shown_h)))  # aspect ≤ 8:1

    def audio(self, rate: int, start: float = 0.0, end: float | None = None) -> np.ndarray:
        """``(S,)`` float32 mono soundtrack of ``[start, end)`` at ``rate`` Hz.

        Exactly ``round((end - start) * rate)`` samples, zeros past the audio stream's end.
        """
        if not self.has_audio:
            raise NoStreamError(f"{self.path} has no soundtrack (the clip is silent); choose a "
                                "clip with sound, or a mode that needs only the picture.")
        region = self._check_region(start, self.duration if end is None else end)
        return read_audio(self.path, rate, region.start, region.end)

    def info(self) -> dict[str, Any]:
        """What this clip reads, as plain values (see :func:`foley_studio.media.probe`)."""
        return {"path": str(self.path), "format": self.format_name,
                "video_codec": self.video_codec, "audio_codec": self.audio_codec,
                "fps": self.fps, "frame_count": self.frame_count, "duration": self.duration,
                "width": self.width, "height": self.height, "source_width": self.source_width,
                "source_height": self.source_height, "rotation": self.rotation,
                "has_audio": self.has_audio,
                "audio_rate": self.audio_rate}

    def close(self) -> None:
        """Release the file."""
        self._cursor.close()

    def __enter__(self) -> "VideoClip":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"VideoClip({str(self.path)!r}, {self.width}x{self.height}, {self.fps:.3f} fps, "
                f"{self.duration:.3f} s, audio={self.has_audio})")

    def _picture(self, t: float, width: int, height: int) -> np.ndarray:
        shown = self._cursor.at(t)
        with decoding(self.path, t):
            return to_rgb(shown.frame, width, height, self.rotation)

    def _check_time(self, t: float) -> None:
        if not math.isfinite(t) or not 0 <= t < self.duration:
            raise SelectionError(f"{t} s is outside {self.path}, which lasts {self.duration:.3f} s; "
                                 f"choose a time from 0 to {self.duration:.3f} s.")

    def _check_region(self, start: float, end: float) -> TimeRange:
        try:
            region = TimeRange(start, end)
        except SelectionError as exc:
            raise SelectionError(f"{self.path}: {exc}") from exc
        region = region.within(self.duration, what=str(self.path))
        if region.duration <= 0:
            raise SelectionError(f"Selection {start:.3f}–{end:.3f} s of {self.path} is empty; "
                                 "drag out a region longer than zero.")
        return region

    def _check_count(self, n: int) -> None:
        if int(n) != n or n < 1:
            raise SelectionError(f"Ask for at least one frame (got {n}).")
        size = n * self.height * self.width * 3
        if n > MAX_FRAMES or size > MAX_FRAME_BYTES:
            fit = min(MAX_FRAMES, MAX_FRAME_BYTES // (self.height * self.width * 3))
            raise SelectionError(
                f"{n} frames of {self.width}x{self.height} from {self.path} do not fit in one "
                f"array ({size / 1024**3:.1f} GiB; at most {fit} frames do): read them in parts, "
                "or stream them with FrameReader, which holds only the frames asked for.")


def display_size(stream: av.video.stream.VideoStream, rotation: int) -> tuple[int, int]:
    """Width and height as shown: coded size stretched by the pixel aspect ratio, then turned."""
    width, height = stream.codec_context.width, stream.codec_context.height
    aspect = stream.sample_aspect_ratio
    if aspect and aspect > 0:
        width = max(1, round(width * aspect))
    return (height, width) if rotation % 180 else (width, height)


def fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """``(width, height)`` scaled down, aspect kept, so that neither exceeds ``max_side``."""
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


class FrameReader:
    """The frames of a video shown at given times, decoded only when indexed: a sequence.

    ``reader[i]`` is one ``(H, W, 3)`` uint8 frame; a slice or an array of indices gives
    ``(n, H, W, 3)``. Frames are scaled while converting so that the short side is
    ``max(side, DECODE_SIDE_FLOOR)`` (never enlarged), so memory follows the encoder's input
    size and the batch asked for, not the source's resolution or the region's length. The
    file stays open until :meth:`close` (or until the reader is collected); indexing a closed
    reader opens it again.
    """

    def __init__(self, path: str | os.PathLike, times: np.ndarray,
                 side: Optional[int] = None) -> None:
        self._path = path
        self._clip = self._open()
        self.times = np.asarray(times, np.float64)  # (F,) clip seconds
        for t in (self.times.min(), self.times.max()) if len(self.times) else ():
            self._clip._check_time(float(t))
        self.width, self.height = self._size(side)

    def _size(self, side: Optional[int]) -> tuple[int, int]:
        if side is None:
            return self._clip.width, self._clip.height
        if int(side) != side or side < 8:
            raise ConfigError(f"Frame side must be a whole number of pixels ≥ 8 (got {side}).")
        width, height = self._clip._display
        scale = min(1.0, max(int(side), DECODE_SIDE_FLOOR) / min(width, height))
        return max(1, round(width * scale)), max(1, round(height * scale))

    def __len__(self) -> int:
        return len(self.times)

    def __getitem__(self, index: Any) -> np.ndarray:
        clip = self._clip or self._open()
        if isinstance(index, (int, np.integer)):
            return clip._picture(float(self.times[index]), self.width, self.height)
        picked = np.arange(len(self))[index]  # slices and index arrays alike
        frames = np.empty((len(picked), self.height, self.width, 3), np.uint8)  # (n, H, W, 3)
        for row, i in enumerate(picked):
            frames[row] = clip._picture(float(self.times[i]), self.width, self.height)
        return frames

    def _open(self) -> VideoClip:
        self._clip = VideoClip(self._path)
        self._closer = weakref.finalize(self, self._clip.close)
        return self._clip

    def close(self) -> None:
        """Release the file."""
        self._closer()
        self._clip = None
