"""The undoable edits of a project; each only calls :class:`~ui.model.project.Project` methods."""
from __future__ import annotations

from dataclasses import replace

from foley_studio.errors import ConfigError
from ui.model.history import Command
from ui.model.lanes import EDITED, FOLEY, PRODUCTION, Lane, removable
from ui.model.project import LaneClip, Project, TakeItem
from ui.model.storyboard import Storyboard


class AddTakes(Command):
    """New takes at the top of the takes list (a finished generation job)."""

    def __init__(self, project: Project, items: list[TakeItem]) -> None:
        self.project, self.items = project, list(items)
        self.text = f"Add {len(items)} take{'s' if len(items) != 1 else ''}"

    def do(self) -> None:
        self.project.insert_takes(0, self.items)

    def undo(self) -> None:
        self.project.remove_takes([t.id for t in self.items])


class DeleteTake(Command):
    """Remove a take and every lane clip that plays it."""

    def __init__(self, project: Project, take_id: str) -> None:
        self.project, self.take_id = project, take_id
        self.text = f"Delete {project.take(take_id).name}"
        self._removed: list[tuple[int, TakeItem]] = []
        self._lanes: list[Lane] = []

    def do(self) -> None:
        clips = {c.id for c in self.project.clips_of(self.take_id)}
        self._lanes = [lane for lane in self.project.lanes if any(c.id in clips for c in lane.clips)]
        for lane in self._lanes:
            self.project.replace_lane(lane.with_changes(
                clips=tuple(c for c in lane.clips if c.id not in clips)))
        self._removed = self.project.remove_takes([self.take_id])

    def undo(self) -> None:
        for index, item in self._removed:
            self.project.insert_takes(index, [item])
        for lane in self._lanes:
            self.project.replace_lane(lane)


class RenameTake(Command):
    """Give a take another name."""

    def __init__(self, project: Project, take_id: str, name: str) -> None:
        self.project, self.take_id, self.new = project, take_id, name
        self.old = project.take(take_id).name
        self.text = f"Rename {self.old}"

    def do(self) -> None:
        self.project.rename_take(self.take_id, self.new)

    def undo(self) -> None:
        self.project.rename_take(self.take_id, self.old)


class AcceptTake(Command):
    """Place a take on a Foley lane (the topmost unless ``lane_id``) at its own start time (or
    at ``start``)."""

    def __init__(self, project: Project, take_id: str, start: float | None = None,
                 lane_id: str | None = None) -> None:
        item = project.take(take_id)
        self.project, self.lane_id = project, lane_id
        self.clip = LaneClip(take_id, item.take.start if start is None else start)
        self.text = f"Accept {item.name}"

    def do(self) -> None:
        self.project.add_clip(self.clip, self.lane_id)

    def undo(self) -> None:
        self.project.remove_clip(self.clip.id)


class RemoveClip(Command):
    """Take a clip off its lane (the take stays in the list)."""

    def __init__(self, project: Project, clip_id: str) -> None:
        self.project, self.clip_id = project, clip_id
        self.lane = project.lane_by_id(project.clip_lane(clip_id))
        self.text = "Remove clip from lane"

    def do(self) -> None:
        self.project.remove_clip(self.clip_id)

    def undo(self) -> None:
        self.project.replace_lane(self.lane)


class EditLane(Command):
    """Replace a lane by an edited copy (hits, mute, solo, gain, name, clips): undo restores it.

    Consecutive edits of one lane in the same ``gesture`` (a drag; 0 = none) merge into one step.
    """

    def __init__(self, project: Project, new: Lane, text: str, gesture: int = 0) -> None:
        self.project, self.gesture, self.text = project, gesture, text
        self.old, self.new = project.lane_by_id(new.id), new

    def do(self) -> None:
        self.project.replace_lane(self.new)

    def undo(self) -> None:
        self.project.replace_lane(self.old)

    def merge_with(self, other: Command) -> bool:
        if isinstance(other, EditLane) and other.new.id == self.new.id \
                and other.gesture == self.gesture != 0 and other.text == self.text:
            self.new = other.new
            return True
        return False


class EditClip(EditLane):
    """Replace one clip by an edited copy (trim, fade, gain); a drag's edits merge into one step."""

    def __init__(self, project: Project, clip: LaneClip, text: str, gesture: int = 0) -> None:
        lane = project.lane_by_id(project.clip_lane(clip.id))
        super().__init__(project, lane.with_clip(clip), text, gesture)


