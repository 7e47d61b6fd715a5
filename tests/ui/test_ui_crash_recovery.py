"""Crash recovery with a real app process: its unsaved edits survive a kill, come back through
every way into the project, and no other running app ever takes or deletes them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_app import Scripted, abandon, new_window, saved_project

from ui.app import open_at_start
from ui.model.project_file import load_project
from ui.services.autosave import pending_recoveries

pytestmark = pytest.mark.qt

RECOVER, DISCARD, LATER = 0, 1, 2  # the recovery prompt's buttons, in order

EDITING_APP = """
import sys
from PyQt6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
from ui.model.settings import AppSettings
from ui.qt.main_window import MainWindow

w = MainWindow(AppSettings())
w.open_project(sys.argv[1])
w.flows.rename_take(w.project.takes[0].id, "recovered edit")
w.autosave_now()
print("autosaved", flush=True)
sys.stdin.readline()  # runs until killed
"""


def _editing_app(project: Path) -> subprocess.Popen:
    """Another running app with ``project`` open, one edit made and autosaved."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root)}
    proc = subprocess.Popen([sys.executable, "-c", EDITING_APP, str(project)], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "autosaved"
    return proc


def test_a_killed_apps_edits_come_back_when_it_starts_with_the_project_path(qtbot, tmp_path,
                                                                             null_audio) -> None:
    path = saved_project(tmp_path)
    proc = _editing_app(path)
    try:
        bystander = new_window(qtbot, Scripted(choice=DISCARD))
        open_at_start(bystander, str(path))
        assert bystander.dialogs.asked == []  # a running app's autosave is not a recovery
        assert bystander.project.takes[0].name == "door"
        bystander.shutdown()
    finally:
        proc.kill()  # the crash: no clean exit, the autosave stays
        proc.wait()
    w = new_window(qtbot, Scripted(choice=RECOVER))
    open_at_start(w, str(path))
    (question,) = w.dialogs.asked
    assert question[0] == "Recover unsaved work?" and "scene.foley.json, autosaved" in question[1]
    assert w.project.takes[0].name == "recovered edit" and w.project_path == path.resolve()
    assert w.modified and w.windowTitle().startswith("scene.foley.json *")
    assert load_project(path).takes[0].name == "door"  # the saved file is untouched
    assert pending_recoveries() == []  # the window holds the edits in its own autosave now
    abandon(w.autosaves)
    (again,) = pending_recoveries()
    assert again.is_for(path) and again.load().takes[0].name == "recovered edit"
    w.shutdown()


def _crashed_edit(tmp_path: Path, qtbot) -> Path:
    """A project whose app autosaved an edit and crashed (in-process: its OS lock let go)."""
    path = saved_project(tmp_path)
    w = new_window(qtbot, Scripted())
    w.open_project(path)
    w.flows.rename_take(w.project.takes[0].id, "recovered edit")
    w.autosave_now()
    abandon(w.autosaves)
    w.autosaves.folder = tmp_path / "gone"  # its shutdown must not delete the crash's files
    w.shutdown()
    return path


def test_not_now_keeps_the_recovery_for_the_recent_files_menu(qtbot, tmp_path, null_audio) -> None:
    path = _crashed_edit(tmp_path, qtbot)
    w = new_window(qtbot, Scripted(choice=LATER))
    open_at_start(w, None)
    assert w.dialogs.titles() == ["Recover unsaved work?"] and w.project.takes == []
    w.dialogs.choice = RECOVER
    w.settings.add_recent(str(path))
    w.actions.refresh_recent()
    w.actions.recent_menu.actions()[0].trigger()
    assert w.project.takes[0].name == "recovered edit" and w.modified
    assert w.save() == path.resolve() and load_project(path).takes[0].name == "recovered edit"
    assert not w.modified and not w.autosaves.file.exists()
    w.shutdown()


def test_declining_never_lets_other_work_overwrite_the_recovery(qtbot, tmp_path, null_audio) -> None:
    path = _crashed_edit(tmp_path, qtbot)
    (recovery,) = pending_recoveries()
    kept = recovery.folder.joinpath("autosave.foley.json").read_bytes()
    w = new_window(qtbot, Scripted(choice=LATER))
    open_at_start(w, None)
    other = saved_project(tmp_path, "other")
    w.open_project(other)
    w.flows.rename_take(w.project.takes[0].id, "other edit")
    w.autosave_now()
    assert recovery.folder.joinpath("autosave.foley.json").read_bytes() == kept
    assert [r.folder for r in pending_recoveries()] == [recovery.folder]
    w.shutdown()


def test_discard_deletes_only_the_crashed_apps_autosave(qtbot, tmp_path, null_audio) -> None:
    path = _crashed_edit(tmp_path, qtbot)
    running = new_window(qtbot, Scripted())
    running.open_project(saved_project(tmp_path, "other"))
    running.flows.rename_take(running.project.takes[0].id, "live edit")
    running.autosave_now()
    w = new_window(qtbot, Scripted(choice=DISCARD))
    open_at_start(w, str(path))
    assert w.dialogs.titles() == ["Recover unsaved work?"] and w.project.takes[0].name == "door"
    assert pending_recoveries() == [] and running.autosaves.file.is_file()
    w.shutdown()
    running.shutdown()


def test_recovering_another_project_at_start_still_asks_before_opening_the_path(
        qtbot, tmp_path, null_audio) -> None:
    _crashed_edit(tmp_path, qtbot)
    w = new_window(qtbot, Scripted(choice=RECOVER, save="cancel"))
    open_at_start(w, str(saved_project(tmp_path, "other")))
    assert w.dialogs.titles() == ["Recover unsaved work?", "Save changes?"]
    assert w.project.takes[0].name == "recovered edit" and w.project_path.name == "scene.foley.json"
    w.shutdown()
