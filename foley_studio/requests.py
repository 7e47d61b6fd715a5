"""What a user asks for and what a generator gives back (plain data, no torch).

A :class:`GenerationRequest` names the mode, the time region of the source, the number of
takes and the sampler settings; a :class:`Take` is one generated waveform with the
provenance needed to reproduce it and to stamp it into a Broadcast WAV.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from foley_studio.errors import ConfigError
from foley_studio.sync import SyncTrack

MODES = ("foley", "text", "inpaint", "extend", "storyboard")
"""foley: sound for the picture; text: sound for a prompt; inpaint: replace a gap of the
existing soundtrack; extend: continue the soundtrack past the region; storyboard: pictures
for the sound."""

MAX_SEED = 2**63 - 1
"""Largest seed a take may use (take ``i`` of a batch uses ``seed + i``); fits every generator
and the signed 64-bit integers of project files and BWF metadata."""
MAX_TIME = 86400.0
"""Latest time in seconds a region may start or end at (a day of timeline)."""
MAX_SECONDS = 300.0
"""Most seconds of sound (or of storyboard source) one request makes; split longer regions."""


@dataclass(frozen=True)
class Limit:
    """The valid range ``[low, high]`` of one request value, for checks and for help texts."""

    label: str
    low: float
    high: float
    integer: bool = False

    @property
    def span(self) -> str:
        """``low–high`` as a user reads it."""
        show = (lambda v: f"{int(v)}") if self.integer else (lambda v: f"{v:g}")
        return f"{show(self.low)}–{show(self.high)}"

    def check(self, value: Any) -> None:
        """Raise :class:`ConfigError` naming the value unless it is a finite number in range."""
        kind = numbers.Integral if self.integer else numbers.Real
        if isinstance(value, bool) or not isinstance(value, kind):
            whole = "a whole number" if self.integer else "a number"
            raise ConfigError(f"{self.label} must be {whole} in {self.span} (got {value!r}).")
        if not (math.isfinite(value) and self.low <= value <= self.high):
            raise ConfigError(f"{self.label} must lie in {self.span} (got {value!r}).")


LIMITS = {
    "guidance": Limit("guidance", 0.0, 20.0),
    "image_guidance": Limit("image-guidance", 0.0, 20.0),
    "sync_guidance": Limit("sync-guidance", 0.0, 20.0),
    "temperature": Limit("temperature", 0.01, 5.0),
    "top_k": Limit("top-k", 0, 4096, integer=True),
    "top_p": Limit("top-p", 0.0, 1.0),
    "steps": Limit("steps", 1, 500, integer=True),
    "choice_temperature": Limit("choice-temperature", 0.0, 100.0),
    "takes": Limit("takes", 1, 64, integer=True),
    "seed": Limit("seed", 0, MAX_SEED, integer=True),
    "start": Limit("start", 0.0, MAX_TIME),
    "end": Limit("end", 0.0, MAX_TIME),
    "gap": Limit("gap time", 0.0, MAX_TIME),
    "extend": Limit("extend (seconds to add)", 0.05, MAX_SECONDS),
    "window": Limit("window (seconds per storyboard picture)", 0.25, MAX_SECONDS),
}
"""Field name → its valid range. Sampler knobs: guidance 0 is unguided sound, 1 the plain
conditional model; temperature divides the logits; top-k 0 and top-p 0 switch those filters
off; steps are Visual Echoes' unmasking steps."""


@dataclass(frozen=True)
class SamplerSettings:
    """Sampler knobs shared by both generators (each uses what applies to it).

    ``guidance`` scales classifier-free guidance of sound on its picture, video or prompt;
    ``image_guidance`` that of pictures on their sound (Echoes storyboards; 1 = none, as the
    Visual Echoes paper generates images); ``sync_guidance`` that of IM2WAV's sound on its sync
    track apart from the picture (None: the same as ``guidance``; 10 measured best on the world's
    impact clips: half the missed hits of 3, for 1.5× the LOW prior's work). Every value must lie
    in its :data:`LIMITS` range.
    """

    guidance: float = 3.0
    image_guidance: float = 1.0
    sync_guidance: Optional[float] = 10.0
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 0.0
    steps: int = 30
    choice_temperature: float = 9.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            if getattr(self, f.name) is not None or f.name != "sync_guidance":
                LIMITS[f.name].check(getattr(self, f.name))


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
        if not isinstance(self.model, str) or not self.model.strip():
            raise ConfigError("No model is named; give a bundle name or folder.")
        for name in ("takes", "seed", "start", "end"):
            LIMITS[name].check(getattr(self, name))
        if self.seed + self.takes - 1 > MAX_SEED:
            raise ConfigError(f"seed must lie in 0–{MAX_SEED - self.takes + 1} for {self.takes} "
                              f"takes (take i uses seed + i, at most {MAX_SEED}; got {self.seed}).")
        self._check_region()
        self._check_mode_inputs()

    def _check_region(self) -> None:
        if self.end <= self.start:
            raise ConfigError(f"The region must end after it starts (start {self.start:g} s, "
                              f"end {self.end:g} s).")
        if self.end - self.start > MAX_SECONDS:
            raise ConfigError(f"The region is {self.end - self.start:g} s long; one request "
                              f"covers at most {MAX_SECONDS:g} s, so split it.")

    def _check_mode_inputs(self) -> None:
        """What each mode needs, and no setting it would ignore."""
        if self.mode == "text" and not (self.prompt and self.prompt.strip()):
            raise ConfigError("Text mode needs a prompt; type what the sound should be.")
        if self.mode != "text" and self.prompt is not None:
            raise ConfigError(f"A prompt is used only in text mode (no picture); {self.mode} "
                              "follows the picture alone, so leave the prompt out.")
        if self.mode != "text" and not self.source:
            raise ConfigError(f"{self.mode} mode needs a video or image to work from.")
        if self.mode == "inpaint":
            self._check_gap()
        elif self.gap is not None:
            raise ConfigError(f"A gap is used only when inpainting, not in {self.mode} mode.")
        if self.mode == "extend":
            if not self.extend:
                raise ConfigError("Extending needs a length: say how many seconds to add "
                                  "after the region.")
            LIMITS["extend"].check(self.extend)
        elif self.extend:
            raise ConfigError(f"A length to add is used only when extending, not in {self.mode} mode.")

    def _check_gap(self) -> None:
        if self.gap is None:
            raise ConfigError("Inpainting needs a gap: select the part of the soundtrack to replace.")
        a, b = self.gap
        for value in (a, b):
            LIMITS["gap"].check(value)
        if not self.start <= a < b <= self.end:
            raise ConfigError(f"The gap {a:g}–{b:g} s must be non-empty and lie inside the "
                              f"region {self.start:g}–{self.end:g} s.")

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
