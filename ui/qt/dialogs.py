"""Every question the app asks the user, in one replaceable object.

The main window never opens a file dialog or a question box directly; it calls these methods,
so tests answer them without a modal loop. File pickers start in the folder the caller names
(the project's or the video's), never in the working directory.
"""
from __future__ import annotations

from typing import Optional, Sequence

from PyQt6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from ui.model.project_file import SUFFIX

VIDEO_FILTER = "Video (*.mp4 *.mov *.mkv *.avi *.webm *.m4v);;All files (*)"
PROJECT_FILTER = f"Foley Studio project (*{SUFFIX});;All files (*)"

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"
"""The answers of :meth:`Dialogs.save_changes`."""


class Dialogs:
    """File pickers, a text prompt and questions over ``parent``."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        self.parent = parent

    def open_file(self, caption: str, filters: str, folder: str = "") -> str:
        """A path to open, picked starting in ``folder``, or "" when cancelled."""
        return QFileDialog.getOpenFileName(self.parent, caption, folder, filters)[0]

    def save_file(self, caption: str, filters: str, suggested: str = "") -> str:
        """A path to write (``suggested`` may name the folder too), or "" when cancelled."""
        return QFileDialog.getSaveFileName(self.parent, caption, suggested, filters)[0]

    def text(self, caption: str, label: str, value: str) -> Optional[str]:
        """A line of text, or None when cancelled."""
        text, ok = QInputDialog.getText(self.parent, caption, label, text=value)
        return text if ok else None

    def save_changes(self, title: str, text: str) -> str:
        """Save / Don't Save / Cancel: :data:`SAVE`, :data:`DISCARD` or :data:`CANCEL` (Esc)."""
        buttons = QMessageBox.StandardButton
        box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                          buttons.Save | buttons.Discard | buttons.Cancel, self.parent)
        box.setDefaultButton(buttons.Save)
        box.setEscapeButton(buttons.Cancel)
        return {buttons.Save: SAVE, buttons.Discard: DISCARD}.get(
            buttons(box.exec()), CANCEL)

    def choose(self, title: str, text: str, choices: Sequence[str]) -> str:
        """One of ``choices`` (button labels); the first is the default, Esc picks the last."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.NoButton, self.parent)
        buttons = [box.addButton(label, QMessageBox.ButtonRole.ActionRole) for label in choices]
        box.setDefaultButton(buttons[0])
        box.setEscapeButton(buttons[-1])
        box.exec()
        clicked = box.clickedButton()
        return choices[buttons.index(clicked)] if clicked in buttons else choices[-1]
