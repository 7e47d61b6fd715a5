"""The document a user edits: a video, the takes generated for it, and the timeline's lanes.

Every mutation goes through a method here and fires :attr:`Project.changed` with what changed
(``"video"``, ``"takes"``, ``"lane"`` when clips moved, ``"lanes"`` for any other lane edit such
as hits, mute or gain, ``"selection"``); undoable edits call these methods from
:mod:`ui.model.commands`. Saving and loading live in :mod:`ui.model.project_file`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from foley_studio.errors import ConfigError, SelectionError
from foley_studio.requests import Take
from foley_studio.sync import SyncTrack
from foley_studio.timeline import Clock
from ui.model.events import Signal
from ui.model.lanes import Lane, LaneClip, audible, default_lanes, new_id
from ui.model.selection import Selection

__all__ = ["Lane", "LaneClip", "Project", "TakeItem", "VideoInfo", "new_id"]

_NUMBERED = re.compile(r"(.+) take (\d+)")  # the names generation gives: "<mode> take N"


@dataclass
class TakeItem:
    """A generated take in the takes list, with the selection it was made for."""

    take: Take
    region: tuple[float, float]
    gap: Optional[tuple[float, float]] = None  # inpaint: the replaced part, seconds in the video
    id: str = field(default_factory=lambda: new_id("take"))

    @property
    def name(self) -> str:
        """The take's display name."""
        return self.take.name


@dataclass
class VideoInfo:
    """What the project remembers about its video; ``start_timecode`` labels its first frame
    (from the video's timecode track, or set in Project Settings; ``None``: none)."""

    path: str
    fps: float
    duration: float
    start_timecode: Optional[str] = None


