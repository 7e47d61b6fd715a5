"""The real main window, offscreen: open a world clip, select, generate, audition, accept, undo,
save and reopen, send to a recording OSC peer, inpaint, storyboard, errors and recovery."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt, QTimer

from foley_studio.requests import SamplerSettings
from ui.model.settings import AppSettings
from ui.qt.main_window import MainWindow
from ui.qt.qt_timeline import RULER_H
from ui.services import autosave

from helpers_app import click_and_finish

pytestmark = pytest.mark.qt


class Answers:
    """Stands in for the window's dialogs: canned answers, and a record of the questions."""

    def __init__(self) -> None:
        self.save_path, self.text_value, self.yes = "", None, True
        self.asked: list[str] = []

    def open_file(self, caption: str, filters: str) -> str:
        return ""

    def save_file(self, caption: str, filters: str, suggested: str = "") -> str:
        self.asked.append(caption)
        return self.save_path

    def text(self, caption: str, label: str, value: str):
        return self.text_value

    def question(self, title: str, text: str) -> bool:
        self.asked.append(title)
        return self.yes

    def save_changes(self, title: str, text: str) -> str:
        self.asked.append(title)
        return "cancel"

    def choose(self, title: str, text: str, choices) -> str:
        self.asked.append(title)
        return choices[0] if self.yes else choices[-1]


def make_window(qtbot, catalog) -> MainWindow:
    window = MainWindow(AppSettings(), catalog=catalog)
    qtbot.addWidget(window)
    window.errors.present = lambda title, text, detail="": None  # recorded in errors.shown
    window.dialogs = Answers()
    window.show()
    return window


@pytest.fixture
def window(qtbot, catalog, world_clip, null_audio):
    w = make_window(qtbot, catalog)
    w.open_video(str(world_clip))
    qtbot.waitUntil(lambda: w.project.video is not None and w.timeline.duration > 0, timeout=20000)
    qtbot.waitUntil(lambda: w.preview.shown_time is not None, timeout=10000)
    yield w
    w.shutdown()


def generate(qtbot, w: MainWindow, mode: str, generator: str, takes: int = 2) -> None:
    w.generate_panel.set_mode(mode)
    w.generate_panel.set_generator(generator)
    w.generate_panel.takes.setValue(takes)
    click_and_finish(qtbot, w, w.generate_panel.button)


def timeline_x(w: MainWindow, seconds: float) -> int:
    return int(round(w.timeline.canvas.x_of(seconds)))


def test_zooming_in_shows_the_exact_frame_under_each_thumbnail(qtbot, window, world_clip) -> None:
    from foley_studio.media import VideoClip
    from ui.qt.qt_timeline import to_qimage
    from ui.services.media import THUMB_HEIGHT

    timeline = window.timeline
    qtbot.waitUntil(lambda: timeline.missing_thumbnails() == [], timeout=10000)  # keyframes sparse
    overview = len(timeline.thumb_images)
    timeline.zoom_by(30.0, around=2.0)  # a box now spans about a frame
    qtbot.waitUntil(lambda: len(timeline.thumb_images) > overview, timeout=10000)
    qtbot.waitUntil(lambda: timeline.missing_thumbnails() == [], timeout=10000)
    slots, span = timeline.canvas.thumb_slots()
    assert len(slots) > 5 and span < 2 / timeline.fps
    with VideoClip(world_clip, max_side=640) as clip:
        for _, t in slots[::3]:
            shown = timeline.thumbnail_near(t)
            frame = (int(t * timeline.fps) + 0.5) / timeline.fps
            assert shown == to_qimage(clip.thumbnails_at([frame], THUMB_HEIGHT)[0][1]), t
    timeline.zoom_to_fit()
    assert len(timeline.thumb_images) > overview  # kept for the next zoom


