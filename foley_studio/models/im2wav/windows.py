"""Windowed continuation: sequences longer than a prior's context, and frames for each token.

Which frames a window and each of its tokens see follows the bundle's
:class:`FrameConvention` (the released models' rule, or this package's trainer's).

A sequence of ``total`` tokens is covered by windows of ``n_ctx`` tokens, ``hop`` apart (the
last one is moved back to end exactly at ``total``, as the released sampler does). Each window
after the first is primed with the tokens it shares with the ones already sampled.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foley_studio.errors import CheckpointError, ConfigError


@dataclass(frozen=True)
class Window:
    """Tokens ``[start, end)``; the first ``known`` of them were sampled by earlier windows."""

    start: int
    end: int
    known: int

    @property
    def new(self) -> int:
        """How many tokens this window samples."""
        return self.end - self.start - self.known


def plan_windows(total: int, n_ctx: int, hop: int) -> list[Window]:
    """Windows covering ``total`` tokens; a sequence that fits one context is one window."""
    if total <= 0 or n_ctx <= 0 or not 0 < hop <= n_ctx:
        raise ConfigError(f"Cannot plan windows for {total} tokens, context {n_ctx}, hop {hop}.")
    if total <= n_ctx:
        return [Window(0, total, 0)]
    windows, covered = [], 0
    for start in range(0, total - n_ctx + hop, hop):
        start = min(start, total - n_ctx)
        if start + n_ctx > covered:
            windows.append(Window(start, start + n_ctx, max(covered - start, 0)))
            covered = start + n_ctx
    return windows


def hop_for(n_ctx: int, overlap: float, multiple: int = 1) -> int:
    """The hop (a multiple of ``multiple``) that keeps ``overlap`` of each window as priming."""
    if not 0.0 <= overlap < 1.0:
        raise ConfigError(f"Window overlap must lie in [0, 1) (got {overlap}).")
    hop = int(round(n_ctx * (1.0 - overlap) / multiple)) * multiple
    return min(max(hop, multiple), n_ctx)


EPS = 1e-6
"""Seconds (or frames) of slack when flooring products of times and frame rates."""


@dataclass(frozen=True)
class FrameConvention:
    """How a bundle's priors were trained to see a video; recorded in its ``bundle.json``.

    * ``fps`` — frames per second of the CLIP features.
    * ``frames`` — which frames a window sees. ``"official"`` (the released sampler): frame
      ``k`` is the picture at ``k / fps``; a window from ``t0`` lasting ``L`` s sees frames
      ``⌊t0·fps⌋ … ⌊⌊t0·fps⌋ + L·fps⌋`` (both included), cut at the clip's end.
      ``"trainer"`` (``foley-studio train im2wav-*``): frame ``k`` is the picture at
      ``(k + 0.5) / fps``; a window sees ``round(L·fps)`` frames from the first at or after
      ``t0``, moved back to fit the clip.
    * ``token_frames`` — ``"linspace"``: token ``t`` of ``n`` gets the window's frame
      ``round(t / (n − 1) · (F − 1))`` (numpy rounding; both conventions).
    * ``up_start`` — the UP prior's start vector is the mean of the frames of the whole
      ``"clip"`` (official) or of the UP ``"window"`` (trainer). The LOW start vector is the
      mean of the LOW window's frames in both.

    Where a region is shorter than a window, frames past its end repeat its last frame.
    """

    fps: float
    frames: str
    up_start: str
    token_frames: str = "linspace"

    def __post_init__(self) -> None:
        if not (self.fps > 0 and self.frames in ("official", "trainer")
                and self.up_start in ("clip", "window") and self.token_frames == "linspace"):
            raise CheckpointError(f"Unknown IM2WAV conditioning convention {self.to_dict()}; "
                                  "expected fps > 0, frames official|trainer, up_start "
                                  "clip|window and token_frames linspace.")

    def to_dict(self) -> dict:
        """Plain values for ``bundle.json``."""
        return {"fps": self.fps, "frames": self.frames, "up_start": self.up_start,
                "token_frames": self.token_frames}

    @classmethod
    def from_dict(cls, values: dict) -> "FrameConvention":
        """Read the ``conditioning`` entry of a ``bundle.json``."""
        try:
            return cls(float(values["fps"]), str(values["frames"]), str(values["up_start"]),
                       str(values.get("token_frames", "linspace")))
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"The bundle's conditioning entry {values!r} is incomplete "
                                  f"({exc}); it needs fps, frames and up_start.") from exc

    def count(self, duration: float) -> int:
        """Frames of a region of ``duration`` seconds (at least one)."""
        if self.frames == "official":
            return max(1, int(duration * self.fps + EPS))
        return max(1, int(round(duration * self.fps)))

    def times(self, duration: float) -> np.ndarray:
        """``(F,)`` seconds from the region's start of its frames."""
        shift = 0.0 if self.frames == "official" else 0.5
        return (np.arange(self.count(duration)) + shift) / self.fps

    def window(self, count: int, t0: float, seconds: float) -> np.ndarray:
        """Frame indices ``(F_w,)`` that a window from ``t0`` lasting ``seconds`` sees in a
        region of ``count`` frames (frames past the end repeat the last one)."""
        if self.frames == "official":
            first = int(t0 * self.fps + EPS)
            clip = max(count, int(seconds * self.fps + EPS))  # the sampler's clip spans a window
            stop = min(int(first + seconds * self.fps + EPS) + 1, clip)
            index = np.arange(first, max(stop, first + 1))
        else:
            size = max(1, int(round(seconds * self.fps)))
            first = int(np.ceil(t0 * self.fps - 0.5 - EPS))
            index = max(0, min(first, count - size)) + np.arange(size)
        return np.minimum(index, count - 1)


OFFICIAL = FrameConvention(fps=30.0, frames="official", up_start="clip")
"""The released IM2WAV: 30-fps CLIP features, UP start vector over the whole clip."""
TRAINER = FrameConvention(fps=25.0, frames="trainer", up_start="window")
"""This package's trainer (and the bundles made with it, the starter included)."""


def token_frames(n_tokens: int, n_frames: int) -> np.ndarray:
    """Frame of each token of a window: ``round(linspace(0, 1, n) · (F − 1))`` (``(n,)`` ints)."""
    return np.round(np.linspace(0, 1, n_tokens) * (n_frames - 1)).astype(np.int64)


def shown_frames(frame_times: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Index of the frame on screen at each of ``times``: the last one starting at or before
    it (the first frame before the first start); ``(T,)`` ints."""
    order = np.argsort(frame_times, kind="stable")
    starts = np.asarray(frame_times, dtype=np.float64)[order]
    pick = np.searchsorted(starts, np.asarray(times, np.float64) + EPS, side="right") - 1
    return order[np.clip(pick, 0, len(starts) - 1)].astype(np.int64)
