"""The video preview: the frame under the playhead, scaled to fit, with the transport buttons
and the timecode field (type a timecode there to go to it)."""
from __future__ import annotations

from typing import Optional

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QPixmap, QResizeEvent
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from foley_studio.timeline import Clock
from ui.qt.qt_timeline import to_qimage
from ui.qt.qt_transport import TimecodeField


class QtPreview(QWidget):
    """Shows frames handed to :meth:`show_frame`; knows nothing about decoding."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.picture = QLabel("Open a video  ·  File ▸ Open Video  ·  or drop a file here")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(320, 180)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setStyleSheet("background: #0c0c0e; color: #6b707b;")
        self.timecode = TimecodeField()
        self.timecode.setObjectName("timecode")
        self.timecode.setFixedWidth(200)
        self.bar = QHBoxLayout()
        self.bar.setContentsMargins(8, 4, 8, 4)
        self.bar.addStretch(1)
        self.bar.addWidget(self.timecode)
        self.bar.addStretch(1)
        layout_message = QHBoxLayout()
        layout_message.setContentsMargins(8, 0, 8, 4)
        layout_message.addWidget(self.timecode.message, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picture, 1)
        layout.addLayout(self.bar)
        layout.addLayout(layout_message)
        self._pixmap: Optional[QPixmap] = None
        self.shown_time: Optional[float] = None

    def add_button(self, text: str, tip: str, slot, left: bool = True) -> QToolButton:
        """A transport button beside the timecode (left or right of it)."""
        button = QToolButton(text=text)
        button.setToolTip(tip)
        button.clicked.connect(lambda _=False: slot())
        self.bar.insertWidget(self.bar.indexOf(self.timecode) if left else self.bar.count() - 1, button)
        return button

    def show_frame(self, t: float, rgb: np.ndarray) -> None:
        """Display ``rgb`` (``(H, W, 3)`` uint8), the frame at ``t`` seconds."""
        self._pixmap = QPixmap.fromImage(to_qimage(rgb))
        self.shown_time = t
        self._rescale()

    def set_time(self, t: float, clock: Clock, duration: float = 0.0) -> None:
        """Show the playhead's timecode, labelled by the project's ``clock`` (``duration`` bounds
        what may be typed there)."""
        self.timecode.show_time(t, clock, duration)

    def clear(self) -> None:
        """Back to the empty state."""
        self._pixmap, self.shown_time = None, None
        self.picture.clear()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._pixmap is not None:
            self.picture.setPixmap(self._pixmap.scaled(
                self.picture.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
