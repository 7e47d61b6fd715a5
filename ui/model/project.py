"""The document a user edits: a video, the takes generated for it, and the Foley lane.

Every mutation goes through a method here and fires :attr:`Project.changed` with what changed
(``"video"``, ``"takes"``, ``"lane"``, ``"selection"``); undoable edits call these methods from
:mod:`ui.model.commands`. Saving and loading live in :mod:`ui.model.project_file`.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from foley_studio.errors import SelectionError
from foley_studio.requests import Take
from ui.model.events import Signal
from ui.model.selection import Selection


def new_id(prefix: str) -> str:
    """A short unique id such as ``take-1f3a9c2e``."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


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


@dataclass(frozen=True)
class LaneClip:
    """A take placed on the Foley lane at ``start`` seconds."""

    take_id: str
    start: float
    id: str = field(default_factory=lambda: new_id("clip"))


@dataclass
class VideoInfo:
    """What the project remembers about its video."""

    path: str
    fps: float
    duration: float


class Project:
    """Video, selection, takes (ordered) and lane clips; ``changed(what)`` after each edit."""

    def __init__(self) -> None:
        self.video: Optional[VideoInfo] = None
        self.selection: Optional[Selection] = None
        self.takes: list[TakeItem] = []
        self.lane: list[LaneClip] = []
        self.changed = Signal()

    def assign(self, other: "Project") -> None:
        """Take over ``other``'s whole state (opening a project keeps this object for the views)."""
        self.video, self.selection = other.video, other.selection
        self.takes, self.lane = list(other.takes), list(other.lane)
        for what in ("video", "takes", "lane", "selection"):
            self.changed.emit(what)

    # -- video and selection -------------------------------------------------------------
    def set_video(self, info: Optional[VideoInfo]) -> None:
        """Use another video; the selection is cleared."""
        self.video = info
        self.selection = None
        self.changed.emit("video")

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

    # -- lane -----------------------------------------------------------------------------
    def add_clip(self, clip: LaneClip) -> None:
        """Place a clip on the Foley lane."""
        self.take(clip.take_id)  # the take must exist
        self.lane.append(clip)
        self.changed.emit("lane")

    def remove_clip(self, clip_id: str) -> LaneClip:
        """Take a clip off the lane and return it."""
        clip = next(c for c in self.lane if c.id == clip_id)
        self.lane.remove(clip)
        self.changed.emit("lane")
        return clip

    def clips_of(self, take_id: str) -> list[LaneClip]:
        """Lane clips that play ``take_id``."""
        return [c for c in self.lane if c.take_id == take_id]

    def mix(self, soundtrack: np.ndarray, rate: int) -> np.ndarray:
        """The soundtrack with the Foley lane mixed in: ``(S,)`` float32 at ``rate``.

        Foley clips add to the soundtrack; an inpainted clip already holds the soundtrack
        around its gap, so it replaces the soundtrack where it lies instead of doubling it.
        """
        out = np.array(soundtrack, dtype=np.float32)  # (S,)
        for clip, audio in self._placed(rate):
            if self.take(clip.take_id).gap is not None:
                first = int(round(clip.start * rate))
                out[first:first + len(audio)] = 0.0
        for clip, audio in self._placed(rate):
            first = int(round(clip.start * rate))
            span = out[first:first + len(audio)]
            span += audio[:len(span)]
        return np.clip(out, -1.0, 1.0)

    def _placed(self, rate: int) -> list[tuple[LaneClip, np.ndarray]]:
        return [(c, _resample(self.take(c.take_id).take.audio, self.take(c.take_id).take.sample_rate,
                              rate)) for c in self.lane]


def _resample(audio: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Linear resampling, good enough for a lane preview mix."""
    if src == dst or len(audio) == 0:
        return audio.astype(np.float32, copy=False)
    n = int(round(len(audio) * dst / src))
    return np.interp(np.arange(n) * src / dst, np.arange(len(audio)), audio).astype(np.float32)
