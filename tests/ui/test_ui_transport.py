"""Transport and navigation in the real window, driven by keys and clicks: a click moves the
playhead and keeps the selection, I/O at the playhead, ←/→ and Shift+←/→ steps, Home/End,
the typed-timecode field, J/K/L shuttle, Space and Shift+Space, zoom to selection, and no
shortcut while a text field has focus."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QMenu

from foley_studio.requests import Take
from foley_studio.timeline import frame_index, timecode
from ui.model.project import TakeItem
from ui.model.selection import Selection
from ui.qt.qt_timeline import HEADER_W, RULER_H
from ui.qt.qt_transport import next_shuttle_speed

pytestmark = pytest.mark.qt
SHIFT, CTRL = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


def x_of(w, seconds: float) -> int:
    return int(round(w.timeline.canvas.x_of(seconds)))


def frame(w) -> int:
    return frame_index(w.playhead, w.timeline.fps)


def add_take(w, start: float = 1.0, seconds: float = 0.5) -> TakeItem:
    rate = 16000
    audio = (0.2 * np.sin(np.arange(int(seconds * rate)) / 9.0)).astype(np.float32)  # (S,)
    item = TakeItem(Take(audio, rate, "echoes", 7, start, name="door"), (start, start + seconds))
    w.project.insert_takes(0, [item])
    w.takes_panel.select(item.id)
    return item


def test_a_click_moves_the_playhead_and_keeps_the_selection(qtbot, studio) -> None:
    w, canvas = studio, studio.timeline.canvas
    lane_y = int(canvas.lane_rect(1).center().y())
    qtbot.mousePress(canvas, LEFT, pos=QPoint(x_of(w, 1.0), lane_y))
    qtbot.mouseMove(canvas, QPoint(x_of(w, 2.0), lane_y))
    qtbot.mouseRelease(canvas, LEFT, pos=QPoint(x_of(w, 2.0), lane_y))
    region = w.project.selection
    assert not region.frame and region.duration == pytest.approx(1.0, abs=0.1)

    qtbot.mouseClick(canvas, LEFT, pos=QPoint(x_of(w, 3.0), RULER_H // 2))  # on the ruler
    assert w.project.selection == region
    assert w.playhead == pytest.approx(3.0, abs=0.1) and w.playhead * w.timeline.fps == frame(w)
    qtbot.mouseClick(canvas, LEFT, pos=QPoint(x_of(w, 0.5), lane_y))  # an empty stretch of a lane
    assert w.project.selection == region and w.playhead == pytest.approx(0.5, abs=0.1)

    qtbot.mouseClick(canvas, LEFT, CTRL, QPoint(x_of(w, 2.5), lane_y))  # Ctrl: that frame
    sel = w.project.selection
    assert sel.frame and sel.start == w.playhead and frame_index(sel.start, w.timeline.fps) == frame(w)
    w.project.set_selection(region)
    qtbot.mouseClick(canvas, LEFT, SHIFT, QPoint(x_of(w, 3.0), lane_y))  # Shift: nearer edge moves
    assert w.project.selection.start == region.start
    assert w.project.selection.end == pytest.approx(3.0, abs=0.1) and w.project.selection.end == w.playhead


def test_in_and_out_at_the_playhead_without_playing(qtbot, studio) -> None:
    w, canvas = studio, studio.timeline.canvas
    qtbot.mouseClick(canvas, LEFT, pos=QPoint(x_of(w, 1.0), RULER_H // 2))
    qtbot.keyClick(w, Qt.Key.Key_I)
    qtbot.mouseClick(canvas, LEFT, pos=QPoint(x_of(w, 2.5), RULER_H // 2))
    qtbot.keyClick(w, Qt.Key.Key_O)
    first = w.project.selection
    assert not w.transport.playing and not first.frame
    assert first.start == pytest.approx(1.0, abs=0.1) and first.end == w.playhead
    for _ in range(5):
        qtbot.keyClick(w, Qt.Key.Key_Left)
    qtbot.keyClick(w, Qt.Key.Key_O)  # a later Out moves only the out point
    assert w.project.selection.start == first.start
    assert round((first.end - w.project.selection.end) * w.timeline.fps) == 5


def test_arrow_keys_step_frames_and_seconds_home_and_end(qtbot, studio) -> None:
    w = studio
    fps = w.timeline.fps
    w.seek(1.0)
    start = frame(w)
    for _ in range(3):
        qtbot.keyClick(w, Qt.Key.Key_Right)
    assert frame(w) == start + 3 and w.playhead == (start + 3) / fps
    qtbot.keyClick(w, Qt.Key.Key_Left)
    assert frame(w) == start + 2
    qtbot.keyClick(w, Qt.Key.Key_Right, SHIFT)
    assert frame(w) == start + 2 + round(fps)
    qtbot.keyClick(w, Qt.Key.Key_Left, SHIFT)
    qtbot.keyClick(w, Qt.Key.Key_Left, SHIFT)
    assert frame(w) == start + 2 - round(fps)
    assert w.preview.timecode.text() == timecode(w.playhead, fps)
    qtbot.keyClick(w, Qt.Key.Key_End)
    last = round(w.timeline.duration * fps) - 1
    assert frame(w) == last and w.preview.timecode.text() == timecode(last / fps, fps)
    qtbot.keyClick(w, Qt.Key.Key_Right)
    assert frame(w) == last  # the playhead stays on the video
    qtbot.keyClick(w, Qt.Key.Key_Home)
    assert w.playhead == 0.0
    qtbot.keyClick(w, Qt.Key.Key_Left)
    assert w.playhead == 0.0


def type_timecode(qtbot, w, text: str) -> None:
    field = w.preview.timecode
    qtbot.mouseClick(field, LEFT)
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_a_typed_timecode_moves_the_playhead_and_bad_text_is_refused(qtbot, studio) -> None:
    w = studio
    fps, field = w.timeline.fps, w.preview.timecode
    type_timecode(qtbot, w, "00:00:02:10")
    assert frame(w) == 2 * round(fps) + 10 and field.text() == "00:00:02:10"
    assert not field.hasFocus() and not field.message.isVisible()
    assert w.timeline.canvas.hasFocus()  # the keys go back to the timeline
    type_timecode(qtbot, w, "+7")
    assert frame(w) == 2 * round(fps) + 17 and field.text() == timecode(w.playhead, fps)
    type_timecode(qtbot, w, "-17")
    assert frame(w) == 2 * round(fps)

    before = w.playhead
    for bad, words in (("00:00:61:00", "not a valid timecode"), ("twelve", "not a timecode"),
                       ("01:00:00:00", "outside the video"), ("-999", "outside the video")):
        type_timecode(qtbot, w, bad)
        assert w.playhead == before and field.hasFocus() and field.message.isVisible()
        assert words in field.message.text() and field.text() == bad
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert not field.hasFocus() and field.text() == timecode(before, fps)
    assert not field.message.isVisible()

    qtbot.keyClick(w, Qt.Key.Key_G, CTRL)  # Go to Timecode puts the cursor in the field
    assert field.hasFocus() and field.selectedText() == field.text()


def test_no_shortcut_fires_while_a_text_field_has_focus(qtbot, studio) -> None:
    w = studio
    w.generate_panel.set_mode("text")
    prompt = w.generate_panel.prompt
    w.tabs.setCurrentIndex(0)
    qtbot.mouseClick(prompt, LEFT)
    assert prompt.hasFocus()
    w.seek(1.0)
    before, sel = w.playhead, w.project.selection
    for key in (Qt.Key.Key_J, Qt.Key.Key_L, Qt.Key.Key_Space, Qt.Key.Key_I, Qt.Key.Key_Z,
                Qt.Key.Key_Left, Qt.Key.Key_End, Qt.Key.Key_K):
        qtbot.keyClick(prompt, key)
    qtbot.keyClick(prompt, Qt.Key.Key_Space, SHIFT)
    assert prompt.text() == "jl izk "  # typed (← and End moved the cursor), not obeyed
    assert not w.transport.playing and w.playhead == before and w.project.selection == sel
    assert w.errors.shown == []
    seed = w.generate_panel.seed
    seed.setFocus()
    qtbot.keyClick(seed, Qt.Key.Key_Home)
    qtbot.keyClick(seed, Qt.Key.Key_Right)
    assert w.playhead == before  # the seed box's cursor moved, not the playhead


def test_space_plays_the_timeline_shift_space_and_enter_play_the_take(qtbot, studio) -> None:
    w = studio
    item = add_take(w, start=1.0)
    started = []  # what the transport started, in order (a short take may end at once)
    w.transport.state_changed.connect(lambda label: label and started.append(label))
    w.seek(2.0)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert started == ["timeline"] and w.transport.current.start == 0.0
    assert w.transport.engine.position >= 2.0 - 1e-6  # from the playhead
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert not w.transport.playing

    qtbot.keyClick(w, Qt.Key.Key_Space, SHIFT)
    assert started == ["timeline", "door"] and w.transport.recent[-1] == item.id
    w.transport.stop()
    w.takes_panel.list.setFocus()
    qtbot.keyClick(w.takes_panel.list, Qt.Key.Key_Return)  # the list's own key
    assert started == ["timeline", "door", "door"]
    qtbot.keyClick(w, Qt.Key.Key_K)
    assert not w.transport.playing

    w.takes_panel.list.setCurrentRow(-1)
    qtbot.keyClick(w, Qt.Key.Key_Space, SHIFT)
    assert len(started) == 3 and "No take is highlighted" in w.errors.shown[-1][1]


def test_shuttle_speeds() -> None:
    assert [next_shuttle_speed(s, 1) for s in (0, 1, 2, 4, -1, -4)] == [1, 2, 4, 4, 1, 1]
    assert [next_shuttle_speed(s, -1) for s in (0, -1, -2, -4, 1, 4)] == [-1, -2, -4, -4, -1, -1]


def test_j_k_l_shuttle_forwards_faster_and_backwards_in_picture(qtbot, studio) -> None:
    w = studio
    w.seek(1.0)
    remaining = len(w.flows.timeline_playing().audio) - int(round(w.playhead * 16000))
    qtbot.keyClick(w, Qt.Key.Key_L)
    t = w.transport
    assert t.shuttle_speed == 1 and t.current.speed == 1.0 and t.current.start == w.playhead
    assert len(t.current.audio) == remaining
    qtbot.keyClick(w, Qt.Key.Key_L)
    at = t.current.start
    assert t.shuttle_speed == 2 and t.current.speed == 2.0 and at >= 1.0
    assert abs(len(t.current.audio) - (len(w.flows.timeline_playing().audio) - round(at * 16000)) / 2) <= 2
    qtbot.keyClick(w, Qt.Key.Key_L)
    qtbot.keyClick(w, Qt.Key.Key_L)
    assert t.shuttle_speed == 4 and "4×" in w.job_label.text()
    qtbot.waitUntil(lambda: w.playhead > at + 0.2, timeout=5000)
    qtbot.keyClick(w, Qt.Key.Key_K)
    assert not t.playing and t.shuttle_speed == 0 and w.job_label.text() == "Stopped"

    w.seek(3.0)
    qtbot.keyClick(w, Qt.Key.Key_J)
    assert t.playing and t.shuttle_speed == -1 and not t.engine.playing  # sound muted
    assert "backwards" in w.job_label.text() and "muted" in w.job_label.text()
    qtbot.waitUntil(lambda: w.playhead < 2.9, timeout=5000)
    assert w.preview.timecode.text() == timecode(w.playhead, w.timeline.fps)
    qtbot.keyClick(w, Qt.Key.Key_J)
    qtbot.keyClick(w, Qt.Key.Key_J)
    assert t.shuttle_speed == -4
    qtbot.waitUntil(lambda: not t.playing, timeout=5000)  # it stops at the start
    assert w.playhead == 0.0 and w.errors.shown == []


def test_zoom_to_selection_and_menus_name_the_keys(qtbot, studio) -> None:
    w = studio
    qtbot.keyClick(w, Qt.Key.Key_Z)
    assert "Nothing is selected" in w.errors.shown[-1][1]
    w.project.set_selection(Selection(1.0, 1.5))
    qtbot.keyClick(w, Qt.Key.Key_Z)
    t = w.timeline
    visible = (t.canvas.width() - HEADER_W) / t.zoom
    assert t.scroll <= 1.0 and 1.5 <= t.scroll + visible and visible < 0.7
    qtbot.keyClick(w, Qt.Key.Key_0, CTRL)
    assert (t.canvas.width() - HEADER_W) / t.zoom >= t.duration

    keys = {a.text(): a.shortcut().toString() for menu in w.menuBar().findChildren(QMenu)
            for a in menu.actions()}
    for text, key in (("Play Timeline", "Space"), ("Play Highlighted Take", "Shift+Space"),
                      ("Stop", "K"), ("Previous Frame", "Left"), ("Next Frame", "Right"),
                      ("Back One Second", "Shift+Left"), ("Forward One Second", "Shift+Right"),
                      ("Go to Start", "Home"), ("Go to End", "End"), ("Go to Timecode…", "Ctrl+G"),
                      ("Zoom to Selection", "Z"), ("Zoom to Fit", "Ctrl+0"), ("Set In Point", "I"),
                      ("Set Out Point", "O"), ("Loop", "Ctrl+L")):
        assert keys[text] == key, text
    assert keys["Shuttle Backwards (Again: 2×, 4×; K+J: Frame Back)"] == "J"
    assert keys["Shuttle Forwards (Again: 2×, 4×; K+L: Frame On)"] == "L"


def test_k_held_with_j_or_l_steps_single_frames(qtbot, studio) -> None:
    w = studio
    w.seek(2.0)
    start = frame(w)
    qtbot.keyPress(w, Qt.Key.Key_K)
    qtbot.keyClick(w, Qt.Key.Key_L)
    qtbot.keyClick(w, Qt.Key.Key_L)
    qtbot.keyClick(w, Qt.Key.Key_J)
    qtbot.keyClick(w, Qt.Key.Key_L)
    assert frame(w) == start + 2 and not w.transport.playing and w.transport.shuttle_speed == 0
    qtbot.keyRelease(w, Qt.Key.Key_K)
    qtbot.keyClick(w, Qt.Key.Key_J)  # K is up: J shuttles again
    assert w.transport.shuttle_speed == -1
    qtbot.keyClick(w, Qt.Key.Key_K)
    assert not w.transport.playing
