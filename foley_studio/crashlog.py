"""Unexpected errors go to a log file, never to the user's screen as a traceback.

:func:`write_traceback` writes one file per failure under ``<cache folder>/logs/`` (the cache
folder is ``$FOLEY_STUDIO_CACHE_DIR``, default ``~/.cache/foley_studio``) and returns its path,
so the one readable line the user sees can say where the details are. Torch-free and Qt-free.
"""
from __future__ import annotations

import datetime
import os
import traceback
from pathlib import Path

from foley_studio.atomic import write_text_atomic
from foley_studio.registry import cache_dir


def log_dir() -> Path:
    """The folder that holds the tracebacks of unexpected errors."""
    return cache_dir() / "logs"


def write_traceback(exc: BaseException, *, context: str) -> Path:
    """Write ``exc``'s full traceback, headed by ``context``, to a new log file; return its path."""
    now = datetime.datetime.now()
    path = log_dir() / f"foley-studio-{now:%Y%m%d-%H%M%S-%f}-{os.getpid()}.log"
    body = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    write_text_atomic(path, f"{context}\n{now.isoformat(timespec='seconds')}\n\n{body}")
    return path
