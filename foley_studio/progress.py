"""Progress callbacks and cooperative cancellation for every long-running step.

A progress callback is ``fn(done, total)``; a :class:`CancelToken` is checked once per step
with :meth:`CancelToken.raise_if_set`. :func:`wrap_progress` maps a sub-step onto a slice of
an outer progress bar, so multi-stage work (encode, sample, decode) reports one bar.
"""
from __future__ import annotations

import threading
from typing import Callable, Optional

from foley_studio.errors import Cancelled

ProgressFn = Callable[[int, int], None]


class CancelToken:
    """A thread-safe flag a GUI sets and a worker polls."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` has been called."""
        return self._event.is_set()

    def raise_if_set(self) -> None:
        """Raise :class:`Cancelled` if the job was cancelled."""
        if self._event.is_set():
            raise Cancelled("The job was cancelled.")


def check_cancel(cancel: Optional[CancelToken]) -> None:
    """Raise :class:`Cancelled` when ``cancel`` is set; accept ``None``."""
    if cancel is not None:
        cancel.raise_if_set()


def report(progress: Optional[ProgressFn], done: int, total: int) -> None:
    """Call ``progress(done, total)`` when a callback was given."""
    if progress is not None:
        progress(done, total)


def wrap_progress(progress: Optional[ProgressFn], start: float, end: float,
                  scale: int = 1000) -> Optional[ProgressFn]:
    """Map a sub-step's ``(done, total)`` onto ``[start, end]`` of an outer bar of ``scale`` units."""
    if progress is None:
        return None

    def inner(done: int, total: int) -> None:
        frac = done / total if total else 1.0
        progress(int(round(scale * (start + (end - start) * frac))), scale)

    return inner
