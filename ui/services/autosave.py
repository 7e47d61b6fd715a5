"""Autosave and crash recovery: a copy of the open project in the config folder.

The app writes the autosave every minute (Preferences) while there are unsaved edits and deletes it on
a clean exit; an autosave found at start-up therefore means the app last ended without
closing, and the app offers to recover it.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional

from ui.model.project import Project
from ui.model.project_file import load_project, save_project, takes_dir
from ui.model.settings import config_dir


def autosave_path() -> Path:
    """Where the autosave lives."""
    return config_dir() / "autosave" / "autosave.foley.json"


def write_autosave(project: Project) -> Path:
    """Save ``project`` as the autosave (atomically, takes first)."""
    return save_project(project, autosave_path())


def pending_recovery() -> Optional[Path]:
    """The autosave left by a run of the app that did not close cleanly, if any."""
    path = autosave_path()
    return path if path.is_file() else None


def recover() -> Project:
    """Load the autosave (then :func:`discard` it once the user has it open)."""
    return load_project(autosave_path())


def discard() -> None:
    """Delete the autosave and its take audio."""
    path = autosave_path()
    path.unlink(missing_ok=True)
    shutil.rmtree(takes_dir(path), ignore_errors=True)