def test_drag_select_generate_two_takes_and_audition(qtbot, window) -> None:
    w = window
    canvas, y = w.timeline.canvas, RULER_H + 20
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(timeline_x(w, 1.0), y))
    qtbot.mouseMove(canvas, QPoint(timeline_x(w, 1.6), y))
    qtbot.mouseMove(canvas, QPoint(timeline_x(w, 2.0), y))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(timeline_x(w, 2.0), y))
    sel = w.project.selection
    assert not sel.frame and sel.start == pytest.approx(1.0, abs=0.05) and sel.end == pytest.approx(2.0, abs=0.05)
    assert w.playhead == pytest.approx(1.0, abs=0.05)

    generate(qtbot, w, "foley", "im2wav-tiny", takes=2)
    assert [t.take.seed for t in w.project.takes] == [0, 1] and w.errors.shown == []
    rows = [w.takes_panel.list.item(i) for i in range(w.takes_panel.list.count())]
    assert [r.data(Qt.ItemDataRole.UserRole) for r in rows] == [None, *(t.id for t in w.project.takes)]
    assert "2 take(s)" in rows[0].text()

    first, second = (t.id for t in w.project.takes)
    qtbot.mouseClick(w.takes_panel.buttons["Play"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.transport.playing, timeout=10000)
    take = w.project.take(first).take
    assert w.transport.engine.played_samples == len(take.audio)
    assert w.playhead == pytest.approx(take.start + take.duration, abs=0.05)

    w.takes_panel.loop.setChecked(True)
    w.flows.play_take(first)
    w.flows.play_take(second)
    qtbot.mouseClick(w.takes_panel.buttons["A/B"], Qt.MouseButton.LeftButton)
    assert w.transport.playing and w.transport.current.take_id == first
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert not w.transport.playing


def test_accept_undo_redo_edit_save_and_reopen(qtbot, window, catalog, tmp_path) -> None:
    w = window
    _region(w, 1.0, 2.0)
    generate(qtbot, w, "foley", "im2wav-tiny", takes=2)
    second = w.project.takes[1].id
    w.takes_panel.select(second)
    qtbot.mouseClick(w.takes_panel.buttons["Accept"], Qt.MouseButton.LeftButton)
    assert [c.take_id for c in w.project.lane] == [second]
    assert w.actions.undo.text() == f"Undo Accept {w.project.take(second).name}"
    w.actions.undo.trigger()
    assert w.project.lane == [] and w.actions.redo.isEnabled()
    w.actions.redo.trigger()
    assert [c.take_id for c in w.project.lane] == [second]
    w.dialogs.text_value = "gravel steps"
    qtbot.mouseClick(w.takes_panel.buttons["Rename"], Qt.MouseButton.LeftButton)
    assert w.project.take(second).name == "gravel steps" and "*" in w.windowTitle()

    w.dialogs.save_path = str(tmp_path / "take.wav")
    qtbot.mouseClick(w.takes_panel.buttons["Export BWF"], Qt.MouseButton.LeftButton)
    from foley_studio import media

    take = w.project.take(second).take
    fps = w.project.video.fps  # delivered at 48 kHz, placed on the take's frame
    assert media.read_bwf(tmp_path / "take.wav")["bext"]["time_reference"] == \
        round(round(take.start * fps) / fps * 48000)

    w.dialogs.save_path = str(tmp_path / "scene")
    w.save()
    saved = tmp_path / "scene.foley.json"
    assert saved.is_file() and "*" not in w.windowTitle()
    other = make_window(qtbot, catalog)
    other.open_project(saved)
    qtbot.waitUntil(lambda: other.overview is not None, timeout=20000)
    assert [t.name for t in other.project.takes] == [t.name for t in w.project.takes]
    assert other.project.lane == w.project.lane and other.project.selection == w.project.selection
    np.testing.assert_array_equal(other.project.takes[0].take.audio, w.project.takes[0].take.audio)
    other.shutdown()


def test_lane_clips_drag_and_delete_with_undo(qtbot, window) -> None:
    w = window
    _region(w, 1.0, 2.0)
    generate(qtbot, w, "foley", "im2wav-tiny", takes=1)
    w.flows.accept_take(w.project.takes[0].id)
    canvas, start = w.timeline.canvas, 1.0
    lane_y = int(canvas.lane_rect(2).center().y())
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(timeline_x(w, start + 0.2), lane_y))
    qtbot.mouseMove(canvas, QPoint(timeline_x(w, start + 0.4), lane_y))
    qtbot.mouseMove(canvas, QPoint(timeline_x(w, start + 0.7), lane_y))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(timeline_x(w, start + 0.7), lane_y))
    assert w.project.lane[0].start == pytest.approx(start + 0.5, abs=0.03)
    assert w.timeline.selected_clip == w.project.lane[0].id and w.actions.undo.text() == "Undo Move clip"
    w.actions.undo.trigger()
    assert w.project.lane[0].start == start
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(timeline_x(w, start + 0.2), lane_y))
    assert w.timeline.selected_clip == w.project.lane[0].id
    w.flows.remove_selected_clip()
    assert w.project.lane == []
    w.actions.undo.trigger()
    assert [c.start for c in w.project.lane] == [start] and w.errors.shown == []


