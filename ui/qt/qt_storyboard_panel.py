"""Storyboard frames drawn for the selected sound: one strip per take, kept in the project and
exportable as a PNG sheet at least 1920 px wide with each picture's timecode under it."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PyQt6.QtCore import QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QFont, QImage, QPainter, QPixmap
from PyQt6.QtWidgets import (QGridLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout,
                             QWidget)

from foley_studio.atomic import atomic_path
from foley_studio.errors import ConfigError
from foley_studio.timeline import Clock
from ui.model.storyboard import Storyboard
from ui.qt import theme
from ui.qt.qt_timeline import to_qimage

CELL_H = 96
SHEET_WIDTH = 1920
"""Narrowest exported sheet, in pixels (a full-HD screen's width)."""
MIN_CELL_W = 240
"""Narrowest picture on a sheet; a storyboard with many windows makes a wider sheet instead."""
MARGIN, ROW_LABEL_W, TITLE_H, LABEL_H = 16, 90, 48, 34
HINT = "Select a stretch of the soundtrack, then draw pictures for it."


def render_sheet(board: Storyboard, clock: Clock, width: int = SHEET_WIDTH) -> QImage:
    """The storyboard as one picture: a title, then a row per take with each window's picture
    and its timecode under it (labelled by the project's ``clock``); ``width`` or wider,
    pictures keeping their aspect."""
    takes, windows, h, w = board.frames.shape[:4]
    cell_w = max((width - ROW_LABEL_W - MARGIN * (windows + 1)) / windows, MIN_CELL_W)
    cell_h = cell_w * h / w
    width = int(ROW_LABEL_W + MARGIN * (windows + 1) + cell_w * windows)
    row_h = cell_h + LABEL_H + MARGIN
    sheet = QImage(width, int(TITLE_H + MARGIN + takes * row_h), QImage.Format.Format_RGB32)
    sheet.fill(theme.BACKGROUND)
    p = QPainter(sheet)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    p.setPen(theme.TEXT)
    p.setFont(QFont("sans", 16, QFont.Weight.Bold))
    p.drawText(QRectF(MARGIN, 0, width - 2 * MARGIN, TITLE_H), Qt.AlignmentFlag.AlignVCenter,
               f"Storyboard {clock.label(board.region[0])} – {clock.label(board.region[1])}"
               f"   ·   {takes} take(s) × {windows} window(s) of {board.window:g} s   ·   "
               f"seed {board.seed}")
    starts = board.window_starts()
    for k in range(takes):
        top = TITLE_H + MARGIN + k * row_h
        p.setFont(QFont("sans", 14, QFont.Weight.Bold))
        p.drawText(QRectF(MARGIN, top, ROW_LABEL_W - MARGIN, cell_h), Qt.AlignmentFlag.AlignVCenter,
                   f"take {k + 1}")
        p.setFont(QFont("monospace", 14))
        for col in range(windows):
            left = ROW_LABEL_W + MARGIN + col * (cell_w + MARGIN)
            p.drawImage(QRectF(left, top, cell_w, cell_h), to_qimage(board.frames[k, col]))
            p.drawText(QRectF(left, top + cell_h, cell_w, LABEL_H), Qt.AlignmentFlag.AlignCenter,
                       clock.label(starts[col]))
    p.end()
    return sheet


def write_sheet(path: Path, board: Storyboard, clock: Clock) -> Path:
    """Save :func:`render_sheet` as a PNG at ``path`` (atomically)."""
    if path.suffix.lower() != ".png":
        raise ConfigError(f"Storyboard sheets are PNG files; name {path} with a .png ending.")
    sheet = render_sheet(board, clock)
    with atomic_path(path) as tmp:
        if not sheet.save(str(tmp), "PNG"):
            raise ConfigError(f"Could not write a {sheet.width()}x{sheet.height()} PNG to {path}.")
    return path


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
        self.hint = QLabel(HINT)
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

    def set_clock(self, clock: Clock) -> None:
        """Label windows by the project's clock (the shown storyboard is labelled again)."""
        self.clock = clock
        self.show_storyboard(self.storyboard)

    def show_storyboard(self, board: Optional[Storyboard]) -> None:
        """Lay out every take's frames with the start time of each window (``None`` clears)."""
        self.storyboard = board
        while self.grid.count():
            self.grid.takeAt(0).widget().deleteLater()
        self.export.setEnabled(board is not None)
        if board is None:
            self.hint.setText(HINT)
            return
        takes, windows = board.frames.shape[:2]
        for w, start in enumerate(board.window_starts()):
            self.grid.addWidget(QLabel(self.clock.label(start)), 0, w + 1)
        for k in range(takes):
            self.grid.addWidget(QLabel(f"take {k + 1}"), k + 1, 0)
            for w in range(windows):
                cell = QLabel()
                cell.setPixmap(QPixmap.fromImage(to_qimage(board.frames[k, w])).scaledToHeight(
                    CELL_H, Qt.TransformationMode.SmoothTransformation))
                self.grid.addWidget(cell, k + 1, w + 1)
        self.hint.setText(f"{takes} take(s) × {windows} window(s) of {board.window:g} s, "
                          f"seed {board.seed}" + (f"–{board.seed + takes - 1}" if takes > 1 else ""))

