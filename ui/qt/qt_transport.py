"""Playback control on the GUI side: what plays, the 16 ms poll, A/B, before/after, the J/K/L
shuttle and the typed-timecode field.

The :class:`~ui.services.playback.PlaybackEngine` copies samples on the audio thread; this
controller pumps its ring buffer and reads its position on a ~16 ms timer, and moves the
playhead (take start + position) while a take or the timeline plays.

Shuttling forward at 2× or 4× plays the timeline's sound sped up (pitched up, as tape does);
shuttling backwards moves the playhead back through the picture at the shuttle speed with the
sound muted, since the engine plays sources forwards only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from PyQt6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QFocusEvent, QKeyEvent
from PyQt6.QtWidgets import QLabel, QLineEdit

from foley_studio.errors import FoleyStudioError, SelectionError
from foley_studio.timeline import Clock, frame_index
from ui.model.selection import last_frame
from ui.services.playback import PlaybackEngine

POLL_MS = 16
SHUTTLE_SPEEDS = (1, 2, 4)
"""Shuttle speeds, in times real time: each further J or L press steps up one."""


def next_shuttle_speed(current: int, direction: int) -> int:
    """The signed speed after pressing L (``direction`` 1) or J (-1) while shuttling at
    ``current`` (0 when stopped): the same direction speeds up to 4×, the other starts at 1×."""
    if current * direction <= 0:
        return direction
    faster = [s for s in SHUTTLE_SPEEDS if s > abs(current)]
    return direction * (faster[0] if faster else SHUTTLE_SPEEDS[-1])


@dataclass
class Playing:
    """What is sounding: ``label`` names it, ``start`` is where sample 0 sits on the timeline;
    ``speed`` is timeline seconds per second of ``audio`` (0.5: slowed to half speed)."""

    label: str
    audio: np.ndarray  # (S,)
    rate: int
    start: float
    take_id: Optional[str] = None
    speed: float = 1.0


class Transport(QObject):
    """Plays takes, their originals, or the timeline; emits the playhead while playing."""

    playhead_moved = pyqtSignal(float)
    state_changed = pyqtSignal(str)  # "" when stopped, else the label of what plays

    def __init__(self, engine: PlaybackEngine, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.loop = False
        self.current: Optional[Playing] = None
        self.recent: list[str] = []  # the last two takes played, for A/B
        self.shuttle_speed = 0  # signed times real time while J/L shuttle, else 0
        self._back: Optional[float] = None  # where a backward shuttle began, in seconds
        self._clock = QElapsedTimer()
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)

    def play(self, playing: Playing, offset: float = 0.0, loop: Optional[bool] = None) -> None:
        """Start ``playing`` from ``offset`` seconds into it (looping as set, unless ``loop``)."""
        self.engine.play(playing.audio, playing.rate, loop=self.loop if loop is None else loop,
                         start=offset)
        self._back, self.shuttle_speed = None, 0
        self.current = playing
        if playing.take_id and playing.take_id not in self.recent[-1:]:
            self.recent = [*self.recent, playing.take_id][-2:]
        self.timer.start()
        self.state_changed.emit(playing.label)

    def swap(self, playing: Playing) -> None:
        """Carry on from the same position in another source (A/B, before/after)."""
        if self.current is None or not self.engine.playing or playing.rate != self.current.rate:
            self.play(playing)
            return
        self.engine.swap(playing.audio)
        self.current = playing
        self.state_changed.emit(playing.label)

    def stop(self) -> None:
        """Stop playback."""
        self.engine.stop()
        self.timer.stop()
        self.current, self._back, self.shuttle_speed = None, None, 0
        self.state_changed.emit("")

    def shuttle_forward(self, source: Playing, at: float, speed: int) -> None:
        """Play ``source`` from timeline time ``at`` at ``speed`` times real time; above 1×
        the sound is band-limited and sped up (pitched up, as a tape shuttle sounds)."""
        first = max(int(round((at - source.start) * source.rate)), 0)
        audio = source.audio[first:]  # (S,)
        if speed != 1:
            from foley_studio.media import resample

            audio = resample(audio, source.rate * speed, source.rate)  # (S / speed,)
        label = f"{source.label} ▶ {speed}×"
        self.play(Playing(label, audio, source.rate, at, speed=float(speed)), loop=False)
        self.shuttle_speed = speed

    def shuttle_back(self, at: float, speed: int) -> None:
        """Move the playhead backwards from ``at`` at ``speed`` times real time, picture only
        (the sound is muted: sources play forwards only)."""
        self.engine.stop()
        self.current, self._back, self.shuttle_speed = None, at, -speed
        self._clock.start()
        self.timer.start()
        self.state_changed.emit(f"◀ {speed}× backwards (picture only, sound muted)")

    def set_loop(self, loop: bool) -> None:
        """Loop what plays from now on (and what is playing)."""
        self.loop = loop
        self.engine.loop = loop

    @property
    def playing(self) -> bool:
        """Whether something sounds."""
        return self._back is not None or (self.current is not None and self.engine.playing)

    def _poll(self) -> None:
        if self._back is not None:
            self._poll_back()
            return
        self.engine.pump()
        if self.current is None:
            return
        self.playhead_moved.emit(self.current.start + self.engine.position * self.current.speed)
        if not self.engine.playing:
            self.timer.stop()
            self.current, self.shuttle_speed = None, 0
            self.state_changed.emit("")

    def _poll_back(self) -> None:
        t = self._back + self.shuttle_speed * self._clock.elapsed() / 1000.0
        self.playhead_moved.emit(max(t, 0.0))
        if t <= 0.0:
            self.stop()


class TimecodeField(QLineEdit):
    """The playhead's timecode, and where to type one: ``01:02:03:04`` (read as drop-frame at
    29.97 and 59.94, like the label shown), ``01:02:03;04``, ``01:02:03.5`` seconds, or ``+12`` /
    ``-3`` frames from the playhead; Enter goes there (:attr:`seek_requested`), Escape puts the
    playhead's timecode back. Text that names no frame of the video is refused: :attr:`message`
    says why and the field keeps focus."""

    seek_requested = pyqtSignal(float)
    finished = pyqtSignal()  # the user is done with the field (Enter on a good time, or Escape)

    def __init__(self, parent=None) -> None:
        super().__init__("00:00:00:00", parent)
        self.clock, self.duration, self.time = Clock(25.0), 0.0, 0.0
        self.message = QLabel("")
        self.message.setObjectName("error")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # never focused by Tab or at start
        self.setToolTip("Playhead timecode: type 01:02:03:04 (or ;04 drop-frame), 01:02:03.5 or "
                        "+/- frames and press Enter (Ctrl+G)")
        self.returnPressed.connect(self._commit)

    def show_time(self, t: float, clock: Clock, duration: float) -> None:
        """Show the playhead at ``t``, labelled by the project's ``clock`` (not while the user
        is typing)."""
        self.clock, self.time, self.duration = clock, t, duration
        if not self.hasFocus():
            self.setText(clock.label(t))

    def target(self, text: str) -> float:
        """Seconds at the start of the frame ``text`` names; :class:`SelectionError` when it
        is not a timecode or an offset, or lies outside the video."""
        text, fps = text.strip(), self.clock.fps
        if text[:1] in "+-" and text[1:].isdigit():
            frame = frame_index(self.time, fps) + int(text)
        else:
            frame = frame_index(self.clock.seconds(text), fps)
        last = last_frame(self.duration, fps)
        if not 0 <= frame <= last:
            raise SelectionError(f"{text!r} is outside the video, which runs "
                                 f"{self.clock.label(0.0)} – {self.clock.label(last / fps)}; "
                                 "type a time inside it.")
        return frame / fps

    def _commit(self) -> None:
        try:
            t = self.target(self.text())
        except FoleyStudioError as exc:
            self._say(str(exc))
            self.setFocus()
            self.selectAll()
            return
        self._say("")
        self.clearFocus()
        self.seek_requested.emit(t)
        self.setText(self.clock.label(self.time))
        self.finished.emit()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def event(self, event: QEvent) -> bool:
        """Escape belongs to the field while it has focus (not to Clear Selection)."""
        if event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Escape:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            self.clearFocus()
            self.finished.emit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        """Leaving the field drops what was typed: it shows the playhead again."""
        super().focusOutEvent(event)
        self._say("")
        self.setText(self.clock.label(self.time))
