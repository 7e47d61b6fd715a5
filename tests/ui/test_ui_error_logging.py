"""No traceback reaches a user: an unexpected error shows one readable line and the path of a log
file holding the traceback, one failure shows one dialog, and the app keeps running."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers_app import Scripted

from foley_studio.errors import ConfigError
from ui.model.settings import AppSettings
from ui.qt.errors import ErrorReporter
from ui.qt.main_window import MainWindow
from ui.services.catalog import GeneratorCatalog

pytestmark = pytest.mark.qt


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001 - a real traceback for the test
        return caught


def _log_named_in(text: str) -> Path:
    """The one log file a message names; it exists, in a folder called logs."""
    (name,) = re.findall(r"(\S+\.log)\b", text)
    path = Path(name)
    assert path.is_file() and path.parent.name == "logs", name
    return path


def _silent() -> tuple[ErrorReporter, list[tuple[str, str, str]]]:
    errors, opened = ErrorReporter(), []
    errors.present = lambda title, text, detail="": opened.append((title, text, detail))
    return errors, opened


def test_an_unexpected_error_shows_one_line_and_the_log_that_holds_its_traceback() -> None:
    errors, opened = _silent()
    errors.report(_raised(KeyError("take-1")), "Accept")
    ((title, text, detail),) = opened
    assert title == "Accept: unexpected error" and text.startswith("KeyError: 'take-1'")
    assert "Traceback" not in text and detail == ""
    assert [str(_log_named_in(text))] == errors.logged
    written = _log_named_in(text).read_text()
    assert "context: Accept" in written and "Traceback" in written and "_raised" in written


def test_one_failure_shows_one_dialog() -> None:
    errors, opened = _silent()
    exc = _raised(RuntimeError("decoder gone"))
    errors.report(exc)
    errors.report(exc, "again")  # the same failure, reached by a second path
    errors.report(ConfigError("A later, different problem."))
    assert [t for _, t, _ in opened][1:] == ["A later, different problem."] and len(opened) == 2


def test_a_failure_repeating_while_its_dialog_is_open_shows_once_and_others_wait() -> None:
    errors, opened = _silent()
    burst = [_raised(OSError("the video file is unreadable")) for _ in range(3)]
    other = ConfigError("The lane is empty; accept a take first.")

    def present(title: str, text: str, detail: str = "") -> None:  # events keep coming meanwhile
        opened.append((title, text, detail))
        if len(opened) == 1:
            for exc in [*burst[1:], other, ConfigError(str(other))]:
                errors.report(exc, "Preview")
    errors.present = present
    errors.report(burst[0], "Preview")
    assert [text.splitlines()[0] for _, text, _ in opened] == [
        "OSError: the video file is unreadable", str(other)]
    assert errors.held_back == 3 and len(errors.logged) == 3  # every traceback is kept


def test_a_job_whose_failure_handler_fails_shows_one_dialog(qtbot, null_audio) -> None:
    w = MainWindow(AppSettings(), catalog=GeneratorCatalog())
    qtbot.addWidget(w)
    w.dialogs, opened = Scripted(), []
    w.errors.present = lambda title, text, detail="": opened.append(text)

    def work(progress, cancel):
        raise RuntimeError("model file vanished")

    def broken_handler(exc: BaseException) -> None:
        raise AttributeError("panel has no status")
    w.submit("Generate", work, lambda result: None, broken_handler)
    qtbot.waitUntil(lambda: not w.jobs.busy and bool(opened), timeout=10000)
    qtbot.wait(100)
    assert len(opened) == 1 and opened[0].startswith("RuntimeError: model file vanished")
    assert len(w.errors.logged) == 2 and "panel has no status" in Path(w.errors.logged[0]).read_text()
    w.shutdown()


def test_a_worker_threads_exception_becomes_a_dialog_on_the_gui_thread(qtbot, null_audio) -> None:
    w = MainWindow(AppSettings(), catalog=GeneratorCatalog())
    qtbot.addWidget(w)
    seen = []
    w.errors.present = lambda title, text, detail="": seen.append((threading.current_thread(), text))
    hook = w.errors.thread_hook(w.main_thread.call)
    old, threading.excepthook = threading.excepthook, hook
    try:
        thread = threading.Thread(target=lambda: 1 / 0, name="decoder")
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    finally:
        threading.excepthook = old
    ((where, text),) = seen
    assert where is threading.main_thread() and text.startswith("ZeroDivisionError")
    assert w.errors.shown[0][0] == "Background task (decoder): unexpected error"
    w.shutdown()


DRIVER = """
import sys
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])

def broken_slot():
    raise RuntimeError("a slot failed")

QTimer.singleShot(0, broken_slot)
from ui.app import main
sys.exit(main(["--smoke"]))
"""


def test_the_running_app_shows_a_slots_exception_without_a_traceback(tmp_path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FOLEY_STUDIO_CONFIG": str(tmp_path / "c"),
           "FOLEY_STUDIO_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(root)}
    result = subprocess.run([sys.executable, "-c", DRIVER], env=env, capture_output=True,
                            text=True, timeout=120)
    assert "Traceback" not in result.stderr + result.stdout
    assert "RuntimeError: a slot failed" in result.stderr and "Foley Studio ready" in result.stdout
    assert "broken_slot" in _log_named_in(result.stderr).read_text()
    assert result.returncode == 1  # smoke runs exit 1 when an error was shown


def test_a_failure_before_the_window_shows_is_one_line_and_a_log(qtbot, monkeypatch, capsys) -> None:
    import ui.qt.main_window
    from ui.app import main

    def broken(*args, **kwargs):
        raise RuntimeError("no screen for the window")
    monkeypatch.setattr(ui.qt.main_window, "MainWindow", broken)
    assert main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Foley Studio could not start: RuntimeError: no screen for the window.")
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert "no screen for the window" in _log_named_in(err).read_text()
