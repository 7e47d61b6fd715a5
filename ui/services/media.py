"""Decode what the timeline and the preview show, on a worker thread of its own.

Opening a video, its thumbnails and the peaks of its soundtrack are decoded off the GUI thread
(one worker, apart from the generation queue, so a long generation never stalls scrubbing).
Preview frames and zoomed-in thumbnails are "latest wins": while the playhead moves or the view
zooms, only the newest request of each kind is decoded. Callbacks fire on the worker thread.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

PEAK_RATE = 100
"""Waveform peaks per second of soundtrack."""
AUDIO_RATE = 16000
"""Rate the soundtrack is kept at for drawing, timeline playback and before/after."""
THUMB_HEIGHT = 54
"""Pixel height of the timeline's thumbnails."""


@dataclass
class Overview:
    """What the timeline draws for a clip."""

    path: str
    fps: float
    duration: float
    thumbnails: list[tuple[float, np.ndarray]] = field(default_factory=list)  # (t, (h, w, 3))
    audio: Optional[np.ndarray] = None  # (S,) float32 soundtrack at AUDIO_RATE; None: silent clip
    peaks: Optional[np.ndarray] = None  # (N, 2) min and max per 1/PEAK_RATE s
    start_timecode: Optional[str] = None  # the video's timecode track, if it has one


def waveform_peaks(audio: np.ndarray, rate: int, per_second: int = PEAK_RATE) -> np.ndarray:
    """Min and max of each ``1/per_second`` s block: ``(N, 2)`` float32."""
    block = max(1, rate // per_second)
    n = max(1, -(-len(audio) // block))
    padded = np.zeros(n * block, dtype=np.float32)  # (N * block,)
    padded[:len(audio)] = audio
    blocks = padded.reshape(n, block)  # (N, block)
    return np.stack([blocks.min(axis=1), blocks.max(axis=1)], axis=1)


def read_overview(path: str, thumbnails: int = 48, height: int = THUMB_HEIGHT) -> Overview:
    """Open ``path`` and decode its thumbnails and soundtrack peaks (slow: call from a worker)."""
    from foley_studio import media

    with media.VideoClip(path) as clip:
        count = max(1, min(thumbnails, int(clip.duration * clip.fps)))
        thumbs = clip.thumbnails(count, height)
        audio = clip.audio(AUDIO_RATE) if clip.has_audio else None  # (S,)
        peaks = waveform_peaks(audio, AUDIO_RATE) if audio is not None else None
        return Overview(str(clip.path), clip.fps, clip.duration, thumbs, audio, peaks,
                        media.start_timecode(path))


class MediaService:
    """Loads overviews, preview frames and zoomed-in thumbnails on one decoding thread."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="foley-decode")
        self._clip: Any = None
        self._pending: dict[str, tuple[Callable[[Any], Any], Callable, Callable]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def load(self, path: str, on_done: Callable[[Overview], None],
             on_error: Callable[[BaseException], None]) -> Future:
        """Decode ``path``'s overview; ``on_done`` or ``on_error`` fires on the worker."""
        def run() -> None:
            try:
                overview = read_overview(path)
                self._open_preview(path)
            except Exception as exc:  # noqa: BLE001 - handed to the caller's error path
                on_error(exc)
                return
            on_done(overview)
        return self._executor.submit(run)

    def request_frame(self, t: float, on_frame: Callable[[float, np.ndarray], None],
                      on_error: Callable[[BaseException], None]) -> None:
        """Decode the preview frame at ``t``; requests made while one is decoding collapse."""
        def work(clip: Any) -> tuple[float, np.ndarray]:
            at = min(max(t, 0.0), clip.duration - 1e-3)
            return at, clip.frame_at(at)  # (H, W, 3)
        self._request("frame", work, lambda done: on_frame(*done), on_error)

    def request_thumbnails(self, times: list[float],
                           on_done: Callable[[list[tuple[float, np.ndarray]]], None],
                           on_error: Callable[[BaseException], None]) -> None:
        """Decode exact-frame thumbnails at ``times`` (a zoomed-in timeline); latest wins."""
        def work(clip: Any) -> list[tuple[float, np.ndarray]]:
            inside = [t for t in times if 0.0 <= t < clip.duration]
            return clip.thumbnails_at(inside, THUMB_HEIGHT) if inside else []
        self._request("thumbnails", work, on_done, on_error)

    def _request(self, kind: str, work: Callable[[Any], Any], on_done: Callable,
                 on_error: Callable[[BaseException], None]) -> None:
        with self._lock:
            idle = not self._pending
            self._pending[kind] = (work, on_done, on_error)
        if idle and not self._closed:
            self._executor.submit(self._drain)

    def shutdown(self) -> None:
        """Stop the decoding thread and close the preview clip."""
        self._closed = True
        self._executor.shutdown(wait=True)
        if self._clip is not None:
            self._clip.close()

    def _open_preview(self, path: str) -> None:
        from foley_studio import media

        if self._clip is not None:
            self._clip.close()
        self._clip = media.VideoClip(path, max_side=640)

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._pending or self._clip is None:
                    self._pending.clear()
                    return
                work, on_done, on_error = self._pending.pop(next(iter(self._pending)))
            try:
                done = work(self._clip)
            except Exception as exc:  # noqa: BLE001 - handed to the caller's error path
                on_error(exc)
                continue
            on_done(done)
