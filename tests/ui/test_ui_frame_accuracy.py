"""Frame accuracy on the timeline over a one-hour 29.97 drop-frame clip: clicks, the playhead,
selections and hits land on frame n exactly, and the timecode shown names frame n (no drift).
Through the whole window too: typed timecodes, arrow-key steps, End and ruler clicks all across
the hour leave the displayed timecode and the stored time on the same frame."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt

from foley_studio.timeline import frame_index, frames_to_timecode, parse_timecode, timecode
from ui.model.project import Project, VideoInfo
from ui.model.selection import Selection
from ui.qt.qt_timeline import RULER_H, QtTimeline
from ui.services.media import Overview

pytestmark = pytest.mark.qt
NTSC = 30000 / 1001
HOUR = 3600.0


@pytest.fixture
def timeline(qtbot):
    project = Project()
    project.set_video(VideoInfo("hour.mp4", NTSC, HOUR))
    view = QtTimeline(project)
    qtbot.addWidget(view)
    view.resize(1200, 360)
    view.show()
    view.set_overview(Overview("hour.mp4", NTSC, HOUR))
    view.seek_requested.connect(view.set_playhead)
    view.zoom = 20 * NTSC  # 20 px per frame
    return view


@pytest.mark.parametrize("frame", [0, 1799, 1800, 17982, 53947, 100001, 107890])
def test_a_click_anywhere_in_an_hour_lands_on_its_frame(qtbot, timeline, frame: int) -> None:
    t, canvas = timeline, timeline.canvas
    t.set_scroll(frame / NTSC - 1.0)
    y = int(canvas.lane_rect(1).center().y())
    x = int(round(canvas.x_of((frame + 0.5) / NTSC)))
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, QPoint(x, y))
    sel = t.project.selection
    assert sel.frame and frame_index(sel.start, NTSC) == frame and sel.start == frame / NTSC
    assert t.playhead == frame / NTSC
    label = timecode(t.playhead, NTSC)
    assert ";" in label and frame_index(parse_timecode(label, NTSC), NTSC) == frame

    added = []
    t.hit_added.connect(lambda lane_id, time: added.append(time))
    hit_x = int(round(canvas.x_of((frame + 0.3) / NTSC)))
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton,
                      pos=QPoint(hit_x, int(canvas.lane_rect(3).center().y())))
    assert added == [frame / NTSC]


def test_the_last_frame_of_the_hour_is_labelled_on_the_clock(qtbot, timeline) -> None:
    last = round(HOUR * NTSC) - 1
    timeline.set_playhead(HOUR - 0.2 / NTSC)
    assert timeline.playhead == last / NTSC
    assert timecode(timeline.playhead, NTSC) == "00:59:59;29"
    assert timecode(HOUR, NTSC) == "01:00:00;00"
    starts = np.array([timeline.clamp(n / NTSC + 1e-4) for n in range(0, last, 997)])
    assert np.array_equal(np.round(starts * NTSC), np.arange(0, last, 997))


@pytest.fixture
def hour_window(qtbot, tmp_path):
    """The main window showing a one-hour 29.97 fps timeline; frame decoding is recorded
    instead of done (there is no hour of video on disk)."""
    from tests.ui.helpers_app import Scripted, new_window

    w = new_window(qtbot, Scripted())
    w.frames_asked = []
    w.media.request_frame = lambda t, on_frame, on_error: w.frames_asked.append(t)
    w.media.request_thumbnails = lambda times, on_done, on_error: None
    w._on_video_loaded(Overview("hour.mp4", NTSC, HOUR))
    yield w
    w.shutdown()


def shown_frame(w) -> int:
    """The frame the timecode field names, read back from its text."""
    return frame_index(parse_timecode(w.preview.timecode.text(), NTSC), NTSC)


def agrees(w, n: int) -> bool:
    """The stored playhead is frame n exactly and the field shows frame n's label."""
    return (w.playhead == n / NTSC and w.timeline.playhead == n / NTSC
            and w.preview.timecode.text() == frames_to_timecode(n, NTSC) and shown_frame(w) == n
            and w.frames_asked[-1] == n / NTSC)


def type_into(qtbot, w, text: str) -> None:
    field = w.preview.timecode
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


SPOTS = [0, 1, 1797, 1798, 1799, 1800, 3597, 17981, 17982, 17983, 35964, 53946, 53947, 71929,
         89909, 100001, 107882, 107890]
"""Frames across the hour, thick around minute starts where drop-frame labels skip."""


def test_typed_timecodes_and_steps_across_the_hour_never_drift(qtbot, hour_window) -> None:
    w = hour_window
    last = round(HOUR * NTSC) - 1
    for n in SPOTS:
        label = frames_to_timecode(n, NTSC)
        type_into(qtbot, w, label)
        assert agrees(w, n), label
        type_into(qtbot, w, label.replace(";", ":"))  # colons read as drop-frame at 29.97 too
        assert agrees(w, n), label
        qtbot.keyClick(w, Qt.Key.Key_Right)
        assert agrees(w, min(n + 1, last)), label
        qtbot.keyClick(w, Qt.Key.Key_Left)
        assert agrees(w, max(min(n + 1, last) - 1, 0)), label
        qtbot.keyClick(w, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        assert agrees(w, min(n + 30, last)), label
        type_into(qtbot, w, f"-{min(n + 30, last) - n}")
        assert agrees(w, n), label
    qtbot.keyClick(w, Qt.Key.Key_End)
    assert agrees(w, last) and w.preview.timecode.text() == "00:59:59;29"
    type_into(qtbot, w, "01:00:00;00")  # one past the last frame
    assert w.playhead == last / NTSC and "outside the video" in w.preview.timecode.message.text()
    qtbot.keyClick(w.preview.timecode, Qt.Key.Key_Escape)
    assert agrees(w, last)
    qtbot.keyClick(w, Qt.Key.Key_Home)
    assert agrees(w, 0)


def test_a_minute_of_steps_from_anywhere_lands_a_minute_of_frames_later(qtbot, hour_window) -> None:
    w = hour_window
    for n in (0, 1790, 53940, 105000):
        type_into(qtbot, w, frames_to_timecode(n, NTSC))
        for _ in range(60):
            qtbot.keyClick(w, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        assert agrees(w, n + 1800)  # 60 timecode seconds of 30 frames
        for _ in range(7):
            qtbot.keyClick(w, Qt.Key.Key_Left)
        assert agrees(w, n + 1793)


def test_ruler_clicks_across_the_hour_land_on_their_frame(qtbot, hour_window) -> None:
    w = hour_window
    t, canvas = w.timeline, w.timeline.canvas
    t.zoom = 20 * NTSC  # 20 px per frame
    w.project.set_selection(Selection(10.0, 20.0))
    for n in SPOTS[1:-1]:
        t.set_scroll(n / NTSC - 1.0)
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton,
                         pos=QPoint(int(round(canvas.x_of((n + 0.5) / NTSC))), RULER_H // 2))
        assert agrees(w, n), n
    assert w.project.selection == Selection(10.0, 20.0)  # clicks never touched the selection
