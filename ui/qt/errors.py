"""Every error ends in a dialog, never in a crash.

:class:`ErrorReporter` turns exceptions into a message the user can act on: a
:class:`~foley_studio.errors.FoleyStudioError` shows its own message; anything else shows the
type, the message and the traceback under "Details". All dialogs go through :meth:`present`, so
tests replace that one method and the event loop is never blocked by a modal box.
"""
from __future__ import annotations

import functools
import sys
import traceback
from types import TracebackType
from typing import Any, Callable, Optional

from PyQt6.QtWidgets import QMessageBox, QWidget

from foley_studio.errors import FoleyStudioError


class ErrorReporter:
    """Shows errors as dialogs over ``parent`` and keeps a list of what was shown."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        self.parent = parent
        self.shown: list[tuple[str, str]] = []

    def report(self, exc: BaseException, title: str = "Foley Studio") -> None:
        """Show ``exc``; unexpected exceptions carry their traceback as details."""
        if isinstance(exc, FoleyStudioError):
            self.show(title, str(exc))
            return
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.show(f"{title}: unexpected error",
                  f"{type(exc).__name__}: {exc}\n\nFoley Studio keeps running; please report this "
                  "with the details below.", detail)

    def show(self, title: str, text: str, detail: str = "") -> None:
        """Record and present one message."""
        self.shown.append((title, text))
        self.present(title, text, detail)

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
        traceback.print_exception(kind, exc, tb)
        self.report(exc)


def guarded_slot(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a method of an object with a window ``w`` so that whatever it raises becomes an error
    dialog (``w.guarded``) instead of escaping into Qt."""
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> Any:
        return self.w.guarded(method, self, *args)
    return wrapper
