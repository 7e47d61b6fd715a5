"""Shared pieces of the app tests: scripted answers, a saved project, a crash, a finished job."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import numpy as np

from foley_studio.requests import Take
from ui.model.project import Project, TakeItem
from ui.model.project_file import save_project
from ui.services.autosave import AutosaveSlot


class Scripted:
    """Stands in for the window's dialogs: answers given in advance, and every question kept."""

    def __init__(self, save: str = "cancel", choice: int = -1, path: str = "",
                 during: Optional[Callable[[], None]] = None) -> None:
        self.save, self.choice, self.path, self.during = save, choice, path, during
        self.asked: list[tuple[str, str]] = []  # (title, text)
        self.folders: list[str] = []  # where each file dialog started

    def open_file(self, caption: str, filters: str, folder: str = "") -> str:
        self.folders.append(folder)
        return self.path

    def save_file(self, caption: str, filters: str, suggested: str = "") -> str:
        self.folders.append(str(Path(suggested).parent))
        return self.path

    def text(self, caption: str, label: str, value: str):
        return None

    def save_changes(self, title: str, text: str) -> str:
        self._ask(title, text)
        return self.save

    def choose(self, title: str, text: str, choices) -> str:
        self._ask(title, text)
        return choices[self.choice]

    def _ask(self, title: str, text: str) -> None:
        """Record the question; ``during`` runs as events would while a real box is open."""
        self.asked.append((title, text))
        if self.during is not None:
            self.during()

    def titles(self) -> list[str]:
        return [title for title, _ in self.asked]


def new_window(qtbot, dialogs: Scripted):
    """A main window with no generators, errors recorded (not shown) and ``dialogs`` answering."""
    from ui.model.settings import AppSettings
    from ui.qt.main_window import MainWindow
    from ui.services.catalog import GeneratorCatalog

    w = MainWindow(AppSettings(), catalog=GeneratorCatalog())
    qtbot.addWidget(w)
    w.errors.present = lambda title, text, detail="": None  # recorded in errors.shown
    w.dialogs = dialogs
    w.show()
    return w


def saved_project(folder: Path, name: str = "scene") -> Path:
    """A project file with one take named "door" (no video, so nothing to decode)."""
    project = Project()
    take = Take(np.full(1600, 0.1, np.float32), 16000, "echoes", 3, 1.0, name="door")
    project.insert_takes(0, [TakeItem(take, (1.0, 1.1))])
    return save_project(project, folder / f"{name}.foley.json")


def abandon(slot: AutosaveSlot) -> None:
    """What a crash leaves behind: the slot on disk with its OS lock released."""
    slot._lock.close()
    slot._lock = None


def click_and_finish(qtbot, w, button, timeout: int = 60000) -> None:
    """Click ``button`` (which starts a job) and wait until the window has handled the job's end."""
    from PyQt6.QtCore import Qt

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.settled, timeout=timeout)
