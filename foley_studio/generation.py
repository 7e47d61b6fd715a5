"""The contract every generator implements (plain data and an ABC; no torch here).

:mod:`foley_studio.api` turns a :class:`~foley_studio.requests.GenerationRequest` into a
:class:`Conditioning` (frames, their times, a prompt, context audio) and calls one of the
generator's methods. Generators return arrays; the façade wraps them into takes.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Optional

import numpy as np

from foley_studio.errors import ConfigError
from foley_studio.progress import CancelToken, ProgressFn
from foley_studio.requests import SamplerSettings
from foley_studio.sync import SyncTrack


@dataclass
class Conditioning:
    """What a generator sees for one region; times are seconds from the region's start."""

    duration: float
    frames: Optional[np.ndarray] = None       # (F, H, W, 3) uint8 RGB, or a media.FrameReader
    frame_times: Optional[np.ndarray] = None  # (F,) float seconds
    prompt: Optional[str] = None
    audio: Optional[np.ndarray] = None        # (S,) float32 mono context at the generator's rate
    gap: Optional[tuple[float, float]] = None  # inpaint: the part of `audio` to replace
    sync: Optional[SyncTrack] = None          # hits (and envelope) in seconds from the region's start

    def __post_init__(self) -> None:
        if self.duration <= 0:
            raise ConfigError(f"Nothing to generate: the region is {self.duration:.3f} s long.")
        if self.frames is not None and self.frame_times is not None \
                and len(self.frames) != len(self.frame_times):
            raise ConfigError("Each conditioning frame needs exactly one time.")


class Generator(abc.ABC):
    """A loaded generator. Subclasses set ``name``, ``sample_rate`` and ``modes``.

    Takes are reproducible one by one: take ``i`` of a batch made with ``seed`` equals the
    single take made with ``seed + i``, so a user can regenerate any take from its own seed.
    """

    name: str = "generator"
    sample_rate: int = 16000
    modes: frozenset = frozenset()
    frame_rate: float = 8.0  # conditioning frames per second of video the generator wants
    frame_side: Optional[int] = None  # shortest picture side (pixels) its encoder reads; None: any
    token_hop: Optional[int] = None  # samples per frame of the stage that makes the waveform
    follows_sync: bool = False  # whether ``Conditioning.sync`` steers the takes (else it is ignored)

    def frame_times(self, duration: float) -> np.ndarray:
        """Times ``(F,)`` (seconds from the region's start) of the frames wanted for a region of
        ``duration`` seconds: by default the centres of ``ceil(duration · frame_rate)`` slices."""
        count = max(1, int(np.ceil(duration * self.frame_rate)))
        return (np.arange(count) + 0.5) * duration / count

    @abc.abstractmethod
    def generate(self, cond: Conditioning, *, takes: int, seed: int, sampler: SamplerSettings,
                 progress: Optional[ProgressFn] = None,
                 cancel: Optional[CancelToken] = None) -> np.ndarray:
        """Sound for the frames or the prompt of ``cond``: ``(takes, S)`` float32 in [-1, 1]."""

    def inpaint(self, cond: Conditioning, *, takes: int, seed: int, sampler: SamplerSettings,
                progress: Optional[ProgressFn] = None,
                cancel: Optional[CancelToken] = None) -> np.ndarray:
        """``cond.audio`` with ``cond.gap`` replaced: ``(takes, S)``, same length as the audio."""
        raise self._unsupported("inpaint")

    def extend(self, cond: Conditioning, *, takes: int, seed: int, sampler: SamplerSettings,
               progress: Optional[ProgressFn] = None,
               cancel: Optional[CancelToken] = None) -> np.ndarray:
        """``cond.duration`` seconds continuing ``cond.audio``: ``(takes, S)``, new audio only."""
        raise self._unsupported("extend")

    def storyboard(self, cond: Conditioning, *, takes: int, seed: int, sampler: SamplerSettings,
                   window: float = 1.0, progress: Optional[ProgressFn] = None,
                   cancel: Optional[CancelToken] = None) -> np.ndarray:
        """Pictures for ``cond.audio``, one per ``window`` seconds: ``(takes, W, H, W, 3)`` uint8."""
        raise self._unsupported("storyboard")

    def _unsupported(self, mode: str) -> ConfigError:
        return ConfigError(f"The {self.name} generator cannot {mode}; choose a generator that "
                           f"supports it (Visual Echoes does).")
