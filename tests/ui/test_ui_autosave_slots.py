"""Autosave slots: one per running app, locked; only a crashed app's slot is a recovery."""
from __future__ import annotations

import datetime
import json
import socket
import subprocess
import sys
from pathlib import Path

from helpers_app import abandon, saved_project

from ui.model.project_file import load_project
from ui.services import autosave
from ui.services.autosave import AutosaveSlot, pending_recoveries


def _edited(tmp_path: Path, name: str = "edited"):
    path = saved_project(tmp_path)
    project = load_project(path)
    project.takes[0].take.name = name
    return project, path


def test_two_running_apps_keep_their_own_autosaves(tmp_path: Path) -> None:
    first, second = AutosaveSlot(), AutosaveSlot()
    project, path = _edited(tmp_path)
    first.write(project, path)
    second.write(project, None)
    assert first.folder != second.folder and pending_recoveries() == []
    second.clear()
    second.close()
    assert first.file.is_file() and load_project(first.file).takes[0].name == "edited"


def test_a_slot_whose_pid_was_reused_is_a_recovery(tmp_path: Path) -> None:
    slot = AutosaveSlot()
    project, path = _edited(tmp_path)
    slot.write(project, path)
    abandon(slot)  # the lock still names a running pid (this one), but nobody holds it
    (recovery,) = pending_recoveries()
    assert recovery.folder == slot.folder and recovery.is_for(path)
    assert recovery.load().takes[0].name == "edited"


def test_a_slot_whose_app_died_is_a_recovery_named_by_project_and_time(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    slot = AutosaveSlot()
    project, path = _edited(tmp_path)
    slot.write(project, path)
    abandon(slot)
    lock = slot.folder / autosave.LOCK_NAME
    lock.write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname()}))
    (recovery,) = pending_recoveries()
    saved = json.loads((slot.folder / autosave.META_NAME).read_text())["saved_at"]
    assert recovery.project_path == path.resolve()
    assert recovery.saved_at == datetime.datetime.fromisoformat(saved)
    when = recovery.saved_at.strftime("%H:%M:%S")
    assert "scene.foley.json" in recovery.describe() and when in recovery.describe()


def test_another_hosts_slot_is_never_offered(tmp_path: Path) -> None:
    slot = AutosaveSlot()
    slot.write(_edited(tmp_path)[0], None)
    abandon(slot)
    (slot.folder / autosave.LOCK_NAME).write_text(json.dumps({"pid": 1, "host": "elsewhere.invalid"}))
    assert pending_recoveries() == []


def test_adopting_a_recovery_writes_the_new_copy_before_deleting_the_old(tmp_path: Path) -> None:
    crashed = AutosaveSlot()
    project, path = _edited(tmp_path)
    crashed.write(project, path)
    abandon(crashed)
    (recovery,) = pending_recoveries()
    mine = AutosaveSlot()
    mine.adopt(recovery, recovery.load())
    assert not crashed.folder.exists() and pending_recoveries() == []
    abandon(mine)
    (again,) = pending_recoveries()
    assert again.is_for(path) and again.load().takes[0].name == "edited"


def test_the_shared_autosave_of_older_versions_is_still_offered(tmp_path: Path) -> None:
    from ui.model.project_file import save_project

    save_project(_edited(tmp_path)[0], autosave.autosave_root() / autosave.AUTOSAVE_NAME)
    (recovery,) = pending_recoveries()
    assert recovery.project_path is None and recovery.load().takes[0].name == "edited"
    assert recovery.name == "an untitled project"
