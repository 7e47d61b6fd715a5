"""The lanes of a project's timeline (no Qt): production audio, its repaired copy, Foley stems
and sync tracks.

A :class:`Lane` is immutable: an edit builds a new lane with the same ``id`` and the project
swaps it in (:meth:`~ui.model.project.Project.replace_lane`), so one undo command
(:class:`~ui.model.commands.EditLane`) restores any lane edit exactly. Audio lanes carry mute,
solo and gain; a sync lane holds a :class:`~foley_studio.sync.SyncTrack` in source seconds,
which generation hands to the models. The hit edits below are plain functions from a track to
a new track.

The contract of clips (what a renderer such as :mod:`foley_studio.media.mix`, an exporter or a
DAW send must honour):

- A :class:`LaneClip` plays its take from ``offset`` seconds into the take for ``length``
  seconds (``None``: to the take's end), placed so that the take's sample at ``offset`` sounds
  at timeline time ``start``. ``fade_in`` / ``fade_out`` seconds ramp it at its two ends;
  ``gain_db`` scales it, then the lane's ``gain_db`` scales the whole lane.
- On a **Foley** lane (:data:`FOLEY`) clips add to the mix; fades are linear gain ramps.
- The **edited production** lane (:data:`EDITED`, named :data:`EDITED_NAME`) holds repair
  clips, each the accepted inpaint take trimmed to its gap plus a short seam either side
  (:func:`repair_clip`). It sounds as the *whole* repaired production track: the original
  production audio everywhere, except where a repair clip lies, which replaces it; at each end
  the original and the clip cross equal-power over the clip's fade (the seam lies outside the
  gap, where the take still holds the original context). Clip gain applies to the clip alone.
- When the edited lane is created the production lane is muted in the same step, so the mix
  plays the repair once (unmute the original to hear both).
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field, replace
from typing import Optional

from foley_studio.errors import ConfigError
from foley_studio.sync import Hit, SyncTrack

PRODUCTION, EDITED, FOLEY, SYNC = "production", "edited", "foley", "sync"
LANE_KINDS = (PRODUCTION, EDITED, FOLEY, SYNC)
"""production: the video's own soundtrack; edited: that soundtrack with inpaint repairs;
foley: placed takes (a stem); sync: hit times."""

AUDIO_KINDS = (PRODUCTION, EDITED, FOLEY)
CLIP_KINDS = (EDITED, FOLEY)
"""Lane kinds that hold :class:`LaneClip` s."""
PRODUCTION_NAME = "Production audio"
EDITED_NAME = "Production (edited)"
GAIN_RANGE = (-60.0, 12.0)  # dB a lane's fader (and a clip's gain) can reach
SAME_TIME = 1e-6  # seconds: two hits this close are the same hit


def new_id(prefix: str) -> str:
    """A short unique id such as ``take-1f3a9c2e``."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def check_gain(gain_db: float, what: str) -> None:
    """Refuse a gain outside :data:`GAIN_RANGE`."""
    if not (math.isfinite(gain_db) and GAIN_RANGE[0] <= gain_db <= GAIN_RANGE[1]):
        raise ConfigError(f"{what} gain must lie in {GAIN_RANGE[0]:g}…{GAIN_RANGE[1]:g} dB "
                          f"(got {gain_db}).")


