"""The document a user edits: a video, the takes generated for it, and the timeline's lanes.

Every mutation goes through a method here and fires :attr:`Project.changed` with what changed
(``"video"``, ``"takes"``, ``"lane"`` when clips moved, ``"lanes"`` for any other lane edit such
as hits, mute or gain, ``"selection"``, ``"storyboards"``); undoable edits call these methods from
:mod:`ui.model.commands`. Saving and loading live in :mod:`ui.model.project_file`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

import numpy as np

from foley_studio.errors import ConfigError, SelectionError
from foley_studio.requests import Take
from foley_studio.sync import SyncTrack
from foley_studio.timeline import Clock
from ui.model.events import Signal
from ui.model.lanes import (CLIP_KINDS, EDITED, EDITED_NAME, FOLEY, PRODUCTION, Lane, LaneClip,
                            audible, default_lanes, new_id, repair_clip)
from ui.model.selection import Selection
from ui.model.storyboard import Storyboard

if TYPE_CHECKING:
    from foley_studio.media.mix import ClipSound, LaneSound

__all__ = ["Lane", "LaneClip", "Project", "Storyboard", "TakeItem", "VideoInfo", "new_id"]

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
        self.storyboards: list[Storyboard] = []  # oldest first
        self.changed = Signal()

    def assign(self, other: "Project") -> None:
        """Take over ``other``'s whole state (opening a project keeps this object for the views)."""
        self.video, self.selection = other.video, other.selection
        self.takes, self.lanes = list(other.takes), list(other.lanes)
        self.storyboards = list(other.storyboards)
        for what in ("video", "takes", "lanes", "lane", "selection", "storyboards"):
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
            raise SelectionError("Nothing is selected: drag across the timeline, Ctrl+click a "
                                 "frame, or press I and O at the playhead first.")
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

    # -- storyboards ----------------------------------------------------------------------
    def add_storyboard(self, board: Storyboard) -> None:
        """Keep a drawn storyboard (the newest is the one shown and exported)."""
        self.storyboards.append(board)
        self.changed.emit("storyboards")

    def remove_storyboard(self, board_id: str) -> None:
        """Forget a storyboard."""
        self.storyboards = [b for b in self.storyboards if b.id != board_id]
        self.changed.emit("storyboards")

    # -- lanes --------------------------------------------------------------------------
    def lane_by_id(self, lane_id: str) -> Lane:
        """The lane with ``lane_id`` (KeyError names it when absent)."""
        for lane in self.lanes:
            if lane.id == lane_id:
                return lane
        raise KeyError(f"no lane {lane_id!r} in the project")

    def replace_lane(self, lane: Lane) -> None:
        """Swap in an edited lane (same id); its clips must fit their takes."""
        index = self.lanes.index(self.lane_by_id(lane.id))
        self._check_clips(lane)
        old, self.lanes[index] = self.lanes[index], lane
        self.changed.emit("lane" if old.clips != lane.clips else "lanes")

    def set_lanes(self, lanes: list[Lane]) -> None:
        """Swap in a whole edited list of lanes (an edit of several lanes at once)."""
        ids = [lane.id for lane in lanes]
        if len(set(ids)) != len(ids):
            raise ConfigError("Two lanes share an id; each lane needs its own.")
        for lane in lanes:
            self._check_clips(lane)
        self.lanes = list(lanes)
        self.changed.emit("lanes")
        self.changed.emit("lane")

    def _check_clips(self, lane: Lane) -> None:
        for clip in lane.clips:
            clip.check_take(self.take(clip.take_id).take.duration)

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

    def production_lane(self) -> Optional[Lane]:
        """The lane of the video's own soundtrack, if the project has one."""
        return next(iter(self.lanes_of(PRODUCTION)), None)

    def edited_lane(self) -> Optional[Lane]:
        """The "Production (edited)" lane of inpaint repairs, once the first repair made it."""
        return next(iter(self.lanes_of(EDITED)), None)

    def sync_lane(self) -> Optional[Lane]:
        """The sync lane generation follows (the topmost), if the project has one."""
        return next(iter(self.lanes_of("sync")), None)

    def sync_for(self, start: float, end: float) -> Optional[SyncTrack]:
        """The sync lane's hits in ``[start, end)`` for a request; ``None`` when there are none."""
        lane = self.sync_lane()
        track = lane.sync.within(start, end) if lane is not None else None
        return track if track is not None and track.hits else None

    # -- clips on Foley and edited lanes --------------------------------------------------
    @property
    def lane(self) -> list[LaneClip]:
        """Every clip on the Foley lanes, lane by lane."""
        return [c for lane in self.lanes_of(FOLEY) for c in lane.clips]

    @property
    def all_clips(self) -> list[LaneClip]:
        """Every clip on any lane (Foley stems and repairs), lane by lane."""
        return [c for lane in self.lanes if lane.kind in CLIP_KINDS for c in lane.clips]

    def clip(self, clip_id: str) -> LaneClip:
        """The clip with ``clip_id`` on whichever lane holds it."""
        return self.lane_by_id(self.clip_lane(clip_id)).clip(clip_id)

    def add_clip(self, clip: LaneClip, lane_id: Optional[str] = None) -> None:
        """Place a clip on a Foley lane (the topmost one unless ``lane_id`` names another)."""
        self.take(clip.take_id)  # the take must exist
        lane = self.lane_by_id(lane_id) if lane_id else next(iter(self.lanes_of(FOLEY)), None)
        if lane is None or lane.kind not in CLIP_KINDS:
            raise ConfigError("Takes go on a Foley lane, and there is none; add a Foley lane first.")
        self.replace_lane(lane.with_changes(clips=(*lane.clips, clip)))

    def with_repair(self, take_id: str, seam: float) -> list[Lane]:
        """The lanes after the inpaint take ``take_id`` repairs its gap: a repair clip on the
        edited production lane, which is made (below the production lane, which it mutes) on
        first use. Returns the new lane list; :class:`~ui.model.commands.EditLanes` applies it."""
        item = self.take(take_id)
        if item.gap is None:
            raise ConfigError(f"{item.name} is not an inpaint take; only an inpainted gap can "
                              "repair the production audio. Accept it onto a Foley lane instead.")
        clip = repair_clip(take_id, item.take.start, item.take.duration, item.gap, seam)
        lanes = list(self.lanes)
        edited = self.edited_lane()
        if edited is None:
            edited = Lane(EDITED, EDITED_NAME)
            production = self.production_lane()
            at = lanes.index(production) + 1 if production is not None else 0
            if production is not None:
                lanes[at - 1] = production.with_changes(mute=True, solo=False)
            lanes.insert(at, edited)
        lanes[lanes.index(edited)] = edited.with_clip(clip)
        return lanes

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
        """Lane clips (Foley or repair) that play ``take_id``."""
        return [c for c in self.all_clips if c.take_id == take_id]

    # -- sound ----------------------------------------------------------------------------
    def clip_sound(self, clip: LaneClip, gain: float = 1.0) -> "ClipSound":
        """What a renderer needs of ``clip``: its take's audio and its placement."""
        from foley_studio.media.mix import ClipSound

        take = self.take(clip.take_id).take
        return ClipSound(take.audio, take.sample_rate, clip.start, clip.offset, clip.length,
                         clip.fade_in, clip.fade_out, clip.gain * gain)

    def placed_take(self, clip: LaneClip) -> Take:
        """The take as ``clip`` plays it, for exports and sends: trimmed, faded (linear, as on
        a Foley lane) and gained at the take's own rate, starting at the clip's start."""
        from dataclasses import replace

        from foley_studio.media.mix import clip_audio

        take = self.take(clip.take_id).take
        audio = clip_audio(self.clip_sound(clip), take.sample_rate)  # (n,)
        return replace(take, audio=audio, start=clip.start, unconformed=None)

    def lane_sounds(self, lanes: Optional[list[Lane]] = None) -> list["LaneSound"]:
        """The audible lanes (mute and solo applied) as :mod:`foley_studio.media.mix` input;
        ``lanes`` picks some of the project's lanes regardless of mute (A/B, exports)."""
        from foley_studio.media.mix import ADD, REPAIR, SOURCE, LaneSound

        modes = {PRODUCTION: SOURCE, EDITED: REPAIR, FOLEY: ADD}
        chosen = lanes if lanes is not None else [l for l in self.lanes if audible(self.lanes, l)]
        return [LaneSound(modes[lane.kind], lane.gain, tuple(self.clip_sound(c) for c in lane.clips))
                for lane in chosen if lane.kind in modes]

    def mix(self, soundtrack: np.ndarray, rate: int, start: float = 0.0,
            end: Optional[float] = None) -> np.ndarray:
        """The timeline's mix of ``[start, end)`` seconds: ``(S,)`` float32 at ``rate``.

        ``soundtrack`` is the production audio ``(S,)`` at ``rate`` from time 0; each audible
        lane sounds at its gain (see :mod:`ui.model.lanes` for how clips and repairs render).
        """
        from foley_studio.media.mix import render_mix

        first = int(round(start * rate))
        last = len(soundtrack) if end is None else int(round(end * rate))
        return render_mix(self.lane_sounds(), soundtrack, rate, first, max(0, last - first))
