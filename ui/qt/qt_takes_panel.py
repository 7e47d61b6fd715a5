"""The takes list: waveform thumbnails, audition, A/B, accept, rename, delete, export; a take
conformed to the sync lane A/Bs against its original and says what conform did.

Enter (or a double-click) plays the highlighted take; a take dragged out of the list arrives
as a WAV file (delivered into the project's media folder) on the desktop, in a DAW or an NLE.
The list takes whatever height the panel is given."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import numpy as np
from PyQt6.QtCore import QMimeData, QPointF, QSize, Qt, QUrl, pyqtSignal
from PyQt6.QtGui import QColor, QDrag, QIcon, QKeyEvent, QPainter, QPen, QPixmap
from PyQt6.QtWidgets import (QAbstractItemView, QGridLayout, QListWidget, QListWidgetItem,
                             QPushButton, QToolButton, QVBoxLayout, QWidget)

from ui.model.project import Project, TakeItem
from ui.qt import theme

THUMB = QSize(150, 40)
PLAY_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
MIN_ROWS = 3
"""The list is never squeezed below this many take rows."""


def waveform_pixmap(audio: np.ndarray, rate: int, colour: QColor, size: QSize = THUMB) -> QPixmap:
    """A small picture of a waveform for list icons, scaled so its peak fills the height."""
    pix = QPixmap(size)
    pix.fill(theme.BACKGROUND)
    columns = np.array_split(np.asarray(audio, np.float32), size.width())  # width × (n,)
    peak = float(np.abs(audio).max()) if len(audio) else 0.0
    scale = (size.height() / 2 - 2) / (peak or 1.0)
    p = QPainter(pix)
    p.setPen(QPen(colour))
    mid = size.height() / 2
    for x, block in enumerate(columns):
        if len(block):
            p.drawLine(QPointF(x, mid - block.max() * scale), QPointF(x, mid - block.min() * scale))
    p.end()
    return pix


def file_mime(path: Path) -> QMimeData:
    """Drag data naming one local file (what file managers, DAWs and NLEs accept)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


class TakesList(QListWidget):
    """The list itself: Enter plays the highlighted take; dragging a take hands over its WAV."""

    play_key = pyqtSignal(str)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.file_for: Optional[Callable[[str], Optional[Path]]] = None
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setIconSize(THUMB)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setMinimumHeight(MIN_ROWS * (THUMB.height() + 12))

    def current_id(self) -> Optional[str]:
        """Id of the highlighted take, if any."""
        item = self.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in PLAY_KEYS and self.current_id() is not None:
            self.play_key.emit(self.current_id())
            return
        super().keyPressEvent(event)

    def startDrag(self, actions: Qt.DropAction) -> None:  # noqa: N802 - Qt override
        """Drag the highlighted take out as its delivered WAV file."""
        take_id = self.current_id()
        path = self.file_for(take_id) if take_id is not None and self.file_for else None
        if path is None:  # no take, or the file could not be written (the window said why)
            return
        drag = QDrag(self)
        drag.setMimeData(file_mime(path))
        drag.setPixmap(self.currentItem().icon().pixmap(THUMB))
        drag.exec(Qt.DropAction.CopyAction)


