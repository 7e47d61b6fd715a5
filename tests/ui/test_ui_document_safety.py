"""Nothing replaces or closes a project with unsaved edits before the user answers Save / Don't
Save / Cancel, running jobs are never dropped silently, and file dialogs start beside the work."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from helpers_app import Scripted, new_window, saved_project
from PyQt6.QtCore import QMimeData, QPointF, Qt, QUrl
from PyQt6.QtGui import QDropEvent

from ui.app import open_at_start
from ui.model.project_file import load_project
from ui.qt.main_window import MainWindow

pytestmark = pytest.mark.qt


@pytest.fixture
def edited(qtbot, tmp_path, null_audio):
    """A window with scene.foley.json open and one unsaved edit (its take renamed)."""
    path = saved_project(tmp_path)
    w = new_window(qtbot, Scripted())
    assert w.open_project(path)
    w.flows.rename_take(w.project.takes[0].id, "edited")
    assert w.modified and w.dialogs.asked == []
    yield w, path
    if not w.main_thread.closed:
        w.shutdown()


def _menu_action(w: MainWindow, text: str):
    return next(a for menu in w.menuBar().findChildren(type(w.actions.recent_menu))
                for a in menu.actions() if a.text() == text)


def _drop(w: MainWindow, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    w.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                           Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))


def _open_recent(w: MainWindow, path: Path) -> None:
    w.settings.add_recent(str(path))
    w.actions.refresh_recent()
    w.actions.recent_menu.actions()[0].trigger()


def _open_from_menu(w: MainWindow, path: Path) -> None:
    w.dialogs.path = str(path)
    _menu_action(w, "Open Video…").trigger()


REPLACERS = {
    "open video": lambda w, video, other: w.open_video(str(video)),
    "open video from the menu": lambda w, video, other: _open_from_menu(w, video),
    "open project": lambda w, video, other: w.open_project(other),
    "open a recent file": lambda w, video, other: _open_recent(w, other),
    "new project": lambda w, video, other: _menu_action(w, "New Project").trigger(),
    "drag and drop": lambda w, video, other: _drop(w, video),
    "command-line path": lambda w, video, other: open_at_start(w, str(other)),
}


@pytest.mark.parametrize("action", sorted(REPLACERS))
def test_cancel_keeps_the_edited_project_as_it_was(qtbot, edited, world_clip, tmp_path, action) -> None:
    w, path = edited
    w.autosave_now()
    other = saved_project(tmp_path, "other")
    REPLACERS[action](w, world_clip, other)
    qtbot.wait(300)  # a decode, had one started, would deliver here
    assert w.dialogs.titles() == ["Save changes?"] and "scene.foley.json" in w.dialogs.asked[0][1]
    assert w.project.takes[0].name == "edited" and w.project_path == path and w.modified
    assert w.overview is None and w.project.video is None and w.errors.shown == []
    assert load_project(w.autosaves.file).takes[0].name == "edited"


@pytest.mark.parametrize("action", sorted(REPLACERS))
def test_dont_save_replaces_the_project_and_leaves_the_file_alone(qtbot, edited, world_clip,
                                                                   tmp_path, action) -> None:
    w, path = edited
    w.autosave_now()
    other = saved_project(tmp_path, "other")
    w.dialogs.save = "discard"
    REPLACERS[action](w, world_clip, other)
    qtbot.waitUntil(lambda: not w.modified and w.project_path != path, timeout=20000)
    assert w.errors.shown == [] and load_project(path).takes[0].name == "door"
    assert not w.autosaves.file.exists()  # the user chose to drop those edits


def test_save_writes_the_edits_before_the_video_replaces_them(qtbot, edited, world_clip) -> None:
    w, path = edited
    w.dialogs.save = "save"
    assert w.open_video(str(world_clip))
    qtbot.waitUntil(lambda: w.project.video is not None, timeout=20000)
    assert load_project(path).takes[0].name == "edited" and w.project.takes == []


def test_save_cancelled_in_the_file_dialog_keeps_an_untitled_project(qtbot, null_audio, tmp_path,
                                                                      world_clip) -> None:
    w = new_window(qtbot, Scripted(save="save", path=""))
    w.project.assign(load_project(saved_project(tmp_path)))
    w.flows.rename_take(w.project.takes[0].id, "edited")
    assert w.modified and w.project_path is None
    assert w.open_video(str(world_clip)) is False  # Save, then no file picked: nothing changes
    assert w.dialogs.titles() == ["Save changes?"] and w.project.takes[0].name == "edited"
    assert w.dialogs.folders == [str(tmp_path)] and w.modified
    w.shutdown()


@pytest.mark.parametrize("answer, closes, on_disk", [("cancel", False, "door"),
                                                      ("discard", True, "door"),
                                                      ("save", True, "edited")])
def test_quit_asks_save_dont_save_cancel(edited, answer, closes, on_disk) -> None:
    w, path = edited
    w.autosave_now()
    slot = w.autosaves.folder
    w.dialogs.save = answer
    assert w.close() is closes
    assert w.dialogs.titles() == ["Save changes?"] and load_project(path).takes[0].name == on_disk
    assert slot.is_dir() is not closes  # a clean exit removes the autosave, Cancel keeps it


def _hold_a_job(w: MainWindow, on_done=lambda result: None):
    release = threading.Event()

    def work(progress, cancel):
        while not (release.is_set() or cancel.cancelled):
            release.wait(0.01)
        return "result"
    return w.submit("Long job", work, on_done), release


def test_quit_warns_about_a_running_job_and_can_keep_the_app_open(qtbot, edited) -> None:
    w, _ = edited
    job, release = _hold_a_job(w)
    w.dialogs.choice, w.dialogs.save = -1, "discard"  # Keep Working
    assert w.close() is False
    assert w.dialogs.titles() == ["A job is running"] and "Long job" in w.dialogs.asked[0][1]
    assert not job.finished and not job.cancel_token.cancelled
    w.dialogs.choice = 0  # Stop the Job
    assert w.close() is True and job.cancel_token.cancelled
    assert w.dialogs.titles() == ["A job is running", "A job is running", "Save changes?"]
    release.set()


def test_cancel_at_the_save_question_leaves_the_job_running(qtbot, edited) -> None:
    w, _ = edited
    job, release = _hold_a_job(w)
    w.dialogs.choice, w.dialogs.save = 0, "cancel"
    assert w.close() is False and not job.cancel_token.cancelled
    release.set()
    qtbot.waitUntil(lambda: not w.jobs.busy, timeout=10000)


def test_a_result_that_lands_while_the_user_answers_goes_nowhere(qtbot, edited, tmp_path) -> None:
    w, _ = edited
    landed = []
    job, release = _hold_a_job(w, landed.append)

    def finish_while_asking() -> None:  # the job ends; its completion is still queued
        release.set()
        job.future.result(timeout=10)
    w.dialogs.during, w.dialogs.choice, w.dialogs.save = finish_while_asking, 0, "discard"
    assert w.open_project(saved_project(tmp_path, "other"))
    qtbot.wait(200)  # the job's queued completion is delivered here
    assert landed == [] and w.project_path.name == "other.foley.json"


def test_file_dialogs_start_in_the_projects_folder(edited, tmp_path) -> None:
    w, path = edited
    _menu_action(w, "Open Video…").trigger()
    _menu_action(w, "Save Project As…").trigger()
    w.flows.export_take(w.project.takes[0].id, True)
    assert w.dialogs.folders == [str(tmp_path)] * 3


def test_file_dialogs_start_in_the_videos_folder(qtbot, null_audio, world_clip) -> None:
    w = new_window(qtbot, Scripted())
    w.open_video(str(world_clip))
    qtbot.waitUntil(lambda: w.project.video is not None, timeout=20000)
    _menu_action(w, "Save Project").trigger()
    _menu_action(w, "Open Project…").trigger()
    assert w.dialogs.folders == [str(world_clip.parent)] * 2
    w.shutdown()


def test_an_unwritable_config_folder_still_starts_and_says_why_autosave_failed(
        qtbot, tmp_path, monkeypatch, null_audio) -> None:
    blocker = tmp_path / "config"
    blocker.write_text("a file where the config folder should be")
    monkeypatch.setenv("FOLEY_STUDIO_CONFIG", str(blocker))
    w = new_window(qtbot, Scripted())
    w.project.assign(load_project(saved_project(tmp_path)))
    w.flows.rename_take(w.project.takes[0].id, "edited")
    w.autosave_now()
    ((title, text),) = w.errors.shown
    assert text.startswith("Could not autosave into") and "FOLEY_STUDIO_CONFIG" in text
    assert w.project.takes[0].name == "edited" and w.isVisible()
    w.shutdown()
