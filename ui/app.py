"""Start Foley Studio: the application, the dark theme, the error hooks, the main window."""
from __future__ import annotations

import argparse
import sys
import threading
from typing import Optional

from foley_studio.errors import FoleyStudioError


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    """Command-line options: an optional video or project to open."""
    parser = argparse.ArgumentParser(prog="foley-studio-app", description="Foley Studio desktop app")
    parser.add_argument("path", nargs="?", help="a video or a .foley.json project to open")
    parser.add_argument("--smoke", action="store_true",
                        help="start (without offering crash recovery), open PATH if given, print "
                             "'Foley Studio ready' and quit; errors go to stderr and exit 1")
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    """Run the app until its window closes; return the exit status.

    A failure before the window can show it is one line on stderr (exit 1) that names the log
    file holding its traceback.
    """
    args = parse_args(argv)
    try:
        return _run(args)
    except Exception as exc:  # noqa: BLE001 - one line for the user, the traceback to a log
        from foley_studio.crashlog import write_traceback

        try:
            where = f" The details are in {write_traceback(exc, context='Starting the app')}."
        except (OSError, FoleyStudioError) as err:
            where = f" (No log could be written: {err}.)"
        print(f"Foley Studio could not start: {type(exc).__name__}: {exc}.{where}", file=sys.stderr)
    return 1


def _run(args: argparse.Namespace) -> int:
    from PyQt6.QtWidgets import QApplication

    from ui.model.settings import AppSettings, load_settings
    from ui.qt import theme
    from ui.qt.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Foley Studio")
    theme.apply(app)
    settings_error: Optional[FoleyStudioError] = None
    try:
        settings = load_settings()
    except FoleyStudioError as exc:  # the app still starts; the user is told below
        settings, settings_error = AppSettings(), exc
    window = MainWindow(settings)
    if args.smoke:
        _close_when_settled(window, expect_video=bool(args.path))
    sys.excepthook = window.errors.excepthook
    threading.excepthook = window.errors.thread_hook(window.main_thread.call)
    window.restore_geometry()
    window.show()
    if settings_error is not None:
        window.errors.show("Preferences", f"{settings_error} Foley Studio started with the default "
                                          "preferences; saving them replaces the damaged file.")
    window.document.offer_recoveries = not args.smoke
    open_at_start(window, args.path)
    print("Foley Studio ready", flush=True)
    status = app.exec()
    return 1 if args.smoke and window.errors.shown else status


def open_at_start(window, path: Optional[str]) -> None:
    """Offer what crashed runs left, then open ``path``.

    The autosave of ``path`` itself is offered when ``path`` opens, so accepting it loads the
    recovered edits rather than the saved file; recovering another project first means opening
    ``path`` asks whether to save it (nothing the user did not choose is dropped).
    """
    window.guarded(window.offer_recovery, path)
    if path:
        window.guarded(window.open_path, path)


def _close_when_settled(window, *, expect_video: bool) -> None:
    """Smoke mode: errors go to stderr, and the window closes once the video is on screen."""
    from PyQt6.QtCore import QTimer

    window.errors.present = lambda title, text, detail="": print(f"{title}: {text}\n{detail}",
                                                                 file=sys.stderr)
    timer = QTimer(window)
    timer.setInterval(50)
    timer.timeout.connect(lambda: window.close() if window.errors.shown or not expect_video
                          or window.overview is not None else None)
    timer.start()


if __name__ == "__main__":
    sys.exit(main())
