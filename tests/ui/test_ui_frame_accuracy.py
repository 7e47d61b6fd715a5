"""Frame accuracy on the timeline over a one-hour 29.97 drop-frame clip: clicks, the playhead,
selections and hits land on frame n exactly, and the timecode shown names frame n (no drift)."""
from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt

from foley_studio.timeline import frame_index, parse_timecode, timecode
from ui.model.project import Project, VideoInfo
from ui.qt.qt_timeline import QtTimeline
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
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
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