def test_event_loop_keeps_ticking_while_a_job_runs(qtbot, window) -> None:
    w = window
    w.project.set_selection(w.project.selection or _region(w, 0.5, 2.5))
    ticks = [0]

    def tick() -> None:  # counts only while the worker is generating
        if any(job.state.value == "running" for job in list(w.jobs.jobs)):
            ticks[0] += 1

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    generate(qtbot, w, "foley", "echoes-tiny", takes=2)
    timer.stop()
    assert len(w.project.takes) == 2 and ticks[0] >= 3


def test_cancel_stops_generation_and_the_window_carries_on(qtbot, window, tiny_im2wav, monkeypatch) -> None:
    w = window
    _region(w, 0.0, 3.0)
    started = threading.Event()
    real = tiny_im2wav.generate

    def slow(cond, **kw):
        started.set()
        progress, cancel = kw["progress"], kw["cancel"]
        for i in range(2000):
            progress(i, 2000)
            threading.Event().wait(0.005)
        return real(cond, **kw)

    monkeypatch.setattr(tiny_im2wav, "generate", slow)
    w.generate_panel.set_generator("im2wav-tiny")
    qtbot.mouseClick(w.generate_panel.button, Qt.MouseButton.LeftButton)
    assert started.wait(20)
    qtbot.waitUntil(w.cancel_button.isEnabled, timeout=5000)
    qtbot.mouseClick(w.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cancelled" in w.job_label.text(), timeout=20000)
    assert w.project.takes == [] and w.errors.shown == [] and w.generate_panel.button.isEnabled()


def test_in_out_keys_inpaint_with_before_after(qtbot, window) -> None:
    w = window
    w.seek(1.0)
    qtbot.keyClick(w, Qt.Key.Key_I)
    w.seek(2.0)
    qtbot.keyClick(w, Qt.Key.Key_O)
    assert (w.project.selection.start, w.project.selection.end) == (pytest.approx(1.0), pytest.approx(2.0))
    generate(qtbot, w, "inpaint", "echoes-tiny", takes=1)
    assert w.errors.shown == []
    (item,) = w.project.takes
    assert item.gap == (pytest.approx(1.0), pytest.approx(2.0))
    w.takes_panel.select(item.id)
    w.takes_panel.loop.setChecked(True)
    w.flows.play_take(item.id)
    qtbot.mouseClick(w.takes_panel.buttons["Before/After"], Qt.MouseButton.LeftButton)
    assert w.transport.current.label.endswith("(before)")
    qtbot.mouseClick(w.takes_panel.buttons["Before/After"], Qt.MouseButton.LeftButton)
    assert w.transport.current.label.endswith("(after)")
    w.transport.stop()


def test_sync_guidance_box_reaches_the_sampler(qtbot, window) -> None:
    box = window.generate_panel.sync_guidance
    assert window.generate_panel.options().sampler.sync_guidance == SamplerSettings().sync_guidance
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "6.5")
    assert window.generate_panel.options().sampler.sync_guidance == 6.5


def test_storyboard_strip_and_png_sheet(qtbot, window, tmp_path) -> None:
    w = window
    _region(w, 0.0, 2.0)
    w.generate_panel.image_guidance.setValue(2.5)
    assert w.generate_panel.options().sampler.image_guidance == 2.5
    generate(qtbot, w, "storyboard", "echoes-tiny", takes=2)
    board = w.flows.storyboard_result
    assert w.errors.shown == [] and board.frames.shape[:2] == (2, 2)
    assert w.tabs.currentWidget() is w.storyboard_panel and w.storyboard_panel.export.isEnabled()
    w.dialogs.save_path = str(tmp_path / "board.png")
    qtbot.mouseClick(w.storyboard_panel.export, Qt.MouseButton.LeftButton)
    import cv2

    sheet = cv2.imread(str(tmp_path / "board.png"))
    h, wd = board.frames.shape[2:4]
    assert sheet.shape[0] > 2 * h and sheet.shape[1] > 2 * wd