@dataclass(frozen=True)
class LaneClip:
    """A take placed on a lane at ``start`` seconds, trimmed, faded and with its own gain.

    The take's audio from ``offset`` for ``length`` seconds (``None``: to its end) sounds from
    ``start``; see the module's contract for how lanes render their clips.
    """

    take_id: str
    start: float
    id: str = field(default_factory=lambda: new_id("clip"))
    offset: float = 0.0
    length: Optional[float] = None
    fade_in: float = 0.0
    fade_out: float = 0.0
    gain_db: float = 0.0

    def __post_init__(self) -> None:
        times = {"start": self.start, "offset": self.offset, "fade in": self.fade_in,
                 "fade out": self.fade_out}
        for name, value in times.items():
            if not (math.isfinite(value) and value >= 0.0):
                raise ConfigError(f"A clip's {name} must be a time of 0 s or more (got {value}).")
        if self.length is not None and not (math.isfinite(self.length) and self.length > 0.0):
            raise ConfigError(f"A clip must play for some time (length {self.length} s); "
                              "drag its edge out again.")
        if self.length is not None:
            self.check_fades(self.length)
        check_gain(self.gain_db, "Clip")

    def played(self, take_duration: float) -> float:
        """Seconds the clip sounds, given its take's duration."""
        rest = max(0.0, take_duration - self.offset)
        return rest if self.length is None else min(self.length, rest)

    def end(self, take_duration: float) -> float:
        """Timeline time where the clip stops."""
        return self.start + self.played(take_duration)

    def check_fades(self, played: float) -> None:
        """Refuse fades that together last longer than the ``played`` seconds."""
        if self.fade_in + self.fade_out > played + 1e-9:
            raise ConfigError(f"The clip's fades ({self.fade_in:.3f} s in, {self.fade_out:.3f} s "
                              f"out) are longer than the {played:.3f} s it plays; shorten a fade.")

    def check_take(self, take_duration: float) -> None:
        """Refuse a clip that trims away all of a take of ``take_duration`` seconds."""
        if self.offset >= take_duration:
            raise ConfigError(f"The clip starts {self.offset:.3f} s into a {take_duration:.3f} s "
                              "take, past its end; trim less.")
        self.check_fades(self.played(take_duration))

    @property
    def gain(self) -> float:
        """The clip's gain as a linear factor."""
        return 10.0 ** (self.gain_db / 20.0)


def repair_clip(take_id: str, take_start: float, take_duration: float,
                gap: tuple[float, float], seam: float) -> LaneClip:
    """The clip on the edited production lane that lets an inpaint take repair ``gap``.

    It sounds the gap plus up to ``seam`` seconds either side (as much context as the take
    holds), crossfading with the original over those seams.
    """
    if seam < 0 or not take_start <= gap[0] < gap[1] <= take_start + take_duration + 1e-9:
        raise ConfigError(f"The gap {gap[0]:.3f}–{gap[1]:.3f} s does not lie inside the take "
                          f"({take_start:.3f} s for {take_duration:.3f} s); it cannot repair it.")
    a = max(take_start, gap[0] - seam)
    b = min(take_start + take_duration, gap[1] + seam)
    return LaneClip(take_id, a, offset=a - take_start, length=b - a, fade_in=gap[0] - a,
                    fade_out=b - gap[1])


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
        check_gain(self.gain_db, "Lane")
        if self.clips and self.kind not in CLIP_KINDS:
            raise ConfigError(f"Only Foley and edited production lanes hold takes; {self.name!r} "
                              f"is a {self.kind} lane.")
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

    def clip(self, clip_id: str) -> LaneClip:
        """The clip with ``clip_id`` on this lane (KeyError when absent)."""
        for clip in self.clips:
            if clip.id == clip_id:
                return clip
        raise KeyError(f"no clip {clip_id!r} on lane {self.name!r}")

    def with_clip(self, clip: LaneClip) -> "Lane":
        """A copy with the clip of ``clip.id`` replaced by ``clip`` (added when new)."""
        clips = tuple(clip if c.id == clip.id else c for c in self.clips)
        return self.with_changes(clips=clips if clip.id in {c.id for c in self.clips}
                                 else (*self.clips, clip))

    def without_clip(self, clip_id: str) -> "Lane":
        """A copy without the clip ``clip_id``."""
        return self.with_changes(clips=tuple(c for c in self.clips if c.id != clip_id))


def removable(lanes: list[Lane], lane: Lane) -> bool:
    """Whether the user may remove ``lane``: every lane but the production audio (the picture's
    own sound, which repairs and before/after read) and the last sync lane (generation follows
    the topmost one; its hits can be cleared instead)."""
    if lane.kind == PRODUCTION:
        return False
    return lane.kind != SYNC or sum(1 for other in lanes if other.kind == SYNC) > 1


def default_lanes() -> list[Lane]:
    """The lanes of a new project: the production sound, one Foley stem, one sync lane."""
    return [Lane(PRODUCTION, PRODUCTION_NAME), Lane(FOLEY, "Foley"), Lane(SYNC, "Sync")]


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

