"""Every question the app asks the user, in one replaceable object.

The main window never opens a file dialog or a question box directly; it calls these methods,
so tests answer them without a modal loop.
"""
from __future__ import annotations

from typing import Optional

from PyQt6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget


class Dialogs:
    """File pickers, a text prompt and a yes/no question over ``parent``."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        self.parent = parent

    def open_file(self, caption: str, filters: str) -> str:
        """A path to open, or "" when cancelled."""
        return QFileDialog.getOpenFileName(self.parent, caption, "", filters)[0]

    def save_file(self, caption: str, filters: str, suggested: str = "") -> str:
        """A path to write, or "" when cancelled."""
        return QFileDialog.getSaveFileName(self.parent, caption, suggested, filters)[0]

    def text(self, caption: str, label: str, value: str) -> Optional[str]:
        """A line of text, or None when cancelled."""
        text, ok = QInputDialog.getText(self.parent, caption, label, text=value)
        return text if ok else None

    def question(self, title: str, text: str) -> bool:
        """Yes (True) or no (False)."""
        answer = QMessageBox.question(self.parent, title, text)
        return answer == QMessageBox.StandardButton.Yes
