"""Undo and redo without Qt: commands that call project methods, kept on bounded stacks.

A :class:`Command` knows how to ``do`` and ``undo`` itself; :class:`History` runs it, keeps it,
and merges consecutive commands that say they can merge (a drag becomes one step).
:meth:`History.group` turns several edits into one undo step.
"""
from __future__ import annotations

import abc
import contextlib
from collections import deque
from typing import Iterator, Optional

from ui.model.events import Signal


class Command(abc.ABC):
    """One reversible edit. ``text`` names it in the Edit menu ("Undo Accept take")."""

    text: str = "edit"

    @abc.abstractmethod
    def do(self) -> None:
        """Apply the edit (also used to redo it)."""

    @abc.abstractmethod
    def undo(self) -> None:
        """Revert the edit exactly."""

    def merge_with(self, other: "Command") -> bool:
        """Absorb ``other`` (pushed right after this one) and return True, or refuse."""
        return False


class _Group(Command):
    """Several commands undone and redone as one."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.commands: list[Command] = []

    def do(self) -> None:
        for command in self.commands:
            command.do()

    def undo(self) -> None:
        for command in reversed(self.commands):
            command.undo()


class History:
    """Undo and redo stacks of at most ``depth`` steps; ``changed`` fires after every change."""

    def __init__(self, depth: int = 200) -> None:
        self._undo: deque[Command] = deque(maxlen=depth)
        self._redo: list[Command] = []
        self._group: Optional[_Group] = None
        self.changed = Signal()

    def push(self, command: Command) -> None:
        """Apply ``command`` and record it (merged into the last step when it allows)."""
        command.do()
        if self._group is not None:
            self._group.commands.append(command)
            return
        self._redo.clear()
        if not (self._undo and self._undo[-1].merge_with(command)):
            self._undo.append(command)
        self.changed.emit()

    @contextlib.contextmanager
    def group(self, text: str) -> Iterator[None]:
        """Record every push inside the block as a single step named ``text``."""
        if self._group is not None:
            yield
            return
        self._group = group = _Group(text)
        try:
            yield
        finally:
            self._group = None
            if group.commands:
                self._redo.clear()
                self._undo.append(group)
                self.changed.emit()

    def undo(self) -> None:
        """Revert the last step (nothing happens when there is none)."""
        if self._undo:
            command = self._undo.pop()
            command.undo()
            self._redo.append(command)
            self.changed.emit()

    def redo(self) -> None:
        """Re-apply the last undone step (nothing happens when there is none)."""
        if self._redo:
            command = self._redo.pop()
            command.do()
            self._undo.append(command)
            self.changed.emit()

    def clear(self) -> None:
        """Forget every step (after opening another project)."""
        self._undo.clear()
        self._redo.clear()
        self.changed.emit()

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` would do something."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """Whether :meth:`redo` would do something."""
        return bool(self._redo)

    @property
    def undo_text(self) -> str:
        """Name of the step :meth:`undo` would revert ("" when none)."""
        return self._undo[-1].text if self._undo else ""

    @property
    def redo_text(self) -> str:
        """Name of the step :meth:`redo` would re-apply ("" when none)."""
        return self._redo[-1].text if self._redo else ""
