"""Audition takes through sounddevice, the friture way: the audio callback only copies.

The PortAudio callback reads from a preallocated :class:`RingBuffer` and never allocates
arrays, takes a lock, or touches a widget. The GUI polls on a ~16 ms timer: :meth:`pump`
tops the ring up from the source (wrapping when looping) and :attr:`position` gives the
playhead. sounddevice is imported on first use, so PortAudio reads the ALSA configuration of
the moment the first sound plays.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from foley_studio.errors import FoleyStudioError


class AudioDeviceError(FoleyStudioError):
    """The audio output could not be opened."""


class RingBuffer:
    """Single-producer, single-consumer float32 ring of ``capacity`` samples.

    The writer (GUI thread) and the reader (audio thread) each own one counter, so no lock
    is needed under the GIL; :meth:`read_into` fills a caller's array and allocates none.
    """

    def __init__(self, capacity: int) -> None:
        self._buf = np.zeros(capacity, dtype=np.float32)  # (C,)
        self.capacity = capacity
        self._written = 0
        self._read = 0

    def clear(self) -> None:
        """Drop everything buffered (only while the reader is stopped)."""
        self._written = self._read = 0

    @property
    def available(self) -> int:
        """Samples ready to read."""
        return self._written - self._read

    @property
    def space(self) -> int:
        """Samples that can be written now."""
        return self.capacity - self.available

    def write(self, data: np.ndarray) -> int:
        """Copy as much of ``data`` as fits; return how many samples were written."""
        n = min(len(data), self.space)
        head = self._written % self.capacity
        first = min(n, self.capacity - head)
        self._buf[head:head + first] = data[:first]
        self._buf[:n - first] = data[first:n]
        self._written += n
        return n

    def read_into(self, out: np.ndarray) -> int:
        """Fill ``out`` from the ring (zeros past what is available); return samples read."""
        n = min(len(out), self.available)
        tail = self._read % self.capacity
        first = min(n, self.capacity - tail)
        out[:first] = self._buf[tail:tail + first]
        out[first:n] = self._buf[:n - first]
        out[n:] = 0.0
        self._read += n
        return n


class PlaybackEngine:
    """Plays one mono source at a time, optionally looping; swap sources for A/B at the same spot."""

    def __init__(self, device: str | int | None = None, ring_seconds: float = 1.0,
                 stream_factory: Optional[Callable[..., Any]] = None) -> None:
        self.device = device or None
        self.ring_seconds = ring_seconds
        self._factory = stream_factory
        self._stream: Any = None
        self._rate = 0
        self._ring: Optional[RingBuffer] = None
        self._source = np.zeros(0, dtype=np.float32)  # (S,)
        self._cursor = 0  # next source sample to write into the ring
        self._offset = 0  # source sample that was playing when the ring was last filled fresh
        self._played = 0  # samples the callback has taken from the ring since then
        self._drained = False  # set by the callback once a non-looping source has all played
        self.loop = False

    # -- control (GUI thread) ---------------------------------------------------------------
    def play(self, audio: np.ndarray, rate: int, *, loop: bool = False, start: float = 0.0) -> None:
        """Start playing ``audio`` (``(S,)`` float) at ``rate`` Hz from ``start`` seconds."""
        self.stop()
        self._ensure_stream(rate)
        self.loop = loop
        self._load(np.asarray(audio, dtype=np.float32), int(start * rate))
        self._stream.start()

    def swap(self, audio: np.ndarray) -> None:
        """Continue from the same position in another source of the same rate (A/B)."""
        if not self.playing:
            return
        position = self._source_position()
        self._stream.stop()
        self._load(np.asarray(audio, dtype=np.float32), position)
        self._stream.start()

    def stop(self) -> None:
        """Stop at once (nothing happens when idle)."""
        if self._stream is not None and self._stream.active:
            self._stream.stop()
        self._source = np.zeros(0, dtype=np.float32)

    def close(self) -> None:
        """Stop and release the audio device."""
        self.stop()
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def pump(self) -> None:
        """Top the ring up from the source; call every few milliseconds while playing."""
        if self._drained and self._stream is not None and self._stream.active:
            self._stream.stop()
        if self._ring is None or len(self._source) == 0:
            return
        while self._ring.space and (self._cursor < len(self._source) or self.loop):
            if self._cursor >= len(self._source):
                self._cursor = 0
            self._cursor += self._ring.write(self._source[self._cursor:])

    # -- state (GUI thread) -----------------------------------------------------------------
    @property
    def playing(self) -> bool:
        """Whether sound is still coming out."""
        return self._stream is not None and bool(self._stream.active) and not self._drained

    @property
    def played_samples(self) -> int:
        """Source samples played since the last play or swap."""
        return self._played

    @property
    def output_latency(self) -> float:
        """Seconds from a sample leaving the ring to its being heard, as the stream reports
        it (0 before a stream is open)."""
        latency = getattr(self._stream, "latency", 0.0) if self._stream is not None else 0.0
        return float(latency[-1] if isinstance(latency, (tuple, list)) else latency)

    @property
    def position(self) -> float:
        """Where playback is in the source, in seconds."""
        return self._source_position() / self._rate if self._rate else 0.0

    # -- internals --------------------------------------------------------------------------
    def _load(self, audio: np.ndarray, position: int) -> None:
        self._source = audio
        self._cursor = self._offset = min(max(position, 0), len(audio))
        self._played = 0
        self._drained = False
        self._ring.clear()
        self.pump()

    def _source_position(self) -> int:
        n = len(self._source)
        pos = self._offset + self._played
        return pos % n if self.loop and n else min(pos, n)

    def _ensure_stream(self, rate: int) -> None:
        if self._stream is not None and self._rate == rate:
            return
        self.close()
        self._rate = rate
        self._ring = RingBuffer(int(rate * self.ring_seconds))
        try:
            self._stream = (self._factory or _sounddevice_stream)(
                samplerate=rate, channels=1, dtype="float32", device=self.device,
                callback=self._callback)
        except Exception as exc:  # PortAudio reports every failure as its own error type
            self._stream = None
            raise AudioDeviceError(f"Could not open the audio output {self.device or 'default'} "
                                   f"at {rate} Hz ({exc}). Pick another device in Preferences.") from exc

    def _callback(self, outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        # Runs on the PortAudio thread: copy only, no allocation of sample arrays.
        got = self._ring.read_into(outdata[:, 0])
        self._played += got
        if got < frames and self._cursor >= len(self._source) and not self.loop:
            self._drained = True  # the GUI's next pump stops the stream


def _sounddevice_stream(**kwargs: Any) -> Any:
    import sounddevice

    return sounddevice.OutputStream(**kwargs)
