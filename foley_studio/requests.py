"""What a user asks for and what a generator gives back (plain data, no torch).

A :class:`GenerationRequest` names the mode, the time region of the source, the number of
takes and the sampler settings; a :class:`Take` is one generated waveform with the
provenance needed to reproduce it and to stamp it into a Broadcast WAV.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from foley_studio.errors import ConfigError
from foley_studio.sync import SyncTrack

MODES = ("foley", "text", "inpaint", "extend", "storyboard")
"""foley: sound for the picture; text: sound for a prompt; inpaint: replace a gap of the
existing soundtrack; extend: continue the soundtrack past the region; storyboard: pictures
for the sound."""


@dataclass(frozen=True)
class SamplerSettings:
    """Sampler knobs shared by both generators (each uses what applies to it).

    ``guidance`` scales classifier-free guidance of sound on its picture, video or prompt;
    ``image_guidance`` that of pictures on their sound (Echoes storyboards; 1 = none, as the
    Visual Echoes paper generates images).
    """

    guidance: float = 3.0
    image_guidance: float = 1.0
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 0.0
    steps: int = 30
    choice_temperature: float = 9.0

    def __post_init__(self) -> None:
        if self.temperature <= 0:
            raise ConfigError(f"Temperature must be above 0 (got {self.temperature}).")
        if not 0 <= self.top_p <= 1:
            raise ConfigError(f"top-p must lie in [0, 1] (got {self.top_p}).")
        if self.top_k < 0 or self.steps < 1:
            raise ConfigError(f"top-k must be ≥ 0 and steps ≥ 1 (got {self.top_k}, {self.steps}).")


@dataclass(frozen=True)
class GenerationRequest:
    """One generation job: ``takes`` variations for ``[start, end)`` of ``source``."""

    mode: str
    source: Optional[str] = None
    start: float = 0.0
    end: float = 4.0
    takes: int = 1
    seed: int = 0
    prompt: Optional[str] = None
    model: str = "im2wav"
    gap: Optional[tuple[float, float]] = None  # inpaint: seconds in the source, inside the region
    extend: float = 0.0  # extend: seconds of new audio after ``end``; the region is the context
    sampler: SamplerSettings = field(default_factory=SamplerSettings)
    sync: Optional[SyncTrack] = None  # hits in source seconds the takes must follow
    conform: Optional[bool] = None  # snap the take's hits to ``sync``; None = on when sync is set

    @property
    def conforms(self) -> bool:
        """Whether takes are conformed to the sync track after generation."""
        return self.sync is not None and self.conform is not False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"Unknown mode {self.mode!r}; choose one of {', '.join(MODES)}.")
        if not 1 <= self.takes <= 64:
            raise ConfigError(f"Ask for between 1 and 64 takes (got {self.takes}).")
        if self.mode == "text" and not self.prompt:
            raise ConfigError("Text mode needs a prompt; type what the sound should be.")
        if self.mode != "text" and not self.source:
            raise ConfigError(f"{self.mode} mode needs a video or image to work from.")
        if self.mode == "inpaint" and self.gap is None:
            raise ConfigError("Inpainting needs a gap: select the part of the soundtrack to replace.")
        if self.mode == "extend" and self.extend <= 0:
            raise ConfigError("Extending needs a length: say how many seconds to add after the region.")

    def with_changes(self, **changes: Any) -> "GenerationRequest":
        """A copy with some fields replaced (validated again)."""
        return dataclasses.replace(self, **changes)


@dataclass
class Take:
    """One generated waveform and how it was made."""

    audio: np.ndarray  # (S,) float32 mono in [-1, 1]
    sample_rate: int
    model: str
    seed: int
    start: float
    mode: str = "foley"
    prompt: Optional[str] = None
    name: str = ""
    settings: dict = field(default_factory=dict)
    sync: Optional[SyncTrack] = None  # the sync track the take was asked to follow
    unconformed: Optional[np.ndarray] = None  # (S,) the audio as generated, before conform
    conform: Optional[dict] = None  # what conform did (ConformResult.report())

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.audio) / self.sample_rate

    def provenance(self) -> dict:
        """A JSON-safe description of how the take was made (for BWF/iXML and projects)."""
        out = {"model": self.model, "seed": self.seed, "start": self.start, "mode": self.mode,
               "prompt": self.prompt or "", "sample_rate": self.sample_rate,
               "settings": dict(self.settings)}
        if self.sync is not None:
            out["sync"] = self.sync.to_json()
        if self.conform is not None:
            out["conform"] = dict(self.conform)
        return out
