"""Foley lanes and inpaint repairs in the real window, driven by real key and mouse events:
lanes added, renamed, gained and removed; clips trimmed, faded, gained and moved between lanes;
an inpaint take repairing the production track with before/after and export; the mix played."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtGui import QWheelEvent
from PyQt6.QtWidgets import QApplication

from foley_studio.requests import Take
from ui.model.lanes import EDITED, EDITED_NAME
from ui.model.project import TakeItem
from ui.qt.main_window import MainWindow

pytestmark = pytest.mark.qt


def on_frame(t: float, fps: float) -> bool:
    return abs(t * fps - round(t * fps)) < 1e-6


def row_of(w: MainWindow, lane_id: str) -> int:
    return 1 + [lane.id for lane in w.project.lanes].index(lane_id)


def clip_box(w: MainWindow, clip_id: str):
    canvas = w.timeline.canvas
    lane_id = w.project.clip_lane(clip_id)
    return canvas.clip_box(canvas.lane_rect(row_of(w, lane_id)), w.project.clip(clip_id))


def drag(qtbot, w: MainWindow, start: QPoint, end: QPoint) -> None:
    canvas = w.timeline.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for k in (1, 2, 3):
        qtbot.mouseMove(canvas, start + (end - start) * (k / 3))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)


def shift_wheel(w: MainWindow, pos: QPoint, notches: int) -> None:
    canvas = w.timeline.canvas
    for _ in range(abs(notches)):
        event = QWheelEvent(QPointF(pos), QPointF(canvas.mapToGlobal(pos)), QPoint(0, 0),
                            QPoint(0, 120 if notches > 0 else -120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.ShiftModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(canvas, event)


def trigger(menu, text: str) -> None:
    action = next(a for a in menu.actions() if a.text() == text)
    assert action.isEnabled()
    action.trigger()


def foley_take(w: MainWindow, start: float = 1.0, seconds: float = 1.5) -> TakeItem:
    audio = np.full(int(seconds * 16000), 0.2, np.float32)
    item = TakeItem(Take(audio, 16000, "echoes", 1, start, name="steps"), (start, start + seconds))
    w.project.insert_takes(0, [item])
    return item


def test_lanes_are_added_renamed_gained_and_removed_with_undo(qtbot, studio) -> None:
    w, canvas = studio, studio.timeline.canvas
    w.dialogs.text = lambda caption, label, value: "Footsteps"
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    names = [lane.name for lane in w.project.lanes]
    assert names == ["Production audio", "Foley", "Footsteps", "Sync"]
    steps = w.project.lanes[2]
    w.dialogs.text = lambda caption, label, value: "Steps"
    trigger(w.lanes.menu_for(steps.id), "Rename Lane…")
    assert w.project.lane_by_id(steps.id).name == "Steps"

    header = QPoint(60, int(canvas.lane_rect(row_of(w, steps.id)).top() + 12))
    shift_wheel(w, header, 3)
    shift_wheel(w, header, -1)
    assert w.project.lane_by_id(steps.id).gain_db == 2.0
    assert w.actions.undo.text() == "Undo Gain of Steps"
    w.actions.undo.trigger()
    assert w.project.lane_by_id(steps.id).gain_db == 0.0
    w.dialogs.text = lambda caption, label, value: "-4.5"
    trigger(w.lanes.menu_for(steps.id), "Lane Gain…")
    assert w.project.lane_by_id(steps.id).gain_db == -4.5

    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=header)  # choose the lane for takes
    item = foley_take(w)
    w.takes_panel.select(item.id)
    qtbot.mouseClick(w.takes_panel.buttons["Accept"], Qt.MouseButton.LeftButton)
    assert [c.take_id for c in w.project.lane_by_id(steps.id).clips] == [item.id]

    asked = []
    w.dialogs.choose = lambda title, text, choices: asked.append(text) or "Cancel"
    trigger(w.lanes.menu_for(steps.id), "Remove Lane")
    assert "holds 1 clip" in asked[0] and steps.id in [lane.id for lane in w.project.lanes]
    w.dialogs.choose = lambda title, text, choices: choices[0]
    trigger(w.lanes.menu_for(steps.id), "Remove Lane")
    assert steps.id not in [lane.id for lane in w.project.lanes]
    w.actions.undo.trigger()
    assert w.project.lanes[2].clips[0].take_id == item.id

    production = w.project.production_lane()
    assert not next(a for a in w.lanes.menu_for(production.id).actions()
                    if a.text() == "Remove Lane").isEnabled()
    assert w.errors.shown == []


def test_clip_edges_trim_and_top_corners_fade_on_frames_one_undo_step_each(qtbot, studio) -> None:
    w = studio
    fps = w.project.video.fps
    item = foley_take(w)
    w.flows.accept_take(item.id)
    (clip,) = w.project.lane
    c = w.timeline.canvas
    box = clip_box(w, clip.id)
    y = int(box.center().y())

    drag(qtbot, w, QPoint(int(box.left()) + 1, y), QPoint(int(c.x_of(1.3)), y))
    trimmed = w.project.clip(clip.id)
    assert trimmed.start == pytest.approx(1.3, abs=1 / fps) and on_frame(trimmed.start, fps)
    assert trimmed.offset == pytest.approx(trimmed.start - 1.0)
    assert trimmed.end(1.5) == pytest.approx(2.5) and w.actions.undo.text() == "Undo Trim clip"

    box = clip_box(w, clip.id)
    drag(qtbot, w, QPoint(int(box.right()) - 1, y), QPoint(int(c.x_of(2.2)), y))
    trimmed = w.project.clip(clip.id)
    assert trimmed.end(1.5) == pytest.approx(2.2, abs=1 / fps) and on_frame(trimmed.end(1.5), fps)

    box = clip_box(w, clip.id)
    top = int(box.top()) + 3
    drag(qtbot, w, QPoint(int(box.left()) + 2, top), QPoint(int(c.x_of(trimmed.start + 0.2)), top))
    faded = w.project.clip(clip.id)
    assert faded.fade_in == pytest.approx(0.2, abs=1 / fps) and on_frame(faded.fade_in, fps)
    assert w.actions.undo.text() == "Undo Fade in"
    drag(qtbot, w, QPoint(int(box.right()) - 2, top), QPoint(int(c.x_of(faded.end(1.5) - 0.12)), top))
    assert w.project.clip(clip.id).fade_out == pytest.approx(0.12, abs=1 / fps)

    shift_wheel(w, QPoint(int(box.center().x()), y), 2)
    assert w.project.clip(clip.id).gain_db == 2.0 and w.actions.undo.text() == "Undo Clip gain"
    mix = w.project.mix(np.zeros(4 * 16000, np.float32), 16000)
    first = int(round(faded.start * 16000))
    assert mix[first] < 0.01 and mix[first + int(0.5 * 16000)] == pytest.approx(0.2 * 10 ** 0.1, rel=1e-4)

    for _ in range(5):  # gain, fade out, fade in, right trim, left trim: one step each
        w.actions.undo.trigger()
    assert w.project.clip(clip.id) == clip and w.errors.shown == []


def test_a_clip_dragged_down_lands_on_the_foley_lane_below(qtbot, studio) -> None:
    w = studio
    cloth = w.lanes.add_lane("Cloth")
    item = foley_take(w)
    w.flows.accept_take(item.id)  # the new lane is the one chosen for takes
    assert w.project.clip_lane(w.project.lane[0].id) == cloth.id
    clip = w.project.lane[0]
    foley = w.project.lanes_of("foley")[0]
    box = clip_box(w, clip.id)
    target = w.timeline.canvas.lane_rect(row_of(w, foley.id)).center().y()
    drag(qtbot, w, box.center().toPoint(), QPoint(int(box.center().x()), int(target)))
    assert w.project.clip_lane(clip.id) == foley.id and w.project.clip(clip.id).start == clip.start
    w.actions.undo.trigger()
    assert w.project.clip_lane(clip.id) == cloth.id


def inpaint_take(w: MainWindow) -> TakeItem:
    audio = np.full(2 * 16000, 0.3, np.float32)  # generated for 1.0-3.0 s, the gap 1.6-2.4 s
    take = Take(audio, 16000, "echoes", 2, 1.0, mode="inpaint", name="inpaint take 1")
    item = TakeItem(take, (1.0, 3.0), gap=(1.6, 2.4))
    w.project.insert_takes(0, [item])
    return item


def test_an_accepted_inpaint_take_repairs_the_production_track_with_before_after_and_export(
        qtbot, studio, tmp_path: Path) -> None:
    w = studio
    fps = w.project.video.fps
    video = Path(w.project.video.path)
    digest = hashlib.sha256(video.read_bytes()).hexdigest()
    item = inpaint_take(w)
    w.takes_panel.select(item.id)
    qtbot.mouseClick(w.takes_panel.buttons["Accept"], Qt.MouseButton.LeftButton)
    edited = w.project.edited_lane()
    assert edited.name == EDITED_NAME and w.project.lanes[1].kind == EDITED
    assert w.project.production_lane().mute and w.project.lane == []
    (repair,) = edited.clips
    assert repair.start == pytest.approx(1.6 - 1 / fps) and repair.fade_in == pytest.approx(1 / fps)
    assert repair.end(2.0) == pytest.approx(2.4 + 1 / fps)

    w.seek(2.0)
    qtbot.keyClick(w, Qt.Key.Key_B, Qt.KeyboardModifier.ShiftModifier)
    after = w.transport.current
    assert after.label == "Repair (after)" and w.transport.playing
    gap = slice(int((1.7 - after.start) * after.rate), int((2.3 - after.start) * after.rate))
    assert np.allclose(after.audio[gap], 0.3)
    qtbot.keyClick(w, Qt.Key.Key_B, Qt.KeyboardModifier.ShiftModifier)
    before = w.transport.current
    assert before.label == "Repair (before)"
    original = w.overview.audio[int(after.start * 16000):][:len(before.audio)]
    np.testing.assert_allclose(before.audio, original, atol=1e-7)
    w.transport.stop()

    out = tmp_path / "repaired.wav"
    suggested = []
    w.dialogs.save_file = lambda caption, filters, name="": suggested.append(name) or str(out)
    next(a for a in w.menuBar().actions()[0].menu().actions()
         if a.text() == "Export Repaired Production…").trigger()
    qtbot.waitUntil(lambda: out.exists() and not w.jobs.busy, timeout=20000)
    written, rate = sf.read(out, dtype="float32")
    from foley_studio import media

    with media.VideoClip(str(video)) as clip:
        assert rate == clip.audio_rate
        source = clip.audio(rate)
    assert len(written) == len(source)
    seam = int(round((1.6 - 1 / fps) * rate)), int(round((2.4 + 1 / fps) * rate))
    np.testing.assert_allclose(written[:seam[0]], source[:seam[0]], atol=2e-7)
    np.testing.assert_allclose(written[seam[1]:], source[seam[1]:], atol=2e-7)
    np.testing.assert_allclose(written[int(1.7 * rate):int(2.3 * rate)], 0.3, atol=2e-3)
    assert hashlib.sha256(video.read_bytes()).hexdigest() == digest
    assert suggested == [str(video.parent / f"{video.stem} repaired.wav")]

    box = clip_box(w, repair.id)
    drag(qtbot, w, box.center().toPoint(), box.center().toPoint() + QPoint(80, 0))
    assert w.project.clip(repair.id) == repair  # a repair stays over its gap

    w.dialogs.choose = lambda title, text, choices: choices[0]
    trigger(w.lanes.menu_for(edited.id), "Remove Lane")
    assert w.project.edited_lane() is None and not w.project.production_lane().mute
    w.actions.undo.trigger()
    assert w.project.edited_lane() == edited and w.project.production_lane().mute
    w.actions.undo.trigger()
    assert w.project.edited_lane() is None and not w.project.production_lane().mute
    assert w.errors.shown == []


def test_the_mix_plays_from_the_playhead_through_sounddevice(qtbot, studio) -> None:
    w = studio
    item = foley_take(w)
    w.flows.accept_take(item.id)
    w.seek(1.2)
    qtbot.keyClick(w, Qt.Key.Key_P)
    playing = w.transport.current
    assert playing.label == "Timeline mix" and playing.start == w.playhead and w.transport.playing
    expected = w.project.mix(w.overview.audio, 16000, w.playhead)
    np.testing.assert_array_equal(playing.audio, expected)
    qtbot.waitUntil(lambda: w.playhead > playing.start, timeout=5000)
    w.transport.stop()
    w.mix_player.set_soundtrack(w.overview.audio, 16000)  # the Qt-free entry point
    audio = w.mix_player.play_from(2.0)
    assert len(audio) == len(w.overview.audio) - 32000 and w.transport.engine.playing
    w.mix_player.stop()
    assert w.errors.shown == []
