"""Editing the lanes from the window: hits drawn, dragged, nudged and deleted on the sync lane,
hits detected from the picture, tapped along with playback or voiced, and lane mute/solo.

:class:`SyncEditor` turns the timeline's requests and the Sync menu into undoable
:class:`~ui.model.commands.EditLane` steps; every hit lands on a frame boundary. Long work
(detection, voice analysis, recording) runs as a job with progress; tapping plays the region
through the transport in a small window that counts the taps.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QKeyEvent, QKeySequence
from PyQt6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from foley_studio.errors import ConfigError
from foley_studio.sync import SyncTrack
from ui.model import commands
from ui.model.lanes import Lane, with_hit, with_hit_moved, without_hit
from ui.qt.errors import guarded_slot
from ui.qt.qt_transport import Playing
from ui.services import sync_hits


WAV_FILTER = "Sound (*.wav *.flac *.aiff *.ogg);;All files (*)"


_guarded = guarded_slot


class SyncEditor:
    """The window's lane edits; connects itself to the timeline's requests."""

    def __init__(self, window: Any) -> None:  # the main window
        self.w = window
        self.tap_window: Optional[TapWindow] = None
        t = window.timeline
        t.hit_added.connect(self.add_hit)
        t.hit_moved.connect(self.move_hit)
        t.hit_removed.connect(self.remove_hit)
        t.lane_toggled.connect(self.toggle_lane)
        window.takes_panel.original_requested.connect(self.conformed_or_original)

    @property
    def fps(self) -> float:
        """The video's frame rate (25 before one is open)."""
        return self.w.project.video.fps if self.w.project.video else 25.0

    # -- drawn hits ---------------------------------------------------------------------------
    @_guarded
    def add_hit(self, lane_id: str, time: float) -> None:
        """A full-strength hit at ``time`` (on its nearest frame boundary)."""
        lane = self.w.project.lane_by_id(lane_id)
        time = self.w.timeline.snap(time)
        self._push(lane.with_changes(sync=with_hit(lane.sync, time)), f"Add hit at {self.tc(time)}")
        self.w.timeline.selected_hit = (lane_id, time)

    @_guarded
    def add_hit_at_playhead(self) -> None:
        """M: a hit on the sync lane at the playhead."""
        self.add_hit(self._sync_lane().id, self.w.playhead)

    @_guarded
    def move_hit(self, lane_id: str, old: float, new: float, gesture: int = 0) -> None:
        """Move a hit (one undo step per drag); refused onto another hit."""
        lane = self.w.project.lane_by_id(lane_id)
        new = self.w.timeline.snap(new)
        if any(abs(h - new) < 1e-9 for h in lane.sync.times):
            return  # dragged across another hit: it stays where it was until the mouse moves on
        self._push(lane.with_changes(sync=with_hit_moved(lane.sync, old, new)), "Move hit", gesture)
        self.w.timeline.selected_hit = (lane_id, new)

    @_guarded
    def nudge(self, frames: int) -> None:
        """Move the selected hit by ``frames`` frames (, and . or Alt+← and Alt+→)."""
        lane_id, time = self._selected()
        target = self.w.timeline.snap(time + frames / self.fps)
        if abs(target - time) < 1e-9:
            raise ConfigError("The hit is already at the edge of the clip.")
        lane = self.w.project.lane_by_id(lane_id)
        if target in lane.sync.times:
            raise ConfigError(f"There is already a hit at {self.tc(target)}; delete one of them.")
        self._push(lane.with_changes(sync=with_hit_moved(lane.sync, time, target)), "Nudge hit")
        self.w.timeline.selected_hit = (lane_id, target)

    @_guarded
    def remove_hit(self, lane_id: str, time: float) -> None:
        """Delete a hit (Delete or Backspace on the timeline)."""
        lane = self.w.project.lane_by_id(lane_id)
        self._push(lane.with_changes(sync=without_hit(lane.sync, time)), f"Delete hit at {self.tc(time)}")

    @_guarded
    def remove_selected_hit(self) -> None:
        """Delete the hit selected on the timeline."""
        self.remove_hit(*self._selected())

    @_guarded
    def clear_region(self) -> None:
        """Delete every hit in the selected region."""
        start, end = sync_hits.region_of(self.w.project)
        self.apply(SyncTrack(source=self._sync_lane().sync.source), start, end, "Clear hits")

    @_guarded
    def toggle_lane(self, lane_id: str, key: str) -> None:
        """Flip an audio lane's mute or solo."""
        lane = self.w.project.lane_by_id(lane_id)
        on = not getattr(lane, key)
        verb = {"mute": ("Mute", "Unmute"), "solo": ("Solo", "Unsolo")}[key][0 if on else 1]
        self._push(lane.with_changes(**{key: on}), f"{verb} {lane.name}")

    # -- hits from the picture, taps and voice -------------------------------------------------
    @_guarded
    def detect(self) -> None:
        """Find hits in the selected region of the picture (a job with progress)."""
        start, end = sync_hits.region_of(self.w.project)
        fn = sync_hits.detect_job(self.w.project)
        self.w.submit("Detect hits from picture", fn,
                      lambda track: self.apply(track, start, end, "Detect hits"))

    @_guarded
    def tap(self, speed: float = 1.0) -> None:
        """Play the region at ``speed`` and turn each key tap into a hit."""
        start, end = sync_hits.region_of(self.w.project)
        overview = self.w.overview
        if overview is None:
            raise ConfigError("Open a video first (File ▸ Open Video).")
        from ui.services.media import AUDIO_RATE

        soundtrack = overview.audio if overview.audio is not None else \
            np.zeros(int(overview.duration * AUDIO_RATE), np.float32)  # (S,)
        audio = sync_hits.tap_audio(self.w.project, soundtrack, AUDIO_RATE, start, end, speed)
        self.tap_window = TapWindow(self, Playing("Tapping hits", audio, AUDIO_RATE, start, speed=speed),
                                    end)
        self.tap_window.begin()

    @_guarded
    def voice_from_file(self, path: Optional[str] = None) -> None:
        """Hits and envelope from a recorded vocal imitation that starts at the region's in point."""
        start, end = sync_hits.region_of(self.w.project)
        path = path or self.w.dialogs.open_file("Import a vocal imitation", WAV_FILTER)
        if path:
            self.w.submit("Voice hits", sync_hits.voice_file_job(path, start),
                          lambda track: self.apply(track, start, end, "Voice hits"))

    @_guarded
    def record_voice(self) -> None:
        """Record a vocal imitation over the region while its picture plays (no sound plays, so
        the microphone hears only the voice)."""
        start, end = sync_hits.region_of(self.w.project)
        from ui.services.media import AUDIO_RATE

        job = sync_hits.record_job(end - start, start)
        self.w.submit("Record voice hits", job, lambda track: self.apply(track, start, end, "Voice hits"))
        silence = np.zeros(int(round((end - start) * AUDIO_RATE)), np.float32)  # (S,) moves the picture
        self.w.transport.play(Playing("Recording voice", silence, AUDIO_RATE, start))

    @_guarded
    def conformed_or_original(self, take_id: str) -> None:
        """Switch between a conformed take and its audio as generated, at the same position."""
        item = self.w.project.take(take_id)
        t = item.take
        if t.unconformed is None:
            raise ConfigError(f"{item.name} was not conformed to sync hits, so it has no "
                              "original to compare with.")
        current = self.w.transport.current
        if current is not None and current.label == f"{item.name} (original)":
            playing = Playing(f"{item.name} (conformed)", t.audio, t.sample_rate, t.start, take_id)
        else:
            playing = Playing(f"{item.name} (original)", t.unconformed, t.sample_rate, t.start, take_id)
        self.w.transport.swap(playing)

    def apply(self, track: SyncTrack, start: float, end: float, text: str) -> None:
        """Lay ``track``'s hits over the region of the sync lane (one undo step)."""
        lane = sync_hits.lane_with_region(self.w.project, track, start, end)
        self._push(lane, text)
        found = len(lane.sync.within(start, end).hits)
        self.w.job_label.setText(f"{text}: {found} hit{'s' if found != 1 else ''} in "
                                 f"{self.tc(start)} – {self.tc(end)}")

    # -- helpers ----------------------------------------------------------------------------------
    def _push(self, lane: Lane, text: str, gesture: int = 0) -> None:
        self.w.history.push(commands.EditLane(self.w.project, lane, text, gesture))

    def _sync_lane(self) -> Lane:
        lane = self.w.project.sync_lane()
        if lane is None:
            raise ConfigError("The project has no sync lane; add one first.")
        return lane

    def _selected(self) -> tuple[str, float]:
        if self.w.timeline.selected_hit is None:
            raise ConfigError("No hit is selected; click a hit on the sync lane first.")
        return self.w.timeline.selected_hit

    def tc(self, t: float) -> str:
        """The timecode of ``t``, labelled from the project's start timecode."""
        return self.w.project.clock.label(t)


