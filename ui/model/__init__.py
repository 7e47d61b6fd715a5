"""The app's document, Qt-free: the project (video, takes, lanes, selection), the undo
history and its commands, and the user's preferences. Nothing here imports PyQt6."""
from __future__ import annotations

from ui.model.events import Signal
from ui.model.history import Command, History
from ui.model.lanes import Lane
from ui.model.project import LaneClip, Project, TakeItem

__all__ = ["Command", "History", "Lane", "LaneClip", "Project", "Signal", "TakeItem"]
