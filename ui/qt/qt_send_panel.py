"""The Send panel: choose REAPER, Ableton Live or a timeline file and the lanes to send (each
becomes a track named after it); see whether the host answers, and how the takes will be
delivered (rate, depth, loudness, UCS category)."""
from __future__ import annotations

from typing import Optional

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (QComboBox, QFormLayout, QLabel, QLineEdit, QListWidget,
                             QListWidgetItem, QPlainTextEdit, QPushButton, QSpinBox, QVBoxLayout,
                             QWidget)

from ui.model.settings import AppSettings
from ui.services.send import DAWS, FILES, SendReport, SendTarget

DEFAULT_PORTS = {"reaper": 8000, "ableton": 11000}


class QtSendPanel(QWidget):
    """Collects a :class:`SendTarget`; shows the connection status and what the last send did."""

    send_requested = pyqtSignal()
    check_requested = pyqtSignal()
    delivery_requested = pyqtSignal()  # open the Delivery settings
    status_changed = pyqtSignal(str)  # rich text for the status bar

    def __init__(self, settings: AppSettings, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        for key, label in {**DAWS, **FILES}.items():
            self.kind.addItem(label, key)
        self.host = QLineEdit(settings.send_host)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(settings.send_port)
        self.lanes = QListWidget()  # the lanes with clips, ticked to send
        self.lanes.setMaximumHeight(96)
        self.status = QLabel()
        self.log = QPlainTextEdit(readOnly=True)
        self.log.setMaximumBlockCount(200)
        self.check = QPushButton("Check connection")
        self.check.clicked.connect(self.check_requested.emit)
        self.delivery = QLabel()
        self.delivery.setWordWrap(True)
        self.delivery_button = QPushButton("Delivery settings…")
        self.delivery_button.clicked.connect(self.delivery_requested.emit)
        self.show_delivery(settings)
        self.send = QPushButton("Send lanes")
        self.send.setObjectName("primary")
        self.send.clicked.connect(self.send_requested.emit)
        form = QFormLayout()
        form.addRow("Destination", self.kind)
        form.addRow("Host", self.host)
        form.addRow("OSC port", self.port)
        form.addRow("Lanes", self.lanes)
        form.addRow("Status", self.status)
        form.addRow("Delivery", self.delivery)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.log, 1)
        layout.addWidget(self.delivery_button)
        layout.addWidget(self.check)
        layout.addWidget(self.send)
        self.spool: Optional[str] = None  # REAPER spool folder; None: the target preset's
        self.reply_timeout: Optional[float] = None
        self.kind.currentIndexChanged.connect(lambda _: self._on_kind_changed())
        self.kind.setCurrentIndex(max(0, self.kind.findData(settings.send_target)))
        self._on_kind_changed()
        self.port.setValue(settings.send_port)

    def target(self) -> SendTarget:
        """The destination as chosen."""
        return SendTarget(self.kind.currentData(), self.host.text().strip() or "127.0.0.1",
                          self.port.value(), spool=self.spool, reply_timeout=self.reply_timeout)

    def show_lanes(self, names: list[str]) -> None:
        """List the lanes that hold clips; a lane keeps its tick across updates (new: ticked)."""
        unticked = {self.lanes.item(k).text() for k in range(self.lanes.count())
                    if self.lanes.item(k).checkState() != Qt.CheckState.Checked}
        self.lanes.clear()
        for name in names:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked if name in unticked else Qt.CheckState.Checked)
            self.lanes.addItem(item)

    def chosen_lanes(self) -> list[str]:
        """The ticked lanes, top to bottom."""
        return [self.lanes.item(k).text() for k in range(self.lanes.count())
                if self.lanes.item(k).checkState() == Qt.CheckState.Checked]

    def set_kind(self, kind: str) -> None:
        """Choose a destination by key (``reaper``, ``ableton``, ``otio``, ``xml``, ``edl``)."""
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def show_delivery(self, settings: AppSettings) -> None:
        """Show the delivery format Send and Export follow, e.g. ``48 kHz · 24-bit · mono``."""
        s = settings
        parts = [f"{s.delivery_rate / 1000:g} kHz", "32-bit float" if s.delivery_depth == "32f"
                 else f"{s.delivery_depth}-bit", "stereo" if s.delivery_channels == 2 else "mono",
                 f"{s.delivery_loudness:g} LUFS" if s.delivery_normalise else "level kept",
                 f"{'limiter' if s.delivery_limit else 'ceiling'} {s.delivery_true_peak:g} dBTP",
                 s.ucs_category]
        self.delivery.setText(" · ".join(parts))

    def show_status(self, connected: Optional[bool], text: str) -> None:
        """Show ● connected / ● not connected / ○ unknown with a detail line."""
        dot = {True: ("●", "#4cd07d"), False: ("●", "#ff5f5f"), None: ("○", "#8b909c")}[connected]
        word = {True: "connected", False: "not connected", None: "not checked"}[connected]
        self.status.setText(f'<span style="color:{dot[1]}">{dot[0]}</span> {word}')
        self.status.setToolTip(text)
        self.status_changed.emit(f"{self.kind.currentText()}: {self.status.text()}")
        if text:
            self.log.appendPlainText(text)

    def show_report(self, result: SendReport) -> None:
        """Log what a send or a check did."""
        self.show_status(result.connected, f"{result.target}: " + "; ".join(result.lines))

    def _on_kind_changed(self) -> None:
        kind = self.kind.currentData()
        daw = kind in DAWS
        for w in (self.host, self.port, self.check):
            w.setEnabled(daw)
        if daw:
            self.port.setValue(DEFAULT_PORTS[kind])
            self.show_status(None, "")
        self.send.setText("Send lanes" if daw else "Export lanes…")
