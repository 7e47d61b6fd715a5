"""Playback control on the GUI side: what plays, the 16 ms poll, A/B and before/after.

The :class:`~ui.services.playback.PlaybackEngine` copies samples on the audio thread; this
controller pumps its ring buffer and reads its position on a ~16 ms timer, and moves the
playhead (take start + position) while a take or the timeline plays.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from ui.services.playback import PlaybackEngine

POLL_MS = 16


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
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)

    def play(self, playing: Playing, offset: float = 0.0) -> None:
        """Start ``playing`` from ``offset`` seconds into it."""
        self.engine.play(playing.audio, playing.rate, loop=self.loop, start=offset)
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
        self.current = None
        self.state_changed.emit("")

    def set_loop(self, loop: bool) -> None:
        """Loop what plays from now on (and what is playing)."""
        self.loop = loop
        self.engine.loop = loop

    @property
    def playing(self) -> bool:
        """Whether something sounds."""
        return self.current is not None and self.engine.playing

    def _poll(self) -> None:
        self.engine.pump()
        if self.current is None:
            return
        self.playhead_moved.emit(self.current.start + self.engine.position * self.current.speed)
        if not self.engine.playing:
            self.timer.stop()
            self.current = None
            self.state_changed.emit("")
