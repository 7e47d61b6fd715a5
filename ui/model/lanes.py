"""The lanes of a project's timeline (no Qt): production audio, Foley stems and sync tracks.

A :class:`Lane` is immutable: an edit builds a new lane with the same ``id`` and the project
swaps it in (:meth:`~ui.model.project.Project.replace_lane`), so one undo command
(:class:`~ui.model.commands.EditLane`) restores any lane edit exactly. Audio lanes (production,
Foley) carry mute, solo and gain; Foley lanes hold :class:`LaneClip` s; a sync lane holds a
:class:`~foley_studio.sync.SyncTrack` in source seconds, which generation hands to the models.
The hit edits below are plain functions from a track to a new track.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field, replace
from typing import Optional

from foley_studio.errors import ConfigError
from foley_studio.sync import Hit, SyncTrack

LANE_KINDS = ("production", "foley", "sync")
"""production: the video's own soundtrack; foley: placed takes (a stem); sync: hit times."""

AUDIO_KINDS = ("production", "foley")
GAIN_RANGE = (-60.0, 12.0)  # dB a lane's fader can reach
SAME_TIME = 1e-6  # seconds: two hits this close are the same hit


def new_id(prefix: str) -> str:
    """A short unique id such as ``take-1f3a9c2e``."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class LaneClip:
    """A take placed on a Foley lane at ``start`` seconds."""

    take_id: str
    start: float
    id: str = field(default_factory=lambda: new_id("clip"))


@dataclass(frozen=True)
class Lane:
    """One lane: its kind, name, mix state (audio lanes) and content (clips or a sync track)."""

    kind: str
    name: str
    id: str = field(default_factory=lambda: new_id("lane"))
    mute: bool = False
    solo: bool = False
    gain_db: float = 0.0
    clips: tuple[LaneClip, ...] = ()
    sync: SyncTrack = field(default_factory=SyncTrack)

    def __post_init__(self) -> None:
        if self.kind not in LANE_KINDS:
            raise ConfigError(f"Unknown lane kind {self.kind!r}; use one of {', '.join(LANE_KINDS)}.")
        if not self.name.strip():
            raise ConfigError("A lane needs a name (e.g. footsteps, props, cloth).")
        if not (math.isfinite(self.gain_db) and GAIN_RANGE[0] <= self.gain_db <= GAIN_RANGE[1]):
            raise ConfigError(f"Lane gain must lie in {GAIN_RANGE[0]:g}…{GAIN_RANGE[1]:g} dB "
                              f"(got {self.gain_db}).")
        if self.clips and self.kind != "foley":
            raise ConfigError(f"Only Foley lanes hold takes; {self.name!r} is a {self.kind} lane.")
        if self.sync.hits and self.kind != "sync":
            raise ConfigError(f"Only sync lanes hold hits; {self.name!r} is a {self.kind} lane.")
        object.__setattr__(self, "clips", tuple(self.clips))

    @property
    def is_audio(self) -> bool:
        """Whether the lane sounds (and so has mute, solo and gain)."""
        return self.kind in AUDIO_KINDS

    @property
    def gain(self) -> float:
        """The fader as a linear factor."""
        return 10.0 ** (self.gain_db / 20.0)

    def with_changes(self, **changes) -> "Lane":
        """A copy with some fields replaced (validated again)."""
        return replace(self, **changes)


def default_lanes() -> list[Lane]:
    """The lanes of a new project: the production sound, one Foley stem, one sync lane."""
    return [Lane("production", "Production audio"), Lane("foley", "Foley"), Lane("sync", "Sync")]


def audible(lanes: list[Lane], lane: Lane) -> bool:
    """Whether ``lane`` is heard in the mix: not muted, and soloed when any audio lane is."""
    soloed = any(other.solo for other in lanes if other.is_audio)
    return lane.is_audio and not lane.mute and (lane.solo or not soloed)


# -- hit edits: each returns a new track ----------------------------------------------------------
def hit_index(track: SyncTrack, time: float) -> int:
    """Index of the hit at ``time``; :class:`ConfigError` when there is none."""
    for i, hit in enumerate(track.hits):
        if abs(hit.time - time) < SAME_TIME:
            return i
    raise ConfigError(f"There is no hit at {time:.3f} s on the sync lane; click a hit first.")


def hit_near(track: SyncTrack, time: float, tolerance: float) -> Optional[Hit]:
    """The hit nearest ``time`` if it lies within ``tolerance`` seconds."""
    best = min(track.hits, key=lambda h: abs(h.time - time), default=None)
    return best if best is not None and abs(best.time - time) <= tolerance else None


def with_hit(track: SyncTrack, time: float, strength: float = 1.0) -> SyncTrack:
    """``track`` plus a hit at ``time``; refused when a hit is already there."""
    if any(abs(h.time - time) < SAME_TIME for h in track.hits):
        raise ConfigError(f"There is already a hit at {time:.3f} s; move the playhead to "
                          "another frame.")
    return replace(track, hits=(*track.hits, Hit(time, strength)))


def without_hit(track: SyncTrack, time: float) -> SyncTrack:
    """``track`` less the hit at ``time``."""
    i = hit_index(track, time)
    return replace(track, hits=track.hits[:i] + track.hits[i + 1:])


def with_hit_moved(track: SyncTrack, old: float, new: float) -> SyncTrack:
    """The hit at ``old`` moved to ``new`` (its strength kept); refused onto another hit."""
    hit = track.hits[hit_index(track, old)]
    return with_hit(without_hit(track, old), new, hit.strength)


def with_region(track: SyncTrack, start: float, end: float, new: SyncTrack) -> SyncTrack:
    """``track`` with its hits in ``[start, end)`` replaced by ``new``'s hits there (detected,
    tapped or voiced for that region); ``new``'s envelope and source win when it has them."""
    kept = tuple(h for h in track.hits if not start <= h.time < end)
    fresh = tuple(new.within(start, end).hits)
    envelope = new.envelope if new.envelope is not None else track.envelope
    return SyncTrack(kept + fresh, envelope, new.source, dict(track.notes))

