"""Render a timeline's lanes to one track: trimmed, faded clips, lane gains and repairs.

Numpy only (soxr when a take's rate differs from the mix rate). Every renderer works on a
window ``[first, first + count)`` of mix samples, so a player can start anywhere in an hour of
timeline without rendering the rest.

Sample arithmetic, which the tests check exactly: a clip placed at ``start`` seconds begins at
mix sample ``round(start * rate)``; it plays the take's samples ``[round(offset * rate),
+ round(played * rate))`` at the mix rate. A fade of ``n = round(fade * rate)`` samples follows
the ramp ``r[i] = (i + 0.5) / n``: a Foley clip's fade is that linear gain; a repair clip's
seam is an equal-power crossfade, clip ``sin(pi/2 r)`` against original ``cos(pi/2 r)``, so
the two powers always sum to one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

SOURCE, REPAIR, ADD = "source", "repair", "add"
"""How a lane sounds: the production audio as it is; the production audio with its clips
replacing their spans (crossfaded); its clips added to silence."""


@dataclass(frozen=True)
class ClipSound:
    """A clip's take audio ``(S,)`` at ``rate`` and its placement (see the module docstring)."""

    audio: np.ndarray
    rate: int
    start: float
    offset: float = 0.0
    length: Optional[float] = None
    fade_in: float = 0.0
    fade_out: float = 0.0
    gain: float = 1.0


@dataclass(frozen=True)
class LaneSound:
    """One audible lane: how it sounds (:data:`SOURCE`, :data:`REPAIR`, :data:`ADD`), its linear
    gain and its clips."""

    mode: str
    gain: float = 1.0
    clips: tuple[ClipSound, ...] = field(default_factory=tuple)


def to_rate(audio: np.ndarray, src: int, dst: int) -> np.ndarray:
    """``audio`` ``(S,)`` resampled from ``src`` to ``dst`` Hz with soxr (a copy when equal)."""
    audio = np.asarray(audio, dtype=np.float32)
    if src == dst or len(audio) == 0:
        return audio.copy()
    import soxr

    return soxr.resample(audio, src, dst, quality="HQ").astype(np.float32)


def ramp(n: int) -> np.ndarray:
    """The fade ramp ``(i + 0.5) / n`` for ``i < n``: ``(n,)`` float64, rising from near 0."""
    return (np.arange(n) + 0.5) / n


def envelope(length: int, fade_in: int, fade_out: int) -> np.ndarray:
    """The fade position ``(length,)`` in [0, 1]: the ramp up, ones, then the ramp down."""
    env = np.ones(length)
    fade_in = min(fade_in, length)
    fade_out = min(fade_out, length - fade_in)
    env[:fade_in] = ramp(fade_in)
    if fade_out:
        env[length - fade_out:] = ramp(fade_out)[::-1]
    return env


def placement(clip: ClipSound, rate: int) -> tuple[int, int]:
    """``(first mix sample, samples played)`` of a clip at ``rate``, before any resampling."""
    played = len(clip.audio) / clip.rate - clip.offset
    if clip.length is not None:
        played = min(played, clip.length)
    return int(round(clip.start * rate)), max(0, int(round(played * rate)))


def clip_span(clip: ClipSound, rate: int) -> tuple[int, np.ndarray, np.ndarray]:
    """``(first mix sample, samples (n,) with clip gain, fade position (n,))`` of a clip."""
    at, n = placement(clip, rate)
    audio = to_rate(clip.audio, clip.rate, rate)  # (S,)
    offset = int(round(clip.offset * rate))
    samples = audio[offset:offset + n] * np.float32(clip.gain)
    env = envelope(len(samples), int(round(clip.fade_in * rate)), int(round(clip.fade_out * rate)))
    return at, samples, env


def _spans(clips: tuple[ClipSound, ...], rate: int, first: int, count: int):
    """``(samples, fade position, clip slice, window slice)`` of each clip that meets the
    window (clips outside it are never resampled)."""
    for clip in clips:
        if _overlap(*placement(clip, rate), first, count) is None:
            continue
        at, samples, env = clip_span(clip, rate)
        cut = _overlap(at, len(samples), first, count)
        if cut is not None:
            yield samples, env, cut[0], cut[1]


def clip_audio(clip: ClipSound, rate: int) -> np.ndarray:
    """The clip as it sounds on a Foley lane, trimmed, faded (linear) and gained: ``(n,)``
    float32 at ``rate`` (for per-lane exports)."""
    _, samples, env = clip_span(clip, rate)
    return (samples * env).astype(np.float32)


def window(audio: np.ndarray, first: int, count: int) -> np.ndarray:
    """``audio[first:first + count]`` padded with silence: ``(count,)`` float32."""
    out = np.zeros(count, dtype=np.float32)
    part = np.asarray(audio, dtype=np.float32)[max(first, 0):max(first + count, 0)]
    at = max(0, -first)
    out[at:at + len(part)] = part[:count - at]
    return out


def _overlap(at: int, n: int, first: int, count: int) -> Optional[tuple[slice, slice]]:
    """Slices into the clip and the window where a clip of ``n`` samples at ``at`` meets it."""
    a, b = max(at, first), min(at + n, first + count)
    return (slice(a - at, b - at), slice(a - first, b - first)) if a < b else None


def render_added(clips: tuple[ClipSound, ...], rate: int, first: int, count: int) -> np.ndarray:
    """Clips summed with their linear fades: ``(count,)`` float32 of window ``first``."""
    out = np.zeros(count, dtype=np.float32)
    for samples, env, mine, theirs in _spans(clips, rate, first, count):
        out[theirs] += (samples[mine] * env[mine]).astype(np.float32)
    return out


def render_repaired(production: np.ndarray, rate: int, clips: tuple[ClipSound, ...],
                    first: int = 0, count: Optional[int] = None) -> np.ndarray:
    """The production audio ``(S,)`` with each clip replacing its span, equal-power crossfaded
    over the clip's fades: ``(count,)`` float32 (``count`` defaults to the whole production)."""
    count = len(production) - first if count is None else count
    out = window(production, first, count)  # (count,)
    for samples, env, mine, theirs in _spans(clips, rate, first, count):
        theta = np.pi / 2 * env[mine]  # (n,) float64: the seam is blended in double
        out[theirs] = out[theirs] * np.cos(theta) + samples[mine] * np.sin(theta)
    return out


def render_mix(lanes: list[LaneSound], production: np.ndarray, rate: int, first: int = 0,
               count: Optional[int] = None) -> np.ndarray:
    """The audible ``lanes`` summed at their gains and clipped to [-1, 1]: ``(count,)`` float32
    (``count`` defaults to the production's length from ``first``)."""
    count = len(production) - first if count is None else count
    out = np.zeros(count, dtype=np.float32)
    for lane in lanes:
        if lane.mode == SOURCE:
            sound = window(production, first, count)
        elif lane.mode == REPAIR:
            sound = render_repaired(production, rate, lane.clips, first, count)
        else:
            sound = render_added(lane.clips, rate, first, count)
        out += np.float32(lane.gain) * sound
    return np.clip(out, -1.0, 1.0)
