"""Crash reports: the full traceback of an unexpected error, kept in a log file (no torch, no Qt).

The command line and the app show a user one readable line (or one dialog) that gives the
report's path; the report holds what a developer needs. Reports live in
``<FOLEY_STUDIO_CACHE_DIR or ~/.cache/foley_studio>/logs/``, or in the system's temporary
folder when that cannot be written.
"""
from __future__ import annotations

import os
import platform
import sys
import tempfile
import traceback
from datetime import datetime, timezone
from pathlib import Path

from foley_studio.atomic import write_text_atomic
from foley_studio.errors import FoleyStudioError
from foley_studio.version import __version__


def log_dir() -> Path:
    """The folder crash reports are written to."""
    env = os.environ.get("FOLEY_STUDIO_CACHE_DIR")
    root = Path(env) if env else Path.home() / ".cache" / "foley_studio"
    return root / "logs"


def write_traceback(exc: BaseException, *, context: str) -> Path:
    """Write ``exc``'s traceback, with ``context`` (what was being done), to a new log file.

    Returns the file's path. Raises :class:`OSError` or a :class:`FoleyStudioError` only when
    neither the log folder nor the temporary folder can be written.
    """
    now = datetime.now(timezone.utc)
    name = f"crash-{now:%Y%m%d-%H%M%S-%f}-{os.getpid()}.log"
    text = _report(exc, context, now)
    try:
        return _write(log_dir() / name, text)
    except (OSError, FoleyStudioError):  # full, read-only, or a file where the folder goes
        return _write(Path(tempfile.gettempdir()) / "foley_studio" / "logs" / name, text)


def _write(path: Path, text: str) -> Path:
    write_text_atomic(path, text)
    return path


def _report(exc: BaseException, context: str, now: datetime) -> str:
    lines = [f"Foley Studio {__version__} crash report, {now.isoformat()}",
             f"context: {context}",
             f"python: {sys.version.split()[0]} on {platform.platform()}", ""]
    lines += traceback.format_exception(exc)
    return "\n".join(line.rstrip("\n") for line in lines) + "\n"
