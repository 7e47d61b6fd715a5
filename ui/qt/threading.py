"""Hop callables from worker threads onto the GUI thread through a queued signal."""
from __future__ import annotations

from typing import Any, Callable

from PyQt6.QtCore import QObject, Qt, pyqtSignal


class MainThread(QObject):
    """``call(fn, *args)`` from any thread runs ``fn(*args)`` later on this object's thread."""

    _called = pyqtSignal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.closed = False  # set when the window shuts down: late results are dropped
        self._called.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Queue ``fn(*args)`` for the GUI thread."""
        self._called.emit(lambda: fn(*args))

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., None]:
        """A callable that, called from any thread, runs ``fn`` on the GUI thread."""
        return lambda *args: self.call(fn, *args)

    def _run(self, thunk: Callable[[], Any]) -> None:
        if not self.closed:
            thunk()