class Project:
    """Video, selection, takes (ordered) and lanes; ``changed(what)`` after each edit."""

    def __init__(self) -> None:
        self.video: Optional[VideoInfo] = None
        self.selection: Optional[Selection] = None
        self.takes: list[TakeItem] = []
        self.lanes: list[Lane] = default_lanes()
        self.changed = Signal()

    def assign(self, other: "Project") -> None:
        """Take over ``other``'s whole state (opening a project keeps this object for the views)."""
        self.video, self.selection = other.video, other.selection
        self.takes, self.lanes = list(other.takes), list(other.lanes)
        for what in ("video", "takes", "lanes", "lane", "selection"):
            self.changed.emit(what)

    # -- video and selection -------------------------------------------------------------
    def set_video(self, info: Optional[VideoInfo]) -> None:
        """Use another video; the selection is cleared."""
        self.video = info
        self.selection = None
        self.changed.emit("video")

    @property
    def clock(self) -> Clock:
        """How the timeline labels time: the video's rate and start timecode (25 fps and no
        start timecode before a video is open)."""
        video = self.video
        return Clock(video.fps, video.start_timecode) if video is not None else Clock(25.0)

    def set_start_timecode(self, start: Optional[str]) -> None:
        """Label the video's first frame ``start`` (``HH:MM:SS:FF``, ``;`` for drop-frame;
        ``None`` or empty: none). Refused with a :class:`SelectionError` when it is not a
        timecode at the video's rate, or when there is no video."""
        if self.video is None:
            raise SelectionError("Open a video first: the start timecode labels its first frame.")
        start = (start or "").strip() or None
        Clock(self.video.fps, start)  # validates
        self.video.start_timecode = start
        self.changed.emit("timecode")

    def set_selection(self, selection: Optional[Selection]) -> None:
        """Select a frame or region (``None`` clears it); it must lie inside the video."""
        if selection is not None and self.video is not None:
            selection.range.within(self.video.duration, what=self.video.path)
        self.selection = selection
        self.changed.emit("selection")

    def require_selection(self) -> Selection:
        """The selection, or a :class:`SelectionError` telling the user to make one."""
        if self.selection is None:
            raise SelectionError("Nothing is selected: click a frame or drag across the "
                                 "timeline (or press I and O) first.")
        return self.selection

    # -- takes ----------------------------------------------------------------------------
    def take(self, take_id: str) -> TakeItem:
        """The take with ``take_id`` (KeyError names it when absent)."""
        for item in self.takes:
            if item.id == take_id:
                return item
        raise KeyError(f"no take {take_id!r} in the project")

    def insert_takes(self, index: int, items: list[TakeItem]) -> None:
        """Insert ``items`` at ``index`` of the takes list."""
        self.takes[index:index] = items
        self.changed.emit("takes")

    def remove_takes(self, ids: list[str]) -> list[tuple[int, TakeItem]]:
        """Remove takes by id; returns ``(index, item)`` pairs to re-insert in order."""
        removed = [(i, t) for i, t in enumerate(self.takes) if t.id in ids]
        self.takes = [t for t in self.takes if t.id not in ids]
        self.changed.emit("takes")
        return removed

    def number_new_takes(self, items: list[TakeItem]) -> None:
        """Renumber fresh takes named "<mode> take N" to count on from the project's takes of
        that mode, so "foley take 3" names one take in the whole project, on the lane and in
        exports, not one per selection. Names a user gave are left alone."""
        used: dict[str, int] = {}
        for item in self.takes:
            match = _NUMBERED.fullmatch(item.name)
            if match:
                used[match[1]] = max(used.get(match[1], 0), int(match[2]))
        for item in items:
            match = _NUMBERED.fullmatch(item.name)
            if match:
                used[match[1]] = used.get(match[1], 0) + 1
                item.take.name = f"{match[1]} take {used[match[1]]}"

    def rename_take(self, take_id: str, name: str) -> None:
        """Give a take a new display name."""
        self.take(take_id).take.name = name
        self.changed.emit("takes")

    # -- lanes --------------------------------------------------------------------------
    def lane_by_id(self, lane_id: str) -> Lane:
        """The lane with ``lane_id`` (KeyError names it when absent)."""
        for lane in self.lanes:
            if lane.id == lane_id:
                return lane
        raise KeyError(f"no lane {lane_id!r} in the project")

    def replace_lane(self, lane: Lane) -> None:
        """Swap in an edited lane (same id)."""
        index = self.lanes.index(self.lane_by_id(lane.id))
        old, self.lanes[index] = self.lanes[index], lane
        self.changed.emit("lane" if old.clips != lane.clips else "lanes")

    def insert_lane(self, index: int, lane: Lane) -> None:
        """Add a lane at ``index`` (ids are unique)."""
        if any(other.id == lane.id for other in self.lanes):
            raise ConfigError(f"The project already has a lane {lane.id!r}.")
        self.lanes.insert(index, lane)
        self.changed.emit("lane" if lane.clips else "lanes")

    def remove_lane(self, lane_id: str) -> tuple[int, Lane]:
        """Remove a lane (its takes stay in the list); returns ``(index, lane)`` to put back."""
        lane = self.lane_by_id(lane_id)
        index = self.lanes.index(lane)
        del self.lanes[index]
        self.changed.emit("lane" if lane.clips else "lanes")
        return index, lane

    def lanes_of(self, kind: str) -> list[Lane]:
        """The lanes of one kind, top to bottom."""
        return [lane for lane in self.lanes if lane.kind == kind]

    def sync_lane(self) -> Optional[Lane]:
        """The sync lane generation follows (the topmost), if the project has one."""
        return next(iter(self.lanes_of("sync")), None)

    def sync_for(self, start: float, end: float) -> Optional[SyncTrack]:
        """The sync lane's hits in ``[start, end)`` for a request; ``None`` when there are none."""
        lane = self.sync_lane()
        track = lane.sync.within(start, end) if lane is not None else None
        return track if track is not None and track.hits else None

    # -- clips on Foley lanes -------------------------------------------------------------
    @property
    def lane(self) -> list[LaneClip]:
        """Every clip on the Foley lanes, lane by lane."""
        return [c for lane in self.lanes_of("foley") for c in lane.clips]

    def add_clip(self, clip: LaneClip, lane_id: Optional[str] = None) -> None:
        """Place a clip on a Foley lane (the topmost one unless ``lane_id`` names another)."""
        self.take(clip.take_id)  # the take must exist
        lane = self.lane_by_id(lane_id) if lane_id else next(iter(self.lanes_of("foley")), None)
        if lane is None or lane.kind != "foley":
            raise ConfigError("Takes go on a Foley lane, and there is none; add a Foley lane first.")
        self.replace_lane(lane.with_changes(clips=(*lane.clips, clip)))

    def remove_clip(self, clip_id: str) -> LaneClip:
        """Take a clip off its lane and return it."""
        lane = self.lane_by_id(self.clip_lane(clip_id))
        clip = next(c for c in lane.clips if c.id == clip_id)
        self.replace_lane(lane.with_changes(clips=tuple(c for c in lane.clips if c.id != clip_id)))
        return clip

    def clip_lane(self, clip_id: str) -> str:
        """Id of the lane that holds ``clip_id``."""
        for lane in self.lanes:
            if any(c.id == clip_id for c in lane.clips):
                return lane.id
        raise KeyError(f"no clip {clip_id!r} on any lane")

    def clips_of(self, take_id: str) -> list[LaneClip]:
        """Lane clips that play ``take_id``."""
        return [c for c in self.lane if c.take_id == take_id]

    def mix(self, soundtrack: np.ndarray, rate: int) -> np.ndarray:
        """The soundtrack with the Foley lanes mixed in: ``(S,)`` float32 at ``rate``.

        Each lane sounds at its gain unless muted (or another lane is soloed). Foley clips add
        to the soundtrack; an inpainted clip already holds the soundtrack around its gap, so it
        replaces the soundtrack where it lies instead of doubling it.
        """
        out = np.array(soundtrack, dtype=np.float32) * self._production_gain()  # (S,)
        placed = self._placed(rate)
        for clip, audio, _ in placed:
            if self.take(clip.take_id).gap is not None:
                first = int(round(clip.start * rate))
                out[first:first + len(audio)] = 0.0
        for clip, audio, gain in placed:
            first = int(round(clip.start * rate))
            span = out[first:first + len(audio)]
            span += gain * audio[:len(span)]
        return np.clip(out, -1.0, 1.0)

    def _production_gain(self) -> float:
        lane = next(iter(self.lanes_of("production")), None)
        if lane is None:
            return 1.0
        return lane.gain if audible(self.lanes, lane) else 0.0

    def _placed(self, rate: int) -> list[tuple[LaneClip, np.ndarray, float]]:
        """``(clip, its audio at rate, lane gain)`` for every clip on an audible Foley lane."""
        return [(c, _resample(self.take(c.take_id).take.audio, self.take(c.take_id).take.sample_rate,
                              rate), lane.gain)
                for lane in self.lanes_of("foley") if audible(self.lanes, lane) for c in lane.clips]


def _resample(audio: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Linear resampling, good enough for a lane preview mix."""
    if src == dst or len(audio) == 0:
        return audio.astype(np.float32, copy=False)
    n = int(round(len(audio) * dst / src))
    return np.interp(np.arange(n) * src / dst, np.arange(len(audio)), audio).astype(np.float32)
