"""Every error ends in one dialog, never in a crash, and never shows a traceback.

:class:`ErrorReporter` turns exceptions into a message the user can act on: a
:class:`~foley_studio.errors.FoleyStudioError` shows its own message; anything else shows one
readable line and the path of the log file that holds the full traceback
(:mod:`foley_studio.crashlog`). One failure shows one dialog: the same exception reported
twice is shown once, and errors that arrive while a dialog is open wait for it to close, a
repeat of the message already open or waiting being counted, not shown again. All dialogs go
through :meth:`present`, so tests replace that one method and the event loop is never blocked.
"""
from __future__ import annotations

import functools
import sys
import threading
from types import TracebackType
from typing import Any, Callable, Optional

from PyQt6.QtWidgets import QMessageBox, QWidget

from foley_studio.crashlog import write_traceback
from foley_studio.errors import FoleyStudioError

MAX_REMEMBERED = 32  # exceptions already reported, so that a second report of one is dropped


class ErrorReporter:
    """Shows errors as dialogs over ``parent`` and keeps a list of what was shown."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        self.parent = parent
        self.shown: list[tuple[str, str]] = []
        self.logged: list[str] = []  # log files written, newest last
        self.held_back = 0  # repeats of a message already open or waiting
        self._reported: list[BaseException] = []
        self._waiting: list[tuple[str, str, str, str]] = []  # (title, text, detail, what failed)
        self._open = False

    def report(self, exc: BaseException, title: str = "Foley Studio") -> None:
        """Show ``exc`` once; an unexpected exception's traceback goes to a log file."""
        if any(seen is exc for seen in self._reported):
            return
        self._reported = [*self._reported[-MAX_REMEMBERED + 1:], exc]
        if isinstance(exc, FoleyStudioError):
            self.show(title, str(exc))
            return
        line = f"{type(exc).__name__}: {exc}"
        where = self.log(exc, title)
        self.show(f"{title}: unexpected error", f"{line}\n\nFoley Studio keeps running. {where}",
                  same_as=f"{title}: {line}")

    def log(self, exc: BaseException, context: str) -> str:
        """Write ``exc``'s traceback to a log file; return a sentence that names the file."""
        try:
            path = write_traceback(exc, context=context)
        except (OSError, FoleyStudioError) as err:
            return f"The details could not be written to a log file ({err})."
        self.logged.append(str(path))
        return f"The details are in {path}; please include that file when you report this."

    def show(self, title: str, text: str, detail: str = "", same_as: str = "") -> None:
        """Record and present one message, after any dialog already open.

        ``same_as`` names the failure (default: title and text); a message whose failure is
        already open or waiting is counted in :attr:`held_back` instead of shown again.
        """
        key = same_as or f"{title}: {text}"
        if any(waiting[3] == key for waiting in self._waiting):
            self.held_back += 1
            return
        self._waiting.append((title, text, detail, key))
        if self._open:
            return
        self._open = True
        try:
            while self._waiting:
                title, text, detail, _ = self._waiting[0]
                self.shown.append((title, text))
                self.present(title, text, detail)
                self._waiting.pop(0)
        finally:
            self._open, self._waiting = False, []

    def present(self, title: str, text: str, detail: str = "") -> None:
        """Open the modal dialog (tests replace this method)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self.parent)
        if detail:
            box.setDetailedText(detail)
        box.exec()

    def excepthook(self, kind: type[BaseException], exc: BaseException,
                   tb: Optional[TracebackType]) -> None:
        """A ``sys.excepthook`` that shows the error instead of ending the app."""
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        exc.__traceback__ = tb
        self.report(exc)

    def thread_hook(self, call_on_gui: Callable[..., None]) -> Callable[[threading.ExceptHookArgs], None]:
        """A ``threading.excepthook`` that hands the error to the GUI thread, to log and show."""
        def hook(args: threading.ExceptHookArgs) -> None:
            if args.exc_value is None or issubclass(args.exc_type, SystemExit):
                return
            args.exc_value.__traceback__ = args.exc_traceback
            name = args.thread.name if args.thread is not None else "a worker"
            call_on_gui(self.report, args.exc_value, f"Background task ({name})")
        return hook


def guarded_slot(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a method of an object with a window ``w`` so that whatever it raises becomes an error
    dialog (``w.guarded``) instead of escaping into Qt."""
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> Any:
        return self.w.guarded(method, self, *args)
    return wrapper