def test_send_places_the_lane_through_a_recording_osc_peer(qtbot, window, tmp_path) -> None:
    w = window
    _region(w, 1.0, 2.0)
    generate(qtbot, w, "foley", "im2wav-tiny", takes=1)
    w.flows.accept_take(w.project.takes[0].id)
    w.dialogs.save_path = str(tmp_path / "scene.foley.json")  # Send saves an unsaved project first
    peer = RecordingReaper(tmp_path / "spool")
    try:
        panel = w.send_panel
        panel.set_kind("reaper")
        panel.port.setValue(peer.port)
        panel.spool, panel.reply_timeout = str(peer.spool), 10.0
        qtbot.mouseClick(panel.check, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "connected" in panel.status.text() and not w.jobs.busy, timeout=20000)
        assert "not connected" not in panel.status.text()
        assert w.link_label.text().startswith("REAPER") and "not connected" not in w.link_label.text()
        qtbot.mouseClick(panel.send, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not w.jobs.busy and "track" in panel.log.toPlainText(), timeout=20000)
    finally:
        peer.close()
    assert w.errors.shown == []
    assert any(address == "/action/_FOLEY_STUDIO_BRIDGE" for address, _ in peer.received)
    placed = [job for job in peer.jobs if job["op"] == "place"]
    assert len(placed) == 1 and placed[0]["position"] == pytest.approx(1.0)
    assert Path(placed[0]["path"]).is_file() and placed[0]["track"] == "Foley"
    assert Path(placed[0]["path"]).parent == tmp_path / "scene Media" and w.project_path is not None


def test_lost_connection_shows_a_dialog_not_a_crash(qtbot, window, tmp_path) -> None:
    w = window
    w.dialogs.save_path = str(tmp_path / "scene.foley.json")
    _region(w, 1.0, 2.0)
    generate(qtbot, w, "foley", "im2wav-tiny", takes=1)
    w.flows.accept_take(w.project.takes[0].id)
    w.send_panel.set_kind("reaper")
    w.send_panel.port.setValue(_free_port())
    w.send_panel.reply_timeout = 0.5
    qtbot.mouseClick(w.send_panel.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(w.errors.shown) == 1, timeout=20000)
    assert "REAPER is not running" in w.errors.shown[0][1] and w.isVisible()  # nothing listens there
    assert "not connected" in w.link_label.text()


def test_the_window_is_settled_only_once_it_has_handled_a_jobs_outcome(qtbot, window) -> None:
    import time

    w, done = window, []
    w.submit("quick", lambda progress, cancel: 42, done.append)
    deadline = time.monotonic() + 20
    while w.jobs.busy and time.monotonic() < deadline:  # no Qt events run here: the end is queued
        time.sleep(0.01)
    assert not w.jobs.busy and not w.settled and done == []
    qtbot.waitUntil(lambda: w.settled, timeout=20000)
    assert done == [42]


def test_errors_become_dialogs_and_the_app_keeps_running(qtbot, window, tmp_path) -> None:
    w = window
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    w.open_video(str(bad))
    qtbot.waitUntil(lambda: len(w.errors.shown) == 1, timeout=10000)
    assert str(bad) in w.errors.shown[0][1]
    _region(w, 1.0, 2.0)
    generate(qtbot, w, "inpaint", "im2wav-tiny", takes=1)
    assert "cannot inpaint" in w.errors.shown[-1][1]
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        w.errors.excepthook(RuntimeError, exc, exc.__traceback__)
    assert w.errors.shown[-1][0].endswith("unexpected error") and "boom" in w.errors.shown[-1][1]
    w.flows.ab()
    assert "A/B needs two takes" in w.errors.shown[-1][1] and w.isVisible()


def test_autosave_is_offered_after_a_crash(qtbot, window, catalog) -> None:
    w = window
    _region(w, 1.0, 2.0)
    generate(qtbot, w, "foley", "im2wav-tiny", takes=1)
    w.autosave_now()
    fresh = make_window(qtbot, catalog)
    assert fresh.offer_recovery() is None  # w still runs: its autosave is its own
    from helpers_app import abandon

    abandon(w.autosaves)
    assert fresh.offer_recovery() is not None
    assert "Recover unsaved work?" in fresh.dialogs.asked
    qtbot.waitUntil(lambda: fresh.overview is not None, timeout=20000)
    assert [t.id for t in fresh.project.takes] == [t.id for t in w.project.takes]
    fresh.shutdown()
    assert autosave.pending_recoveries() == []