class TapWindow(QDialog):
    """Plays the region and counts a tap for every key press; Done lays the taps on the lane.

    Escape cancels; Return finishes; every other key is a tap (auto-repeat is ignored). The
    taps are playback positions, corrected for the output latency the stream reports.
    """

    def __init__(self, editor: SyncEditor, playing: Playing, end: float) -> None:
        super().__init__(editor.w)
        self.editor, self.playing, self.end = editor, playing, end
        self.taps: list[float] = []
        self.latency = 0.0
        self.setWindowTitle("Tap hits")
        self.setModal(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        speed = sync_hits.SPEEDS[playing.speed]
        tc = editor.tc
        self.info = QLabel(f"Tap any key on each hit while {tc(playing.start)} – {tc(end)} plays "
                           f"at {speed}.\nReturn keeps the taps, Escape cancels.")
        self.count = QLabel("0 taps")
        buttons = QHBoxLayout()
        for label, slot in (("Again", self.begin), ("Done", self.finish), ("Cancel", self.reject)):
            button = QPushButton(label)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys are taps, never button presses
            button.clicked.connect(slot)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.count)
        layout.addLayout(buttons)
        self.rejected.connect(self._stop)

    def begin(self) -> None:
        """Play the region from its start and forget earlier taps."""
        self.taps = []
        self.count.setText("0 taps")
        transport = self.editor.w.transport
        transport.play(self.playing)
        self.latency = transport.engine.output_latency
        self.show()
        self.activateWindow()
        self.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
        elif event.key() == Qt.Key.Key_Escape:
            self.reject()
        elif not event.isAutoRepeat():
            self.taps.append(self.editor.w.transport.engine.position)
            self.count.setText(f"{len(self.taps)} tap{'s' if len(self.taps) != 1 else ''}")

    def finish(self) -> None:
        """Stop playing and lay the taps over the region as hits (one undo step)."""
        self._stop()
        track = sync_hits.hits_from_taps(self.taps, self.playing.speed, self.latency,
                                         self.playing.start, self.end)
        self.editor.w.guarded(self.editor.apply, track, self.playing.start, self.end, "Tap hits")
        self.accept()

    def _stop(self) -> None:
        self.editor.w.transport.stop()


