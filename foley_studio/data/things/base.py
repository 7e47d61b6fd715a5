"""What every object of the world provides: a look over time, a sound, its events, words.

A :class:`Thing` is sampled once per clip from a random generator (all its randomness is
drawn in :meth:`Thing.sample`), then draws itself into each frame and renders its sound.
Discrete events happen at whole frames; their sounds start at the first sample of that frame.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, Sequence

import numpy as np


@dataclass(frozen=True)
class Box:
    """Where a thing lives in the frame: a square of ``size`` pixels at ``(x0, y0)``."""

    x0: float
    y0: float
    size: float

    def px(self, u: float, v: float) -> tuple[float, float]:
        """Pixel position of the unit-square point ``(u, v)`` (0..1 across, 0..1 down)."""
        return self.x0 + u * self.size, self.y0 + v * self.size

    def len(self, fraction: float) -> float:
        """Pixels for a length given as a fraction of the box."""
        return fraction * self.size


@dataclass(frozen=True)
class Tint:
    """A named colour of a class palette."""

    name: str
    rgb: tuple[float, float, float]


def pick_tint(rng: np.random.Generator, palette: Sequence[Tint], jitter: float = 0.06) -> Tint:
    """One palette entry with its RGB jittered a little (so no two clips match exactly)."""
    tint = palette[int(rng.integers(len(palette)))]
    rgb = np.clip(np.asarray(tint.rgb) + rng.uniform(-jitter, jitter, 3), 0.0, 1.0)
    return Tint(tint.name, tuple(float(c) for c in rgb))


@dataclass(kw_only=True)
class Thing(ABC):
    """One object of a scene. Subclasses are dataclasses built by :meth:`sample`."""

    name: ClassVar[str]
    event_kind: ClassVar[str | None] = None
    box: Box
    event_frames: list[int] = field(default_factory=list)

    @classmethod
    @abstractmethod
    def sample(cls, rng: np.random.Generator, n_frames: int, box: Box) -> "Thing":
        """Draw every random choice of this object for a clip of ``n_frames`` frames."""

    @abstractmethod
    def draw(self, img: np.ndarray, f: int) -> None:
        """Paint frame ``f`` of this object into the float canvas ``img`` ``(H, W, 3)``."""

    @abstractmethod
    def sound(self, rng: np.random.Generator, n: int, sr: int, spf: int) -> np.ndarray:
        """The object's sound ``(n,)`` at ``sr`` Hz (``spf`` samples per frame), at any level
        (the scene scales it)."""

    @abstractmethod
    def caption(self) -> str:
        """A short description such as ``"a red ball bouncing"``."""

    @staticmethod
    @abstractmethod
    def setting(rng: np.random.Generator, height: int, width: int) -> tuple[np.ndarray, str]:
        """The background ``(H, W, 3)`` of a scene whose main object is of this class, and
        the words that place the caption (``"on a wooden floor"``)."""


def event_train(rng: np.random.Generator, n_frames: int, lo: int, hi: int,
                first: tuple[int, int] | None = None) -> list[int]:
    """Event frames with gaps drawn from ``[lo, hi]`` frames, the first in ``first``."""
    start, stop = first if first is not None else (1, hi)
    frames = [int(rng.integers(start, stop + 1))]
    if frames[0] >= n_frames:  # a clip too short for any event
        return []
    while True:
        nxt = frames[-1] + int(rng.integers(lo, hi + 1))
        if nxt >= n_frames:
            return frames
        frames.append(nxt)


def speckle(rng: np.random.Generator, height: int, width: int, amount: float) -> np.ndarray:
    """A smooth brightness texture ``(H, W, 1)`` of strength ``amount`` for backgrounds."""
    from scipy.ndimage import zoom

    coarse = rng.standard_normal((height // 8 + 1, width // 8 + 1))
    fine = zoom(coarse, 8, order=1)[:height, :width]
    return (amount * fine)[..., None].astype(np.float32)


def ground(rng: np.random.Generator, height: int, width: int, sky: Sequence[float],
           floor: Sequence[float], horizon: float, texture: float = 0.03) -> np.ndarray:
    """A background of two gradients split at ``horizon`` (fraction of the height)."""
    from foley_studio.data.paint import vertical_gradient

    h = int(round(horizon * height))
    sky_c, floor_c = np.asarray(sky, np.float32), np.asarray(floor, np.float32)
    top = vertical_gradient(h, width, sky_c * 1.05, sky_c * 0.9)
    bottom = vertical_gradient(height - h, width, floor_c * 0.85, floor_c * 1.1)
    img = np.concatenate([top, bottom], axis=0)
    return np.clip(img + speckle(rng, height, width, texture), 0.0, 1.0)


def jitter(rng: np.random.Generator, rgb: Sequence[float], amount: float = 0.05) -> np.ndarray:
    """``rgb`` moved by up to ``amount`` per channel."""
    return np.clip(np.asarray(rgb) + rng.uniform(-amount, amount, 3), 0.0, 1.0)


def swing_lift(events: Sequence[int], f: int, gap: int) -> float:
    """How far a striker (stick, hammer) is from its target at frame ``f``: 0 at each event
    frame, rising to 1 halfway between events (``gap`` frames is assumed before the first)."""
    if not events:
        return 1.0
    last = max((e for e in events if e <= f), default=events[0] - gap)
    nxt = min((e for e in events if e > f), default=max(f, last) + gap)
    return float(np.sin(np.pi * (f - last) / (nxt - last)) ** 0.7)
