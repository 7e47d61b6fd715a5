"""Hits made in the real window: detected from the picture (a job with progress), tapped along
with playback at real time and half speed (real key events), voiced from a recording; each
replaces the region's hits on the sync lane in one undo step."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PyQt6.QtCore import Qt

from foley_studio.errors import MediaError
from foley_studio.timeline import snap_to_frame
from ui.model.selection import Selection
from ui.qt.main_window import MainWindow

pytestmark = pytest.mark.qt


def idle(qtbot, w: MainWindow) -> None:
    qtbot.waitUntil(lambda: w.settled, timeout=60000)  # the outcome handled, not just the job gone


def hits(w: MainWindow) -> list[float]:
    return w.project.sync_lane().sync.times


def bursts(times: list[float], rate: int, seconds: float) -> np.ndarray:
    """A vocal imitation stand-in: short decaying noise bursts ("tk") at ``times``."""
    rng = np.random.default_rng(0)
    out = rng.normal(0, 0.002, int(seconds * rate)).astype(np.float32)  # (S,) room noise
    n = int(0.06 * rate)
    for t in times:
        i = int(t * rate)
        out[i:i + n] += (rng.normal(0, 0.5, n) * np.exp(-np.arange(n) / (0.012 * rate))).astype(np.float32)
    return out


def test_detect_hits_from_the_picture_runs_as_a_job(qtbot, studio) -> None:
    from foley_studio.data import render_clip

    w = studio
    w.project.set_selection(Selection(0.0, 2.0))
    w.seek(3.0)
    qtbot.keyClick(w, Qt.Key.Key_M)  # a drawn hit outside the region stays
    progress = []
    w.jobs.job_changed.connect(lambda job: progress.append(job.progress))
    w.sync.detect()
    idle(qtbot, w)
    detected = [t for t in hits(w) if t < 2.0]
    steps = [e.time for e in render_clip(3, seconds=4.0).events if e.time < 2.0]
    assert hits(w)[-1] == 3.0 and w.project.sync_lane().sync.source == "detected"
    fps = w.project.video.fps
    for step in steps:  # every footstep in the region has a hit within a frame
        assert min(abs(t - step) for t in detected) <= 1 / fps + 1e-9
    assert all(abs(t * fps - round(t * fps)) < 1e-6 for t in detected)
    assert max(progress) == 1.0 and any(0 < p < 1 for p in progress)
    assert w.actions.undo.text() == "Undo Detect hits" and "hits in" in w.job_label.text()
    w.actions.undo.trigger()
    assert hits(w) == [3.0]


class ClockedStream:
    """An output stream on a clock the test turns: ``advance(seconds)`` plays that much in
    10-ms callbacks; it reports a fixed output latency, as sounddevice's streams do."""

    latency = 0.040

    def __init__(self, callback, samplerate, **kwargs) -> None:
        self.callback, self.rate, self.active = callback, samplerate, False
        self.engine = None

    def start(self) -> None:
        self.active = True

    def stop(self) -> None:
        self.active = False

    close = stop

    def advance(self, seconds: float) -> None:
        block = self.rate // 100
        for _ in range(int(round(seconds * 100))):
            self.engine.pump()
            self.callback(np.empty((block, 1), np.float32), block, None, None)


@pytest.fixture
def clocked(open_studio):
    """A window whose audio output runs on the test's clock."""
    from ui.services.playback import PlaybackEngine

    streams: list[ClockedStream] = []
    w = open_studio(PlaybackEngine(stream_factory=lambda **kw: streams.append(ClockedStream(**kw)) or streams[-1]))
    w.streams = streams
    return w


