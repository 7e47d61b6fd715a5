"""The undoable edits of a project; each only calls :class:`~ui.model.project.Project` methods."""
from __future__ import annotations

from dataclasses import replace

from ui.model.history import Command
from ui.model.project import LaneClip, Project, TakeItem


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
        self._clips: list[LaneClip] = []

    def do(self) -> None:
        self._clips = [self.project.remove_clip(c.id) for c in self.project.clips_of(self.take_id)]
        self._removed = self.project.remove_takes([self.take_id])

    def undo(self) -> None:
        for index, item in self._removed:
            self.project.insert_takes(index, [item])
        for clip in self._clips:
            self.project.add_clip(clip)


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
    """Place a take on the Foley lane at its own start time (or at ``start``)."""

    def __init__(self, project: Project, take_id: str, start: float | None = None) -> None:
        item = project.take(take_id)
        self.project = project
        self.clip = LaneClip(take_id, item.take.start if start is None else start)
        self.text = f"Accept {item.name}"

    def do(self) -> None:
        self.project.add_clip(self.clip)

    def undo(self) -> None:
        self.project.remove_clip(self.clip.id)


class RemoveClip(Command):
    """Take a clip off the Foley lane (the take stays in the list)."""

    def __init__(self, project: Project, clip_id: str) -> None:
        self.project, self.clip_id = project, clip_id
        self.clip = next(c for c in project.lane if c.id == clip_id)
        self.text = "Remove clip from lane"

    def do(self) -> None:
        self.project.remove_clip(self.clip_id)

    def undo(self) -> None:
        self.project.add_clip(self.clip)


class MoveClip(Command):
    """Slide a lane clip in time; the moves of one drag (same ``gesture``) merge into one step."""

    def __init__(self, project: Project, clip_id: str, start: float, gesture: int = 0) -> None:
        self.project, self.clip_id, self.gesture = project, clip_id, gesture
        self.old = next(c for c in project.lane if c.id == clip_id)
        self.new = replace(self.old, start=max(0.0, start))
        self.text = "Move clip"

    def do(self) -> None:
        self._swap(self.old, self.new)

    def undo(self) -> None:
        self._swap(self.new, self.old)

    def merge_with(self, other: Command) -> bool:
        if isinstance(other, MoveClip) and other.clip_id == self.clip_id \
                and other.gesture == self.gesture != 0:
            self.new = other.new
            return True
        return False

    def _swap(self, out: LaneClip, into: LaneClip) -> None:
        self.project.remove_clip(out.id)
        self.project.add_clip(into)
