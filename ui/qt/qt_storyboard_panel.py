"""Storyboard frames drawn for the selected sound: one strip per take, exportable as a PNG."""
from __future__ import annotations

from typing import Optional

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QPixmap
from PyQt6.QtWidgets import (QGridLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout,
                             QWidget)

from foley_studio.timeline import Clock
from ui.qt.qt_timeline import to_qimage
from ui.services.generation import Storyboard

CELL_H = 96


class QtStoryboardPanel(QWidget):
    """Shows a :class:`Storyboard`; ``export_requested`` asks for a PNG sheet."""

    generate_requested = pyqtSignal()
    export_requested = pyqtSignal()

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.storyboard: Optional[Storyboard] = None
        self.clock = Clock(25.0)  # labels the windows' start times
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        self.hint = QLabel("Select a stretch of the soundtrack, then draw pictures for it.")
        self.hint.setWordWrap(True)
        self.generate = QPushButton("Draw storyboard")
        self.generate.setObjectName("primary")
        self.generate.clicked.connect(self.generate_requested.emit)
        self.export = QPushButton("Export PNG sheet…")
        self.export.setEnabled(False)
        self.export.clicked.connect(self.export_requested.emit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.generate)
        layout.addWidget(self.export)

    def show_storyboard(self, board: Storyboard) -> None:
        """Lay out every take's frames with the start time of each window."""
        self.storyboard = board
        while self.grid.count():
            self.grid.takeAt(0).widget().deleteLater()
        takes, windows = board.frames.shape[:2]
        for w in range(windows):
            self.grid.addWidget(QLabel(self.clock.label(board.region[0] + w * board.window)), 0, w + 1)
        for k in range(takes):
            self.grid.addWidget(QLabel(f"take {k + 1}"), k + 1, 0)
            for w in range(windows):
                cell = QLabel()
                cell.setPixmap(QPixmap.fromImage(to_qimage(board.frames[k, w])).scaledToHeight(
                    CELL_H, Qt.TransformationMode.SmoothTransformation))
                self.grid.addWidget(cell, k + 1, w + 1)
        self.hint.setText(f"{takes} take(s) × {windows} window(s) of {board.window:g} s")
        self.export.setEnabled(True)
