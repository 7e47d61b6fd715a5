"""The real question boxes: each button, and Esc, give the answer the window acts on."""
from __future__ import annotations

import pytest
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication, QMessageBox

from ui.qt.dialogs import CANCEL, DISCARD, SAVE, Dialogs

pytestmark = pytest.mark.qt
SB = QMessageBox.StandardButton


def _press_later(which) -> None:
    """Once the box is up: click the button with that label or role, or press Esc (None)."""
    def press() -> None:
        box = QApplication.activeModalWidget()
        if which is None:
            box.reject()
        elif isinstance(which, str):
            next(b for b in box.buttons() if b.text() == which).click()
        else:
            box.button(which).click()
    QTimer.singleShot(50, press)


@pytest.mark.parametrize("button, answer", [(SB.Save, SAVE), (SB.Discard, DISCARD),
                                            (SB.Cancel, CANCEL), (None, CANCEL)])
def test_save_changes_answers(qtbot, button, answer) -> None:
    _press_later(button)
    assert Dialogs().save_changes("Save changes?", "scene.foley.json has unsaved changes.") == answer


@pytest.mark.parametrize("button, answer", [("Recover", "Recover"), ("Not Now", "Not Now"),
                                            (None, "Not Now")])
def test_choose_answers_and_esc_picks_the_last(qtbot, button, answer) -> None:
    _press_later(button)
    assert Dialogs().choose("Recover unsaved work?", "…", ["Recover", "Discard", "Not Now"]) == answer
