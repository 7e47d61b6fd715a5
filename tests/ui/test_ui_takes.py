"""Takes and storyboards in the real window: the seed moves on with each Generate, the takes list
grows with its panel, a take drags out of the list as a WAV in the project's media folder, and
storyboards survive save and reopen and export as a labelled sheet at least 1920 px wide."""
from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtGui import QDrag, QImage
from PyQt6.QtWidgets import QMenu

from foley_studio.requests import Take
from ui.model.project import Project, TakeItem
from ui.model.project_file import load_project, save_project, to_dict
from ui.model.selection import Selection
from ui.model.storyboard import Storyboard
from ui.qt.qt_storyboard_panel import LABEL_H, SHEET_WIDTH

from helpers_app import click_and_finish

pytestmark = pytest.mark.qt
LEFT = Qt.MouseButton.LeftButton


def generate(qtbot, w, mode: str, generator: str, takes: int) -> None:
    w.generate_panel.set_mode(mode)
    w.generate_panel.set_generator(generator)
    w.generate_panel.takes.setValue(takes)
    click_and_finish(qtbot, w, w.generate_panel.button)
    assert w.errors.shown == []


def seeds(w) -> list[int]:
    return sorted(item.take.seed for item in w.project.takes)


def test_the_seed_moves_on_with_each_generate_and_a_typed_seed_is_used_once(qtbot, studio) -> None:
    w = studio
    w.project.set_selection(Selection(1.0, 2.0))
    generate(qtbot, w, "foley", "im2wav-tiny", takes=2)
    assert seeds(w) == [0, 1] and w.generate_panel.seed.value() == 2
    generate(qtbot, w, "foley", "im2wav-tiny", takes=2)
    assert seeds(w) == [0, 1, 2, 3] and w.generate_panel.seed.value() == 4

    box = w.generate_panel.seed
    qtbot.mouseClick(box, LEFT)
    box.selectAll()
    qtbot.keyClicks(box, "100")
    qtbot.keyClick(box, Qt.Key.Key_Tab)
    assert box.value() == 100
    generate(qtbot, w, "foley", "im2wav-tiny", takes=1)
    assert seeds(w) == [0, 1, 2, 3, 100] and box.value() == 101
    rows = [w.takes_panel.list.item(i).text() for i in range(w.takes_panel.list.count())]
    assert any("seed 100" in row for row in rows) and any("seed 3" in row for row in rows)


def add_takes(w, count: int) -> list[TakeItem]:
    rate = 16000
    items = [TakeItem(Take((0.1 * np.sin(np.arange(rate) / (5.0 + k))).astype(np.float32), rate,
                           "echoes", k, 1.0, name=f"door {k}"), (1.0, 2.0)) for k in range(count)]
    w.project.insert_takes(0, items)
    return items


def test_the_takes_list_grows_with_the_window(qtbot, studio) -> None:
    w = studio
    add_takes(w, 8)
    lst = w.takes_panel.list
    row = lst.visualItemRect(lst.item(1)).height()
    assert row > 0 and lst.viewport().height() >= 3 * row
    w.resize(1400, 900)
    qtbot.waitUntil(lambda: w.height() == 900)
    small = lst.viewport().height()
    w.resize(1400, 1300)
    qtbot.waitUntil(lambda: w.height() == 1300)
    assert lst.viewport().height() >= small + 200  # the list, not the Generate form, takes the room


def drag_out(qtbot, w, monkeypatch, take_id: str) -> list:
    """Press on the take's row and move past the drag distance; returns the drags started."""
    drags = []

    def record(drag, *args):
        drags.append(drag.mimeData())
        return Qt.DropAction.CopyAction

    monkeypatch.setattr(QDrag, "exec", record)
    lst = w.takes_panel.list
    w.takes_panel.select(take_id)
    row = lst.visualItemRect(lst.currentItem()).center()
    qtbot.mousePress(lst.viewport(), LEFT, pos=row)
    for step in range(1, 6):
        qtbot.mouseMove(lst.viewport(), row + QPoint(12 * step, 4 * step))
    qtbot.mouseRelease(lst.viewport(), LEFT, pos=row + QPoint(60, 20))
    return drags