def build_sync_menu(a: Any, bar) -> None:  # a: the window's actions
    """The Sync menu: hit editing keys and the ways to make hits."""
    s = a.w.sync
    menu = bar.addMenu("S&ync")
    a.add(menu, "Add Hit at Playhead", s.add_hit_at_playhead, "M")
    earlier = a.add(menu, "Nudge Hit One Frame Earlier", lambda: s.nudge(-1), ",")
    later = a.add(menu, "Nudge Hit One Frame Later", lambda: s.nudge(1), ".")
    earlier.setShortcuts([QKeySequence(","), QKeySequence("Alt+Left")])
    later.setShortcuts([QKeySequence("."), QKeySequence("Alt+Right")])
    a.add(menu, "Delete Hit (Delete on the Timeline)", s.remove_selected_hit)
    a.add(menu, "Clear Hits in Selection", s.clear_region)
    menu.addSeparator()
    a.add(menu, "Detect Hits from Picture", s.detect)
    a.add(menu, "Tap Hits (Real Time)…", lambda: s.tap(1.0))
    a.add(menu, "Tap Hits (Half Speed)…", lambda: s.tap(0.5))
    a.add(menu, "Record Voice Hits", s.record_voice)
    a.add(menu, "Voice Hits from a Recording…", s.voice_from_file)
