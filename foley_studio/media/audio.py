"""Soundtracks read with PyAV, placed by their timestamps, mixed to mono and resampled.

Several channels are mixed to mono as ``ffmpeg -ac 1`` mixes float audio (ITU-R BS.775
weights, LFE left out; see :func:`downmix_weights`), so a 5.1 dialogue in the centre channel
keeps its level.

Every decoded frame is written into the output at ``pts × time_base`` rather than appended
after the previous one, so encoder priming (AAC in MP4 carries 1024 or 2112 samples of it,
trimmed through an edit list), gaps and overlaps in the stream land where they belong.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from foley_studio.errors import ConfigError, EmptyMediaError, NoStreamError
from foley_studio.media.container import decoding, open_media, stream_span, time_origin

EDGE = 1024
"""Native samples (at least) decoded on each side of a window: real context for the resampler."""
PREROLL = 0.5
"""Seconds decoded before a seek target: lapped codecs need a frame or two to settle."""


BS775_MONO = {"FL": math.sqrt(0.5), "FR": math.sqrt(0.5), "FC": 1.0, "LFE": 0.0,
              "BL": 0.5, "BR": 0.5, "SL": 0.5, "SR": 0.5, "BC": 0.5}
"""Mono downmix weight of each channel (ITU-R BS.775, as FFmpeg's rematrixing applies it)."""


@dataclass
class _Chunk:
    first: int  # native sample index of the chunk's first sample
    samples: np.ndarray  # (n,) float32 mono


def resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Polyphase resampling of ``x`` (``(S,)`` or ``(C, S)``) from ``src`` Hz to ``dst`` Hz."""
    check_rate(src)
    check_rate(dst)
    x = np.asarray(x, dtype=np.float32)
    if src == dst:
        return x.copy()
    from scipy.signal import resample_poly  # scipy.signal takes seconds to import: load on use

    g = math.gcd(int(src), int(dst))
    return resample_poly(x, int(dst) // g, int(src) // g, axis=-1).astype(np.float32)


def check_rate(rate: int) -> None:
    """Refuse a sample rate that is not a positive whole number of Hz."""
    if int(rate) != rate or rate <= 0:
        raise ConfigError(f"Sample rates must be positive whole numbers of Hz (got {rate}).")


def to_mono(x: np.ndarray) -> np.ndarray:
    """Average the channels of ``(C, S)`` or ``(S, C)`` audio (the shorter axis is channels)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        return x
    if x.ndim != 2:
        raise ConfigError(f"Audio must be (S,), (C, S) or (S, C); got shape {x.shape}.")
    axis = 0 if x.shape[0] <= x.shape[1] else 1
    return x.mean(axis=axis)


def load_audio(path: str | os.PathLike, rate: int) -> np.ndarray:
    """The whole first audio stream of a sound or video file: ``(S,)`` float32 mono at ``rate``."""
    audio = read_audio(path, rate)
    if audio.size == 0:
        raise EmptyMediaError(f"{path} has a sound stream with no samples in it; "
                              "export it again or choose another file.")
    return audio


def read_audio(path: str | os.PathLike, rate: int, start: float = 0.0,
               end: float | None = None) -> np.ndarray:
    """``[start, end)`` of the first audio stream, exactly ``round((end-start)*rate)`` samples.

    Samples are placed by timestamp; the part past the stream's end is zeros. ``end=None``
    reads to the stream's end (per the header, else the last decoded sample).
    """
    path = Path(path)
    check_rate(rate)
    with open_media(path) as container:
        if not container.streams.audio:
            raise NoStreamError(f"{path} has no soundtrack (no audio stream); choose a clip "
                                "with sound, or a mode that needs only the picture.")
        stream = container.streams.audio[0]
        native = stream.codec_context.sample_rate
        chunks = _decode_window(path, container, stream, start, end)
        span = stream_span(container, stream)
    step = native // math.gcd(native, int(rate))  # buffer starts on the shared sample grid,
    window0 = (math.floor(start * native) - EDGE) // step * step  # so output j is at j / rate
    mono, stop = _assemble(chunks, window0)  # (W,) native rate from sample window0
    if end is None:  # the header's length (decoders leave the encoder's end padding in)
        end = span if span > 0 else stop / native
    out = resample(mono, native, rate)
    offset = int(round((start - window0 / native) * rate))
    length = max(0, int(round((end - start) * rate)))
    return _fit(out[offset:offset + length], length)


def _decode_window(path: Path, container: av.container.InputContainer,
                   stream: av.stream.Stream, start: float, end: float | None) -> list[_Chunk]:
    native = stream.codec_context.sample_rate
    origin = time_origin(container)
    lo = start - EDGE / native
    hi = math.inf if end is None else end + EDGE / native
    if start > PREROLL + 1.0:
        target = int((lo - PREROLL + origin) / stream.time_base)
        with decoding(path, start):
            container.seek(target, stream=stream, backward=True)
    chunks: list[_Chunk] = []
    frames = container.decode(stream)
    position = None  # clip seconds where the next frame starts, for frames without a pts
    while True:
        with decoding(path, start if position is None else position):
            frame = next(frames, None)
        if frame is None:
            break
        t0 = float(frame.pts * frame.time_base) - origin if frame.pts is not None else position
        t0 = t0 or 0.0
        position = t0 + frame.samples / frame.sample_rate
        if t0 >= hi:
            break
        if position > lo:
            chunks.append(_Chunk(int(round(t0 * native)), frame_to_mono(frame)))
    return chunks


def frame_to_mono(frame: av.AudioFrame) -> np.ndarray:
    """One decoded audio frame as ``(n,)`` float32, downmixed by :func:`downmix_weights`."""
    data = frame.to_ndarray()
    names = [channel.name for channel in frame.layout.channels]
    if not frame.format.is_planar:
        data = data.reshape(-1, len(names)).T  # (1, n*C) interleaved → (C, n)
    if data.dtype.kind in "iu":
        bits = 8 * data.dtype.itemsize
        middle = 2 ** (bits - 1) if data.dtype.kind == "u" else 0
        data = (data.astype(np.float64) - middle) / 2 ** (bits - 1)
    return (downmix_weights(names) @ data.astype(np.float32)).astype(np.float32)


def downmix_weights(names: list[str]) -> np.ndarray:
    """``(C,)`` mono downmix weights for channels named as FFmpeg names them (FL, FC, LFE...).

    The ITU-R BS.775 mono downmix, as ``ffmpeg -ac 1`` applies it to float audio: front
    left/right −3 dB, centre 0 dB, surround and back channels −6 dB, LFE left out; no
    normalisation, so the level of centred sound is kept. Two unlabelled channels are taken as
    stereo (as FFmpeg guesses); a layout holding any other channel (heights, wides, more
    unlabelled channels) is averaged instead.
    """
    if len(names) == 1:
        return np.ones(1, np.float32)
    if names == ["NONE", "NONE"]:
        names = ["FL", "FR"]
    if not all(name in BS775_MONO for name in names):
        return np.full(len(names), 1.0 / len(names), np.float32)
    return np.array([BS775_MONO[name] for name in names], np.float32)


def _assemble(chunks: list[_Chunk], window0: int) -> tuple[np.ndarray, int]:
    """Paste chunks into one buffer starting at native sample ``window0``; also its end sample."""
    stop = max((c.first + len(c.samples) for c in chunks), default=window0)
    buffer = np.zeros(max(0, stop - window0), dtype=np.float32)  # (W,)
    for chunk in chunks:
        a, b = chunk.first - window0, chunk.first - window0 + len(chunk.samples)
        lo, hi = max(a, 0), min(b, len(buffer))
        if hi > lo:
            buffer[lo:hi] = chunk.samples[lo - a:hi - a]
    return buffer, stop


def _fit(x: np.ndarray, length: int) -> np.ndarray:
    if len(x) >= length:
        return np.ascontiguousarray(x[:length], dtype=np.float32)
    return np.concatenate([x, np.zeros(length - len(x), np.float32)])