class QtTakesPanel(QWidget):
    """Shows the project's takes; buttons emit the action with the current take ids."""

    play_requested = pyqtSignal(str)
    stop_requested = pyqtSignal()
    ab_requested = pyqtSignal()
    before_after_requested = pyqtSignal(str)
    original_requested = pyqtSignal(str)  # A/B a conformed take against the audio as generated
    accept_requested = pyqtSignal(str)
    rename_requested = pyqtSignal(str)
    delete_requested = pyqtSignal(str)
    export_requested = pyqtSignal(str, bool)  # take id, Broadcast WAV?

    def __init__(self, project: Project, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.project = project
        self.list = TakesList()
        self.list.play_key.connect(self.play_requested.emit)
        self.list.itemDoubleClicked.connect(lambda item: self.play_requested.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.loop = QToolButton(text="Loop", checkable=True)
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        specs = (("Play", self.play_requested), ("Stop", None), ("A/B", None),
                 ("Before/After", self.before_after_requested),
                 ("Conformed/Original", self.original_requested), ("Accept", self.accept_requested),
                 ("Rename", self.rename_requested), ("Delete", self.delete_requested),
                 ("Export WAV", None), ("Export BWF", None))
        for i, (label, signal) in enumerate(specs):
            button = QPushButton(label)
            self.buttons[label] = button
            grid.addWidget(button, i // 5, i % 5)
            if signal is not None:
                button.clicked.connect(lambda _=False, s=signal: self._emit_for_current(s))
        grid.addWidget(self.loop, 0, 5)
        self.buttons["Stop"].clicked.connect(self.stop_requested.emit)
        self.buttons["A/B"].clicked.connect(self.ab_requested.emit)
        self.buttons["Export WAV"].clicked.connect(lambda: self._export(False))
        self.buttons["Export BWF"].clicked.connect(lambda: self._export(True))
        self.buttons["Accept"].setObjectName("primary")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addLayout(grid)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        project.changed.connect(self._on_project_changed)
        self._update_buttons()

    @property
    def file_for(self) -> Optional[Callable[[str], Optional[Path]]]:
        """Writes a take's WAV for a drag and returns its path (None when it could not)."""
        return self.list.file_for

    @file_for.setter
    def file_for(self, fn: Optional[Callable[[str], Optional[Path]]]) -> None:
        self.list.file_for = fn

    def current_id(self) -> Optional[str]:
        """Id of the highlighted take, if any."""
        return self.list.current_id()

    def select(self, take_id: str) -> None:
        """Highlight a take."""
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == take_id:
                self.list.setCurrentRow(row)

    def _on_project_changed(self, what: str) -> None:
        if what in ("takes", "lane", "video", "timecode"):
            self._rebuild()

    def _rebuild(self) -> None:
        current = self.current_id()
        self.list.clear()
        for region, items in self._by_region():
            self.list.addItem(self._header(region, len(items)))
            for item in items:
                self.list.addItem(self._row(item))
        if current is not None:
            self.select(current)
        if self.current_id() is None and self.project.takes:
            self.select(self.project.takes[0].id)
        self._update_buttons()

    def _by_region(self) -> list[tuple[tuple[float, float], list[TakeItem]]]:
        """Takes grouped by the selection they were made for, newest group first."""
        groups: dict[tuple[float, float], list[TakeItem]] = {}
        for item in self.project.takes:
            groups.setdefault(item.region, []).append(item)
        return list(groups.items())

    def _header(self, region: tuple[float, float], count: int) -> QListWidgetItem:
        clock = self.project.clock
        text = f"{clock.label(region[0])} – {clock.label(region[1])}   ·   {count} take(s)"
        header = QListWidgetItem(text)
        header.setFlags(Qt.ItemFlag.NoItemFlags)
        header.setForeground(theme.TEXT_DIM)
        return header

    def _row(self, item: TakeItem) -> QListWidgetItem:
        t = item.take
        colour = theme.INPAINT if t.mode == "inpaint" else theme.FOLEY
        placed = " · on lane" if self.project.clips_of(item.id) else ""
        text = (f"{item.name}{placed}\n{t.model} · seed {t.seed} · {self.project.clock.label(t.start)}"
                f" · {t.duration:.2f} s{conform_summary(t.conform)}")
        row = QListWidgetItem(QIcon(waveform_pixmap(t.audio, t.sample_rate, colour)), text)
        row.setData(Qt.ItemDataRole.UserRole, item.id)
        return row

    def _emit_for_current(self, signal) -> None:
        take_id = self.current_id()
        if take_id is not None:
            signal.emit(take_id)

    def _export(self, bwf: bool) -> None:
        take_id = self.current_id()
        if take_id is not None:
            self.export_requested.emit(take_id, bwf)

    def _update_buttons(self) -> None:
        take_id = self.current_id()
        for label, button in self.buttons.items():
            button.setEnabled(take_id is not None or label == "Stop")
        item = self.project.take(take_id) if take_id is not None else None
        self.buttons["Before/After"].setEnabled(item is not None and item.gap is not None)
        self.buttons["Conformed/Original"].setEnabled(item is not None and item.take.unconformed is not None)


def conform_summary(report: Optional[dict]) -> str:
    """The row's note on what conform did, e.g. ``· conformed: 3 hits moved, 1 missing``."""
    if report is None:
        return ""
    moved, missing = len(report.get("moves", [])), len(report.get("missing", []))
    return (f" · conformed: {moved} hit{'s' if moved != 1 else ''} moved"
            + (f", {missing} missing" if missing else ""))
