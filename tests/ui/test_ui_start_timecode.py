"""A video that starts at 01:00:00;00: the window labels time from it, the user can change it
(Project Start Timecode…, undoable), and an exported take is stamped after it."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from foley_studio.media import read_bwf
from foley_studio.requests import Take
from helpers_app import Scripted, new_window
from ui.model.project import TakeItem

NTSC = 30000 / 1001
pytestmark = [pytest.mark.qt,
              pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")]


@pytest.fixture(scope="module")
def df_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s of 29.97 picture whose timecode track starts at 01:00:00;00 (drop-frame)."""
    path = tmp_path_factory.mktemp("tc") / "df.mov"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=64x48:rate=30000/1001", "-f", "lavfi", "-i",
                    "sine=sample_rate=48000", "-t", "2", "-timecode", "01:00:00;00", "-c:v",
                    "mpeg4", "-c:a", "pcm_s16le", str(path)], check=True)
    return path


def test_the_window_counts_from_the_videos_timecode(qtbot, df_video: Path, tmp_path: Path) -> None:
    w = new_window(qtbot, Scripted(path=str(tmp_path / "take.wav")))
    w.open_video(str(df_video))
    qtbot.waitUntil(lambda: w.project.video is not None and w.timeline.duration > 0, timeout=20000)
    assert w.project.video.start_timecode == "01:00:00;00"
    assert w.preview.timecode.text() == "01:00:00;00"
    w.seek(1.0)  # frame 29 (1 s at 29.97 fps is 29.97 frames)
    assert w.preview.timecode.text() == "01:00:00;29"
    qtbot.keyClick(w.timeline.canvas, Qt.Key.Key_I)
    assert "01:00:00;29" in w.selection_label.text()

    w.dialogs.text = lambda caption, label, value: "00:59:59;00" if value == "01:00:00;00" else None
    w.flows.start_timecode()
    assert w.project.video.start_timecode == "00:59:59;00"
    assert w.preview.timecode.text() == "00:59:59;29" and "00:59:59;29" in w.selection_label.text()
    w.history.undo()
    assert w.project.video.start_timecode == "01:00:00;00" and w.preview.timecode.text() == "01:00:00;29"
    field = w.preview.timecode  # typed timecode counts from the start timecode too
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    field.selectAll()
    qtbot.keyClicks(field, "01:00:01;10")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert w.playhead == pytest.approx(40 / NTSC) and field.text() == "01:00:01;10", field.message.text()
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    field.selectAll()
    qtbot.keyClicks(field, "00:59:59;29")  # before the first frame: refused, playhead stays
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert w.playhead == pytest.approx(40 / NTSC) and "first frame" in field.message.text()
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    w.seek(1.0)

    w.flows.start_timecode("01:00:00:00;")  # not a timecode: shown, nothing changes
    assert "not a start timecode" in w.errors.shown[-1][1]
    assert w.project.video.start_timecode == "01:00:00;00"

    rate = 16000
    audio = (0.2 * np.sin(np.arange(rate) * 2 * np.pi * 440 / rate)).astype(np.float32)
    item = TakeItem(Take(audio, rate, "echoes", 1, 1.0123, name="door"), (1.0, 2.0))
    w.project.insert_takes(0, [item])
    path = w.flows.export_take(item.id, True)
    bext = read_bwf(path)["bext"]
    # 1.0123 s snaps to frame 30; the picture starts 107892 frames after midnight
    assert bext["time_reference"] == round((107892 + 30) / NTSC * 48000)
    w.shutdown()


def test_the_start_timecode_is_typed_in_the_project_menu(qtbot, df_video: Path) -> None:
    """The real prompt, typed into with keys: a bad entry is refused, a good one relabels."""
    from PyQt6.QtCore import QTimer
    from PyQt6.QtTest import QTest
    from PyQt6.QtWidgets import QApplication, QInputDialog, QLineEdit

    from ui.qt.dialogs import Dialogs

    w = new_window(qtbot, Scripted())
    w.dialogs.text = Dialogs(w).text  # the real modal prompt
    w.open_video(str(df_video))
    qtbot.waitUntil(lambda: w.project.video is not None and w.timeline.duration > 0, timeout=20000)
    action = next(a for a in w.menuBar().actions()[0].menu().actions()
                  if a.text() == "Project Start Timecode…")

    def answer(text: str) -> None:
        def type_it() -> None:
            box = QApplication.activeModalWidget()
            assert isinstance(box, QInputDialog) and box.textValue() == w.project.video.start_timecode
            field = box.findChild(QLineEdit)
            field.selectAll()
            QTest.keyClicks(field, text)
            QTest.keyClick(field, Qt.Key.Key_Return)
        QTimer.singleShot(50, type_it)
        action.trigger()

    answer("00:01:00;00")  # minute 1 has no frame ;00 in drop-frame
    assert "does not exist in drop-frame" in w.errors.shown[-1][1]
    assert w.project.video.start_timecode == "01:00:00;00"
    answer("10:00:00;00")
    assert w.project.video.start_timecode == "10:00:00;00" and w.preview.timecode.text() == "10:00:00;00"
    w.shutdown()
