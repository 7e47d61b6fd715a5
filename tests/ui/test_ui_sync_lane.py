"""The sync lane in the real window, driven by real key and mouse events: hits drawn with M and
double-click, dragged, nudged by a frame and deleted, all on frames and all undoable; lane
mute/solo in the headers; frame-snapped selection and playhead."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt

from foley_studio.generation import Generator
from ui.model.settings import AppSettings
from ui.model.selection import Selection
from ui.qt.main_window import MainWindow

pytestmark = pytest.mark.qt


def on_frame(t: float, fps: float) -> bool:
    return abs(t * fps - round(t * fps)) < 1e-6


def hits(w: MainWindow) -> list[float]:
    return w.project.sync_lane().sync.times


def sync_point(w: MainWindow, t: float) -> QPoint:
    canvas = w.timeline.canvas
    row = 1 + w.project.lanes.index(w.project.sync_lane())
    return QPoint(int(round(canvas.x_of(t))), int(canvas.lane_rect(row).bottom() - 8))


def test_hits_are_drawn_dragged_nudged_and_deleted_on_frames_with_undo(qtbot, studio) -> None:
    w, canvas = studio, studio.timeline.canvas
    fps = w.project.video.fps
    w.seek(1.013)
    assert w.playhead == pytest.approx(int(1.013 * fps) / fps) and on_frame(w.playhead, fps)
    qtbot.keyClick(w, Qt.Key.Key_M)
    assert hits(w) == [w.playhead] and w.actions.undo.text().startswith("Undo Add hit at 00:00:01")

    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=sync_point(w, 2.013))
    assert len(hits(w)) == 2 and hits(w)[1] == pytest.approx(2.013, abs=0.5 / fps + 1 / w.timeline.zoom)
    second = hits(w)[1]
    assert on_frame(second, fps) and w.timeline.selected_hit[1] == second

    start = sync_point(w, second)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for t in (second + 0.1, second + 0.3, second + 0.5):
        qtbot.mouseMove(canvas, sync_point(w, t))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=sync_point(w, second + 0.5))
    moved = hits(w)[1]
    assert moved == pytest.approx(second + 0.5, abs=0.5 / fps + 1 / w.timeline.zoom) and on_frame(moved, fps)
    assert w.actions.undo.text() == "Undo Move hit"

    qtbot.keyClick(w, Qt.Key.Key_Period)
    assert hits(w)[1] == pytest.approx(moved + 1 / fps)
    qtbot.keyClick(w, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(w, Qt.Key.Key_Comma)
    assert hits(w)[1] == pytest.approx(moved - 1 / fps) and all(on_frame(t, fps) for t in hits(w))

    for _ in range(3):  # three nudges, then the whole drag, in one step each
        w.actions.undo.trigger()
    assert hits(w)[1] == moved
    w.actions.undo.trigger()
    assert hits(w)[1] == second

    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=sync_point(w, w.playhead))
    assert w.timeline.selected_hit[1] == hits(w)[0]
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert hits(w) == [second]
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=sync_point(w, second))
    qtbot.keyClick(canvas, Qt.Key.Key_Backspace)
    assert hits(w) == []
    w.actions.undo.trigger()
    w.actions.undo.trigger()
    assert len(hits(w)) == 2 and w.errors.shown == []


def test_a_second_hit_on_the_same_frame_is_refused_with_a_message(qtbot, studio) -> None:
    w = studio
    w.seek(0.5)
    qtbot.keyClick(w, Qt.Key.Key_M)
    qtbot.keyClick(w, Qt.Key.Key_M)
    assert len(hits(w)) == 1 and "already a hit" in str(w.errors.shown[-1])
    w.timeline.selected_hit = None
    qtbot.keyClick(w, Qt.Key.Key_Period)
    assert "No hit is selected" in str(w.errors.shown[-1])


def test_selection_and_playhead_snap_to_frames(qtbot, studio) -> None:
    w, canvas = studio, studio.timeline.canvas
    fps = w.project.video.fps
    y = int(canvas.lane_rect(1).center().y())
    x0, x1 = int(canvas.x_of(0.517)), int(canvas.x_of(1.733))
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x0, y))
    qtbot.mouseMove(canvas, QPoint((x0 + x1) // 2, y))
    qtbot.mouseMove(canvas, QPoint(x1, y))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x1, y))
    sel = w.project.selection
    assert on_frame(sel.start, fps) and on_frame(sel.end, fps) and on_frame(w.playhead, fps)
    from foley_studio.timeline import parse_timecode

    label = w.selection_label.text().split()  # "Region 00:00:00:13 – 00:00:01:18 (1.24 s)"
    assert parse_timecode(label[1], fps) == pytest.approx(sel.start, abs=1e-9)
    assert parse_timecode(label[3], fps) == pytest.approx(sel.end, abs=1e-9)
    assert w.preview.timecode.text() == label[1]


def test_lane_headers_mute_and_solo_with_undo(qtbot, studio) -> None:
    w, canvas = studio, studio.timeline.canvas
    box = canvas.toggle_rects(2)["mute"]  # the Foley lane
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=box.center().toPoint())
    assert w.project.lanes[1].mute and w.actions.undo.text() == "Undo Mute Foley"
    solo = canvas.toggle_rects(1)["solo"]  # production audio
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=solo.center().toPoint())
    assert w.project.lanes[0].solo
    w.actions.undo.trigger()
    w.actions.undo.trigger()
    assert not w.project.lanes[0].solo and not w.project.lanes[1].mute


def test_hits_in_the_selection_are_saved_and_passed_to_generation(qtbot, studio, tmp_path) -> None:
    from ui.services import generation

    w = studio
    for t in (0.4, 1.2, 2.6):
        w.seek(t)
        qtbot.keyClick(w, Qt.Key.Key_M)
    w.project.set_selection(Selection(1.0, 2.0))
    w.generate_panel.set_generator("im2wav-tiny")
    request = generation.build_request(w.project, w.generate_panel.options())
    assert request.sync.times == [hits(w)[1]] and request.conforms
    w.generate_panel.conform.setChecked(False)
    request = generation.build_request(w.project, w.generate_panel.options())
    assert request.sync is not None and request.conform is False and not request.conforms
    w.project.set_selection(Selection(3.0, 3.5))
    assert generation.build_request(w.project, w.generate_panel.options()).sync is None

    path = w.save(tmp_path / "hits.foley.json")
    other = MainWindow(AppSettings(), catalog=w.catalog)
    qtbot.addWidget(other)
    other.open_project(path)
    assert other.project.sync_lane().sync == w.project.sync_lane().sync
    other.shutdown()


def test_the_generate_panel_says_when_a_model_ignores_sync(qtbot, tiny_im2wav) -> None:
    from ui.qt.qt_generate_panel import QtGeneratePanel
    from ui.services.catalog import GeneratorCatalog

    class Following:
        """Stands in for a generator with a timing condition."""
        follows_sync = True

    catalog = GeneratorCatalog()
    catalog.add_generator("plain", object())
    catalog.add_generator("timed", Following())
    panel = QtGeneratePanel(catalog, AppSettings())
    qtbot.addWidget(panel)
    panel.set_generator("plain")
    assert "ignores sync" in panel.sync_note.text()
    panel.set_generator("timed")
    assert panel.sync_note.text() == "" and panel.options().conform
    assert catalog.follows_sync("not loaded yet") is None


class ClickGenerator(Generator):
    """Stands in for a model that ignores sync: one sharp click 0.55 s into every take, so
    only conform can put the sound on a hit."""

    name, sample_rate, modes, frame_rate = "clicks", 16000, frozenset({"foley"}), 8.0

    def generate(self, cond, *, takes, seed, sampler, progress=None, cancel=None) -> np.ndarray:
        n = int(round(cond.duration * self.sample_rate))
        rng = np.random.default_rng(seed)
        out = rng.normal(0, 0.003, (takes, n)).astype(np.float32)  # (N, S) room tone
        i, m = int(0.55 * self.sample_rate), int(0.08 * self.sample_rate)
        out[:, i:i + m] += 0.8 * np.exp(-np.arange(m) / 160.0) * rng.choice([-1, 1], m)
        return out


def attack(take) -> float:
    """Source seconds of the take's loudest sample (the click's attack)."""
    return take.start + int(np.argmax(np.abs(take.audio))) / take.sample_rate


def test_moving_a_hit_and_regenerating_moves_the_sound(qtbot, studio, tmp_path) -> None:
    w, canvas = studio, studio.timeline.canvas
    w.catalog.add_generator("clicks", ClickGenerator())
    w.generate_panel.refresh_generators()
    w.generate_panel.set_generator("clicks")
    w.generate_panel.takes.setValue(1)
    assert "ignores sync" in w.generate_panel.sync_note.text()
    w.project.set_selection(Selection(1.0, 3.0))
    w.seek(1.6)
    qtbot.keyClick(w, Qt.Key.Key_M)
    qtbot.mouseClick(w.generate_panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(w.project.takes) == 1 or bool(w.errors.shown), timeout=30000)
    assert w.errors.shown == []
    first = w.project.takes[0].take
    assert first.conform["moves"] == [{"hit": 1.6, "onset": pytest.approx(1.55, abs=0.01)}]
    assert attack(first) == pytest.approx(1.6, abs=0.003)

    hit = hits(w)[0]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=sync_point(w, hit))
    for t in (hit + 0.04, hit + 0.08):
        qtbot.mouseMove(canvas, sync_point(w, t))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=sync_point(w, hit + 0.08))
    moved = hits(w)[0]
    assert moved == pytest.approx(1.68, abs=0.041)
    w.project.set_selection(Selection(1.0, 3.0))
    qtbot.mouseClick(w.generate_panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(w.project.takes) == 2, timeout=30000)
    second = w.project.takes[0].take
    assert attack(second) == pytest.approx(moved, abs=0.003)
    assert attack(second) - attack(first) == pytest.approx(moved - 1.6, abs=0.003)

    w.takes_panel.select(w.project.takes[0].id)
    assert "conformed: 1 hit moved" in w.takes_panel.list.currentItem().text()
    button = w.takes_panel.buttons["Conformed/Original"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert w.transport.current.label.endswith("(original)")
    np.testing.assert_array_equal(w.transport.current.audio, second.unconformed)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert w.transport.current is None or w.transport.current.label.endswith("(conformed)")

    path = w.save(tmp_path / "conformed.foley.json")
    other = MainWindow(AppSettings(), catalog=w.catalog)
    qtbot.addWidget(other)
    other.open_project(path)
    again = other.project.takes[0].take
    np.testing.assert_array_equal(again.unconformed, second.unconformed)
    assert again.conform == second.conform and again.sync == second.sync
    other.shutdown()