class EditLanes(Command):
    """Swap the project's whole lane list for an edited one (an edit that spans lanes)."""

    def __init__(self, project: Project, lanes: list[Lane], text: str) -> None:
        self.project, self.text = project, text
        self.old, self.new = list(project.lanes), list(lanes)

    def do(self) -> None:
        self.project.set_lanes(self.new)

    def undo(self) -> None:
        self.project.set_lanes(self.old)


class RepairProduction(EditLanes):
    """Let an accepted inpaint take repair its gap on the "Production (edited)" lane (made on
    first use, with the original production lane muted in the same step)."""

    def __init__(self, project: Project, take_id: str, seam: float) -> None:
        super().__init__(project, project.with_repair(take_id, seam),
                         f"Repair production with {project.take(take_id).name}")


class MoveClipToLane(EditLanes):
    """Move a clip to another lane of clips (a vertical drag), keeping its time and trims."""

    def __init__(self, project: Project, clip_id: str, lane_id: str) -> None:
        source = project.lane_by_id(project.clip_lane(clip_id))
        target = project.lane_by_id(lane_id)
        clip = source.clip(clip_id)
        if FOLEY not in (source.kind, target.kind) or source.kind != target.kind:
            raise ConfigError(f"A clip moves only between Foley lanes; {target.name} is a "
                              f"{target.kind} lane.")
        lanes = [lane.without_clip(clip_id) if lane.id == source.id else
                 lane.with_clip(clip) if lane.id == target.id else lane for lane in project.lanes]
        super().__init__(project, lanes, f"Move clip to {target.name}")


class MoveClip(EditLane):
    """Slide a lane clip in time; the moves of one drag (same ``gesture``) merge into one step."""

    def __init__(self, project: Project, clip_id: str, start: float, gesture: int = 0) -> None:
        lane = project.lane_by_id(project.clip_lane(clip_id))
        clips = tuple(replace(c, start=max(0.0, start)) if c.id == clip_id else c for c in lane.clips)
        super().__init__(project, lane.with_changes(clips=clips), "Move clip", gesture)
        self.clip_id = clip_id


class AddLane(Command):
    """Add a lane (below the others unless ``index`` says where)."""

    def __init__(self, project: Project, lane: Lane, index: int | None = None) -> None:
        self.project, self.lane = project, lane
        self.index = len(project.lanes) if index is None else index
        self.text = f"Add lane {lane.name}"

    def do(self) -> None:
        self.project.insert_lane(self.index, self.lane)

    def undo(self) -> None:
        self.project.remove_lane(self.lane.id)


class RemoveLane(EditLanes):
    """Remove a lane and what it holds (takes stay in the takes list); removing the edited
    production lane unmutes the original in the same step, so the production is heard again."""

    def __init__(self, project: Project, lane_id: str) -> None:
        lane = project.lane_by_id(lane_id)
        if not removable(project.lanes, lane):
            raise ConfigError(f"{lane.name} cannot be removed: the project needs its production "
                              "audio and one sync lane. Mute it, or clear its hits, instead.")
        lanes = [other for other in project.lanes if other.id != lane_id]
        if lane.kind == EDITED:
            lanes = [other.with_changes(mute=False) if other.kind == PRODUCTION else other
                     for other in lanes]
        super().__init__(project, lanes, f"Remove lane {lane.name}")


class AddStoryboard(Command):
    """A drawn storyboard joins the project (saved with it)."""

    def __init__(self, project: Project, board: Storyboard) -> None:
        self.project, self.board = project, board
        self.text = "Draw storyboard"

    def do(self) -> None:
        self.project.add_storyboard(self.board)

    def undo(self) -> None:
        self.project.remove_storyboard(self.board.id)


class SetStartTimecode(Command):
    """Label the video's first frame with another timecode (Project Settings)."""

    def __init__(self, project: Project, start: str | None) -> None:
        self.project, self.new = project, start
        self.old = project.video.start_timecode if project.video is not None else None
        self.text = "Set start timecode"

    def do(self) -> None:
        self.project.set_start_timecode(self.new)

    def undo(self) -> None:
        self.project.set_start_timecode(self.old)
