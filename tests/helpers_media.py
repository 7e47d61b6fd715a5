"""Tiny media files made with PyAV for tests (import as ``from helpers_media import ...``).

Frame ``i`` of a made video is one flat colour that encodes ``i`` (:func:`frame_index` reads
it back), so a test can tell exactly which frame a reader returned, with a black block in
its top-left sixteenth so that turned or flipped pictures can be told apart.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Callable, Optional, Sequence

import av
import numpy as np
import soundfile

AUDIO_RATE = 44100
"""Sample rate of the sound in made media."""

AudioFn = Callable[[np.ndarray], np.ndarray]
"""Sample times (S,) in seconds → (S,) mono or (C, S) samples in [-1, 1]."""


def frame_colour(i: int) -> tuple[int, int, int]:
    """The RGB colour that stands for frame ``i`` (0 ≤ i < 256)."""
    return 16 * (i % 16) + 8, 16 * (i // 16) + 8, 128


def frame_index(rgb: np.ndarray) -> int:
    """Which frame a decoded ``(H, W, 3)`` picture made by :func:`make_video` is."""
    r, g, _ = np.median(rgb.reshape(-1, 3), axis=0)  # the black corner block is a minority
    return int(round((r - 8) / 16)) + 16 * int(round((g - 8) / 16))


def sine(freq: float = 440.0, level: float = 0.3) -> AudioFn:
    """A sine tone."""
    return lambda t: level * np.sin(2 * np.pi * freq * t)


def click_positions(rate: int, seconds: float, first: float = 0.05, every: float = 0.1) -> np.ndarray:
    """Sample indices of a click train: one click every ``every`` s from ``first`` s."""
    return np.round(np.arange(first, seconds - 0.01, every) * rate).astype(int)


def clicks(rate: int, positions: np.ndarray, level: float = 0.9) -> AudioFn:
    """Single-sample clicks at sample ``positions`` (of a signal sampled at ``rate``)."""
    def fn(t: np.ndarray) -> np.ndarray:
        x = np.zeros(len(t), np.float32)
        x[np.isin(np.round(t * rate).astype(int), positions)] = level
        return x
    return fn


def make_video(path: Path, seconds: float = 1.0, fps: int = 24, size: tuple[int, int] = (64, 48),
               with_audio: bool = True, audio_fn: Optional[AudioFn] = None, *,
               audio_rate: int = AUDIO_RATE, audio_seconds: Optional[float] = None,
               channels: int = 1, times: Optional[Sequence[float]] = None,
               faststart: bool = False, bframes: int = 2, gop: int = 12,
               rotation: int = 0, pixel_aspect: Optional[Fraction] = None) -> Path:
    """H.264 (+ AAC) video, ``seconds`` at ``fps`` or one frame per entry of ``times`` (VFR),
    in the container the suffix names (``.mp4``, ``.mkv``, ``.ts``...).

    Sound is ``audio_fn`` (default a 440 Hz tone) for ``audio_seconds`` (default ``seconds``).
    ``rotation`` (counter-clockwise degrees) goes into the display matrix, as phones do it;
    ``pixel_aspect`` makes anamorphic pixels.
    """
    times = list(times) if times is not None else [i / fps for i in range(round(seconds * fps))]
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as out:  # format from the suffix
        video = _video_stream(out, fps, size, bframes, gop)
        if rotation:
            video.set_display_rotation(rotation)
        if pixel_aspect:
            video.codec_context.sample_aspect_ratio = pixel_aspect
        audio = _audio_stream(out, audio_rate, channels) if with_audio else None
        _encode_frames(out, video, times, size, max(seconds, times[-1] + 1 / fps), fps)
        if audio is not None:
            samples = np.arange(round((audio_seconds or seconds) * audio_rate)) / audio_rate
            _encode_audio(out, audio, (audio_fn or sine())(samples), audio_rate, channels)
    return path


def make_sound(path: Path, seconds: float = 1.0, rate: int = AUDIO_RATE,
               audio_fn: Optional[AudioFn] = None, channels: int = 1,
               subtype: str = "FLOAT") -> Path:
    """A sound file: ``.wav`` (soundfile, ``subtype``) or ``.m4a`` (PyAV, AAC)."""
    samples = (audio_fn or sine())(np.arange(round(seconds * rate)) / rate)
    if path.suffix == ".wav":
        data = np.broadcast_to(samples, (channels, samples.shape[-1]))
        soundfile.write(path, data.T, rate, subtype=subtype)
        return path
    with av.open(str(path), "w", format="mp4") as out:
        _encode_audio(out, _audio_stream(out, rate, channels), samples, rate, channels)
    return path


def _video_stream(out: av.container.OutputContainer, fps: int, size: tuple[int, int],
                  bframes: int, gop: int) -> av.video.stream.VideoStream:
    stream = out.add_stream("libx264", rate=fps)
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    stream.time_base = stream.codec_context.time_base = Fraction(1, 1000 * fps)
    stream.options = {"preset": "ultrafast", "x264-params":
                      f"bframes={bframes}:keyint={gop}:min-keyint={gop}:scenecut=0"}
    return stream


def _audio_stream(out: av.container.OutputContainer, rate: int, channels: int) -> av.audio.stream.AudioStream:
    stream = out.add_stream("aac", rate=rate)
    stream.layout = "mono" if channels == 1 else "stereo"
    return stream


def _encode_frames(out, stream, times: list[float], size: tuple[int, int], end: float,
                   fps: int) -> None:
    ticks = [int(round(t * 1000 * fps)) for t in times + [end]]  # in the 1/(1000 fps) time base
    durations = dict(zip(ticks[:-1], np.diff(ticks)))
    for i, pts in enumerate(ticks[:-1]):
        picture = np.empty((size[1], size[0], 3), np.uint8)
        picture[:] = frame_colour(i)
        picture[:size[1] // 4, :size[0] // 4] = 0
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
        frame.pts = pts
        _mux(out, stream.encode(frame), durations, fps)
    _mux(out, stream.encode(), durations, fps)


def _mux(out, packets, durations: dict[int, int], fps: int) -> None:
    for packet in packets:
        tick = int(round(float(packet.pts * packet.time_base) * 1000 * fps))
        packet.duration = int(round(durations[tick] / (1000 * fps) / packet.time_base))
        out.mux(packet)  # the exact frame lengths make the header's duration right for VFR


def _encode_audio(out, stream, samples: np.ndarray, rate: int, channels: int) -> None:
    data = np.broadcast_to(np.asarray(samples, np.float32), (channels, samples.shape[-1]))
    for start in range(0, data.shape[1], 1024):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data[:, start:start + 1024]),
                                           format="fltp", layout=stream.layout.name)
        frame.sample_rate, frame.pts = rate, start
        out.mux(stream.encode(frame))
    out.mux(stream.encode())
