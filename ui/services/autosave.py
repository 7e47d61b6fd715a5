"""Autosave and crash recovery, per running app and per project.

Each running app owns one slot, a folder ``<config>/autosave/<id>/`` holding ``lock.json`` (the
owner's pid and host), the autosaved project with its take audio, and ``meta.json`` (the
project's own path and when it was autosaved). The slot always holds the project the app has
open; switching projects (after the user chose Save or Don't Save) empties it, and a clean exit
deletes it.

A slot whose owner is gone is a crash's recovery. The owner is gone when the lock names this
host and its pid no longer runs, or when that pid now belongs to another process: the owner
keeps an OS lock on ``lock.json`` for its whole life (POSIX), which the OS drops when it dies.
A slot locked by a live app, or by an app on another host, is never offered, written or
deleted by anyone else.
"""
from __future__ import annotations

import contextlib
import datetime
import json
import os
import shutil
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Optional

from foley_studio.atomic import write_text_atomic
from foley_studio.errors import DiskFullError
from ui.model.project import Project
from ui.model.project_file import load_project, save_project, takes_dir
from ui.model.settings import config_dir

try:  # POSIX: an advisory lock the OS releases when the process ends, however it ends
    import fcntl
except ImportError:  # pragma: no cover - Windows: the pid alone tells
    fcntl = None

AUTOSAVE_NAME = "autosave.foley.json"
LOCK_NAME = "lock.json"
META_NAME = "meta.json"


def autosave_root() -> Path:
    """The folder that holds every app's autosave slot."""
    return config_dir() / "autosave"


@dataclass(frozen=True)
class Recovery:
    """The autosave of an app that ended without closing: which project, and when."""

    folder: Path
    project_path: Optional[Path]
    saved_at: datetime.datetime

    @property
    def name(self) -> str:
        """The project's file name, or "an untitled project"."""
        return self.project_path.name if self.project_path else "an untitled project"

    def describe(self) -> str:
        """One line for the recovery prompt: the project and the autosave's time."""
        return f"{self.name}, autosaved {self.saved_at:%Y-%m-%d at %H:%M:%S}"

    def is_for(self, path: str | Path) -> bool:
        """Whether this is the autosave of the project file at ``path``."""
        return self.project_path is not None and _same_file(self.project_path, Path(path))

    def load(self) -> Project:
        """The autosaved project (the recovery stays on disk until :meth:`discard`)."""
        return load_project(self.folder / AUTOSAVE_NAME)

    def discard(self) -> None:
        """Delete this recovery for good."""
        shutil.rmtree(self.folder, ignore_errors=True)


class AutosaveSlot:
    """This app's autosave folder, made and locked at the first write, kept until :meth:`close`.

    Nothing touches the disk before that write, so an app whose config folder cannot be
    written still starts (the failing autosave is reported like any other error).
    """

    def __init__(self, root: Optional[Path] = None) -> None:
        self.folder = (root or autosave_root()) / uuid.uuid4().hex[:12]
        self._lock: Optional[IO[bytes]] = None

    def _claim(self) -> None:
        """Make the folder and take its lock (the lock exists before any autosave does)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = self.folder / LOCK_NAME
        write_text_atomic(lock, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                            "started": _now().isoformat(timespec="seconds")}))
        self._lock = open(lock, "rb")  # noqa: SIM115 - held for the app's life
        if fcntl is not None:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    @property
    def file(self) -> Path:
        """The autosaved project file."""
        return self.folder / AUTOSAVE_NAME

    def write(self, project: Project, project_path: Optional[Path]) -> Path:
        """Autosave ``project`` (whose own file is ``project_path``), the project before the note."""
        try:
            if self._lock is None:
                self._claim()
            save_project(project, self.file)
        except OSError as exc:
            raise DiskFullError(f"Could not autosave into {self.folder} ({exc.strerror or exc}); "
                                "make that folder writable or set FOLEY_STUDIO_CONFIG to one that "
                                "is. Your project is still open; save it to keep the edits.") from exc
        meta = {"project": None if project_path is None else str(Path(project_path).resolve()),
                "saved_at": _now().isoformat(timespec="seconds")}
        write_text_atomic(self.folder / META_NAME, json.dumps(meta))
        return self.file

    def adopt(self, recovery: Recovery, project: Project) -> None:
        """Hold a recovered project here, then delete the crash's copy (never the other order)."""
        self.write(project, recovery.project_path)
        recovery.discard()

    def clear(self) -> None:
        """Forget the autosave (the user saved, or chose not to keep the edits); keep the lock."""
        (self.folder / META_NAME).unlink(missing_ok=True)
        self.file.unlink(missing_ok=True)
        shutil.rmtree(takes_dir(self.file), ignore_errors=True)

    def close(self) -> None:
        """A clean exit: delete the whole slot and release the lock."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        shutil.rmtree(self.folder, ignore_errors=True)


def pending_recoveries(root: Optional[Path] = None) -> list[Recovery]:
    """Autosaves left by apps that ended without closing, newest first."""
    root = root or autosave_root()
    _adopt_legacy(root)
    if not root.is_dir():
        return []
    found = [_recovery(folder) for folder in root.iterdir()
             if (folder / AUTOSAVE_NAME).is_file() and not _owner_alive(folder)]
    return sorted(found, key=lambda r: r.saved_at, reverse=True)


def _recovery(folder: Path) -> Recovery:
    """Read a slot's note; without one (a crash mid-write, an older app) the file's time tells."""
    try:
        meta = json.loads((folder / META_NAME).read_text())
        project = Path(meta["project"]) if meta.get("project") else None
        return Recovery(folder, project, datetime.datetime.fromisoformat(meta["saved_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        mtime = (folder / AUTOSAVE_NAME).stat().st_mtime
        return Recovery(folder, None, datetime.datetime.fromtimestamp(mtime))


def _owner_alive(folder: Path) -> bool:
    try:
        owner = json.loads((folder / LOCK_NAME).read_text())
        pid, host = int(owner["pid"]), str(owner["host"])
    except (OSError, ValueError, KeyError, TypeError):
        return False  # no readable lock: nobody holds this slot
    if host != socket.gethostname():
        return True  # another machine's app: that machine offers it
    return _pid_running(pid) and _lock_held(folder / LOCK_NAME)


def _pid_running(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - signal 0 would end the process on Windows
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # query-limited access
        if handle:
            ctypes.windll.kernel32.CloseHandle(handle)
        return bool(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # running, as another user
    return True


def _lock_held(lock: Path) -> bool:
    """Whether some process holds the slot's OS lock (a reused pid does not)."""
    if fcntl is None:  # pragma: no cover - Windows
        return True
    try:
        with open(lock, "rb") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def _adopt_legacy(root: Path) -> None:
    """Move the single shared autosave of older versions into a slot of its own."""
    old = root / AUTOSAVE_NAME
    if not old.is_file():
        return
    folder = root / f"legacy-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    with contextlib.suppress(FileNotFoundError):  # another app starting now may move it first
        if takes_dir(old).is_dir():
            os.replace(takes_dir(old), takes_dir(folder / AUTOSAVE_NAME))
        os.replace(old, folder / AUTOSAVE_NAME)


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _now() -> datetime.datetime:
    return datetime.datetime.now().replace(microsecond=0)