def test_a_take_drags_out_of_the_list_as_a_wav_in_the_media_folder(qtbot, studio, monkeypatch,
                                                                  tmp_path) -> None:
    w = studio
    first, second = add_takes(w, 2)
    assert drag_out(qtbot, w, monkeypatch, first.id) == []  # unsaved: no media folder yet
    assert "Save the project first" in w.errors.shown[-1][1]

    w.save(tmp_path / "scene.foley.json")
    (mime,) = drag_out(qtbot, w, monkeypatch, second.id)
    (url,) = mime.urls()
    path = url.toLocalFile()
    assert url.isLocalFile() and path.startswith(str(tmp_path / "scene Media"))
    assert path.endswith(".wav") and second.id in path
    info = sf.info(path)
    assert info.samplerate == w.settings.delivery_rate and info.duration == pytest.approx(1.0, abs=0.01)
    (again,) = drag_out(qtbot, w, monkeypatch, first.id)
    assert again.urls()[0].toLocalFile() != path  # each take its own file


def board(region=(1.0, 3.0)) -> Storyboard:
    rng = np.random.default_rng(4)
    frames = rng.integers(0, 255, (2, 4, 48, 64, 3), dtype=np.uint8)  # (takes, windows, H, W, 3)
    return Storyboard(frames, region, 0.5)


def test_storyboards_survive_save_and_reopen_and_undo(qtbot, studio, tmp_path) -> None:
    w = studio
    w.project.set_selection(Selection(0.0, 2.0))
    generate(qtbot, w, "storyboard", "echoes-tiny", takes=2)
    (drawn,) = w.project.storyboards
    assert w.storyboard_panel.storyboard is drawn and w.storyboard_panel.export.isEnabled()
    assert drawn.seed == 0 and w.generate_panel.seed.value() == 2  # the next board draws anew
    path = w.save(tmp_path / "boards.foley.json")
    assert w.new_project()
    assert w.project.storyboards == [] and not w.storyboard_panel.export.isEnabled()
    assert w.open_project(path)
    (back,) = w.project.storyboards
    assert (back.id, back.region, back.window, back.seed) == (drawn.id, drawn.region, drawn.window, 0)
    assert np.array_equal(back.frames, drawn.frames)
    assert w.storyboard_panel.storyboard is back
    qtbot.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # not undoable: just opened
    assert w.project.storyboards == [back]
    w.project.set_selection(Selection(1.0, 3.0))
    generate(qtbot, w, "storyboard", "echoes-tiny", takes=1)
    assert len(w.project.storyboards) == 2 and w.project.storyboards[-1].seed == 2
    qtbot.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert w.project.storyboards == [back] and w.storyboard_panel.storyboard is back


def test_a_project_file_without_storyboards_still_opens(tmp_path) -> None:
    path = save_project(Project(), tmp_path / "old.foley.json")
    data = to_dict(Project(), path)
    del data["storyboards"]
    path.write_text(json.dumps(data))
    assert load_project(path).storyboards == []
    project = Project()
    project.add_storyboard(board())
    save_project(project, path)
    assert json.loads(path.read_text())["storyboards"][0]["region"] == [1.0, 3.0]


def test_export_storyboard_from_the_file_menu_is_wide_and_labelled(qtbot, studio, tmp_path) -> None:
    w = studio
    w.project.add_storyboard(board())
    target = tmp_path / "sheet.png"
    w.dialogs.save_file = lambda caption, filters, suggested="": str(target)
    (action,) = [a for m in w.menuBar().findChildren(QMenu) for a in m.actions()
                 if a.text() == "Export Storyboard…"]
    action.trigger()
    assert w.errors.shown == []
    sheet = QImage(str(target))
    assert sheet.width() >= SHEET_WIDTH and sheet.height() > 2 * LABEL_H
    pixels = np.frombuffer(sheet.convertToFormat(QImage.Format.Format_Grayscale8).bits().asstring(
        sheet.width() * sheet.height()), np.uint8).reshape(sheet.height(), sheet.width())
    # each picture fills its cell; under it a strip of text on the dark background
    from ui.qt.qt_storyboard_panel import MARGIN, ROW_LABEL_W, TITLE_H

    cell_w = (sheet.width() - ROW_LABEL_W - 5 * MARGIN) / 4
    cell_h = cell_w * 48 / 64
    labels = []
    for col in range(4):
        left = int(ROW_LABEL_W + MARGIN + col * (cell_w + MARGIN))
        strip = pixels[int(TITLE_H + MARGIN + cell_h) + 4:int(TITLE_H + MARGIN + cell_h + LABEL_H) - 4,
                       left:int(left + cell_w)]
        assert (strip > 128).sum() > 50, col  # the timecode is written there
        labels.append(strip.tobytes())
    assert len(set(labels)) == 4  # four different timecodes