@pytest.mark.parametrize("speed", [1.0, 0.5])
def test_taps_along_with_playback_become_hits_corrected_for_latency(qtbot, clocked, speed) -> None:
    w = clocked
    start, end = 0.8, 3.6
    w.project.set_selection(Selection(start, end))
    w.sync.tap(speed)
    tapper, stream = w.sync.tap_window, w.streams[-1]
    stream.engine = w.transport.engine
    assert tapper.isVisible() and w.transport.playing and tapper.latency == ClockedStream.latency
    for key in (Qt.Key.Key_T, Qt.Key.Key_Space, Qt.Key.Key_T):
        stream.advance(0.6)
        qtbot.keyClick(tapper, key)
    assert tapper.count.text() == "3 taps" and tapper.taps == pytest.approx([0.6, 1.2, 1.8])
    qtbot.waitUntil(lambda: w.playhead > start)
    assert w.playhead == pytest.approx(start + 1.8 * speed, abs=0.05)  # the picture runs at the tapping speed
    qtbot.keyClick(tapper, Qt.Key.Key_Return)
    assert not tapper.isVisible() and not w.transport.playing
    fps = w.project.video.fps
    heard = [start + (t - ClockedStream.latency) * speed for t in (0.6, 1.2, 1.8)]
    assert hits(w) == pytest.approx([snap_to_frame(t, fps) for t in heard])
    assert w.project.sync_lane().sync.source == "performed" and w.actions.undo.text() == "Undo Tap hits"


def test_escape_cancels_tapping_and_keeps_the_lane(qtbot, clocked) -> None:
    w = clocked
    w.project.set_selection(Selection(0.5, 2.5))
    w.sync.tap(1.0)
    qtbot.keyClick(w.sync.tap_window, Qt.Key.Key_T)
    qtbot.keyClick(w.sync.tap_window, Qt.Key.Key_Escape)
    assert hits(w) == [] and not w.transport.playing and not w.history.can_undo


def test_voice_hits_from_a_recording(qtbot, studio, tmp_path: Path) -> None:
    w = studio
    wav = tmp_path / "tk-tk-boom.wav"
    sf.write(wav, bursts([0.3, 0.9, 1.6], 48000, 2.0), 48000)
    w.project.set_selection(Selection(1.0, 3.0))
    w.sync.voice_from_file(str(wav))
    idle(qtbot, w)
    fps = w.project.video.fps
    assert len(hits(w)) == 3
    for got, want in zip(hits(w), (1.3, 1.9, 2.6)):
        assert abs(got - want) <= 1.5 / fps
    sync = w.project.sync_lane().sync
    assert sync.source == "voiced" and sync.envelope is not None and sync.envelope.start == pytest.approx(1.0)


def test_recorded_voice_becomes_hits_and_a_missing_microphone_is_a_message(qtbot, studio,
                                                                            monkeypatch) -> None:
    from foley_studio.syncing import performed

    w = studio
    asked = []

    def microphone(seconds, sample_rate=48000, *, device=None):  # stands in for the sound card
        asked.append(seconds)
        return bursts([0.2, 1.1], sample_rate, seconds)

    monkeypatch.setattr(performed, "record_voice", microphone)
    w.project.set_selection(Selection(2.0, 3.5))
    w.sync.record_voice()
    assert w.transport.playing  # the picture runs while the voice is recorded
    idle(qtbot, w)
    assert asked == [pytest.approx(1.5)] and len(hits(w)) == 2 and abs(hits(w)[0] - 2.2) <= 0.05

    def unplugged(seconds, sample_rate=48000, *, device=None):
        raise MediaError("No microphone could be opened; connect one.")

    monkeypatch.setattr(performed, "record_voice", unplugged)
    w.sync.record_voice()
    qtbot.waitUntil(lambda: bool(w.errors.shown), timeout=20000)
    qtbot.wait(100)
    assert len(w.errors.shown) == 1  # one dialog per failed job
    assert "No microphone" in str(w.errors.shown[-1]) and len(hits(w)) == 2


def test_hits_need_a_region_not_a_frame(qtbot, studio) -> None:
    w = studio
    w.project.set_selection(Selection.at_frame(1.0, w.project.video.fps, w.project.video.duration))
    w.sync.detect()
    assert "region, not one frame" in str(w.errors.shown[-1]) and not w.jobs.busy