def _region(w: MainWindow, start: float, end: float):
    from ui.model.selection import Selection

    w.project.set_selection(Selection(start, end))
    return w.project.selection


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RecordingReaper:
    """A python-osc server standing in for REAPER and its companion script.

    It records every OSC message; on the script's action it answers each spooled job the way
    the companion script does (a JSON reply in ``replies/``).
    """

    def __init__(self, spool: Path) -> None:
        from pythonosc.dispatcher import Dispatcher
        from pythonosc.osc_server import ThreadingOSCUDPServer

        self.spool = spool
        self.received: list[tuple[str, tuple]] = []
        self.jobs: list[dict] = []
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._on_message)
        self.server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _on_message(self, address: str, *args) -> None:
        self.received.append((address, args))
        if address.startswith("/action"):
            for request in sorted((self.spool / "requests").glob("*.json")):
                self._answer(json.loads(request.read_text()))

    def _answer(self, job: dict) -> None:
        reply = self.spool / "replies" / f"{job['id']}.json"
        if reply.exists() or any(j["id"] == job["id"] for j in self.jobs):
            return
        self.jobs.append(job)
        body = {"id": job["id"], "ok": True, "version": "7.0-standin", "script": "3",
                "time_offset": 0.0}
        if job["op"] == "place":  # what script version 3 reports: the item as REAPER holds it
            import soundfile

            body.update(position=job["position"], length=soundfile.info(job["path"]).duration,
                        track_index=0, track_name=job["track"], name=job["name"], path=job["path"],
                        timebase=0)
        tmp = reply.with_suffix(".part")
        tmp.write_text(json.dumps(body))
        os.replace(tmp, reply)


def test_drop_recent_files_and_preferences(qtbot, catalog, world_clip, null_audio) -> None:
    from PyQt6.QtCore import QMimeData, QPointF, QUrl
    from PyQt6.QtGui import QDropEvent

    from ui.model.settings import load_settings
    from ui.qt.actions import apply_preferences
    from ui.qt.qt_preferences import QtPreferences

    w = make_window(qtbot, catalog)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(world_clip))])
    w.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                           Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: w.project.video is not None, timeout=20000)
    assert w.settings.recent_files == [str(world_clip.resolve())]
    recent = w.actions.recent_menu.actions()
    assert [a.text() for a in recent] == [world_clip.name]
    w.project.set_video(None)
    recent[0].trigger()
    qtbot.waitUntil(lambda: w.project.video is not None, timeout=20000)

    dialog = QtPreferences(w.settings, w)
    dialog.editors["takes"].setValue(6)
    dialog.editors["autosave_seconds"].setValue(30)
    apply_preferences(w, dialog.result_settings())
    assert w.settings.takes == 6 and w.autosave_timer.interval() == 30000
    w.shutdown()
    assert load_settings().takes == 6


def test_a_preset_with_values_per_generator_follows_the_picked_generator(qtbot, window) -> None:
    panel = window.generate_panel
    tight = panel.preset.findText("Tight to picture")
    panel.set_generator("echoes-tiny")
    panel.preset.setCurrentIndex(tight)
    panel.preset.activated.emit(tight)
    assert (panel.guidance.value(), panel.temperature.value()) == (3.0, 1.0)
    index = panel.generator.findData("im2wav-tiny")
    panel.generator.setCurrentIndex(index)
    panel.generator.activated.emit(index)  # as when the user picks it
    assert (panel.guidance.value(), panel.temperature.value()) == (8.0, 1.0)
    assert window.catalog.kind_of("im2wav-tiny") == "im2wav" and window.catalog.kind_of("nope") == ""


def test_app_starts_and_quits_offscreen(world_clip, tmp_path) -> None:
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FOLEY_STUDIO_CONFIG": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "ui", "--smoke", str(world_clip)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Foley Studio ready" in result.stdout and "Traceback" not in result.stderr
    (tmp_path / "settings.json").write_text("{damaged")
    result = subprocess.run([sys.executable, "-m", "ui", "--smoke"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1 and "settings.json is damaged" in result.stderr
    assert "Foley Studio ready" in result.stdout
