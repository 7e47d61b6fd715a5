"""The dark look: one palette and one style sheet, and the colours the painted widgets share."""
from __future__ import annotations

from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QApplication

BACKGROUND = QColor("#1b1c1f")
PANEL = QColor("#232428")
LANE = QColor("#27292e")
LANE_ALT = QColor("#2c2e34")
HEADER = QColor("#303238")
GRID = QColor("#3a3d44")
TEXT = QColor("#d6d9e0")
TEXT_DIM = QColor("#8b909c")
ACCENT = QColor("#3d8bfd")
SOURCE_WAVE = QColor("#4fb3d9")
FOLEY = QColor("#e8a33d")
FOLEY_DARK = QColor("#6b4a1c")
INPAINT = QColor("#b77ce8")
PLAYHEAD = QColor("#ff4f4f")
SYNC = QColor("#5fd38d")
SELECTION = QColor(61, 139, 253, 60)
SELECTION_EDGE = QColor("#5aa0ff")

STYLE = """
QWidget { color: #d6d9e0; font-size: 10pt; }
QMainWindow, QDialog { background: #1b1c1f; }
QMenuBar { background: #232428; border-bottom: 1px solid #111214; }
QMenuBar::item:selected, QMenu::item:selected { background: #3d8bfd; color: white; }
QMenu { background: #2a2c31; border: 1px solid #111214; }
QTabWidget::pane { border: 1px solid #111214; background: #232428; top: -1px; }
QTabBar::tab { background: #1f2024; padding: 6px 14px; border: 1px solid #111214;
               border-bottom: none; color: #8b909c; }
QTabBar::tab:selected { background: #232428; color: #ffffff; border-top: 2px solid #3d8bfd; }
QGroupBox { border: 1px solid #34363c; border-radius: 4px; margin-top: 14px; padding-top: 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; color: #8b909c; }
QLineEdit, QSpinBox, QDoubleSpinBox, QComboBox, QPlainTextEdit {
    background: #15161a; border: 1px solid #3a3d44; border-radius: 3px; padding: 3px 6px;
    selection-background-color: #3d8bfd; }
QComboBox QAbstractItemView { background: #2a2c31; selection-background-color: #3d8bfd; }
QPushButton, QToolButton { background: #34363d; border: 1px solid #44474f; border-radius: 3px;
    padding: 4px 10px; }
QPushButton:hover, QToolButton:hover { background: #3e414a; }
QPushButton:pressed, QToolButton:pressed, QToolButton:checked { background: #2b5fb0; }
QPushButton:disabled, QToolButton:disabled { color: #5d616b; background: #2a2b30; }
QPushButton#primary { background: #3d8bfd; border-color: #3d8bfd; color: white; font-weight: bold;
    padding: 6px 14px; }
QPushButton#primary:disabled { background: #2a3d5c; color: #7f8aa0; }
QListWidget { background: #1d1e22; border: 1px solid #111214; }
QListWidget::item { padding: 4px; border-bottom: 1px solid #2b2d32; }
QListWidget::item:selected { background: #2b4a78; }
QProgressBar { background: #15161a; border: 1px solid #3a3d44; border-radius: 3px;
    text-align: center; height: 14px; }
QProgressBar::chunk { background: #3d8bfd; }
QStatusBar { background: #232428; border-top: 1px solid #111214; }
QSplitter::handle { background: #111214; }
QScrollBar:horizontal { background: #1b1c1f; height: 12px; }
QScrollBar::handle:horizontal { background: #44474f; border-radius: 4px; min-width: 30px; }
QScrollBar::add-line, QScrollBar::sub-line { width: 0; height: 0; }
QLineEdit#timecode { font-family: monospace; font-size: 18pt; color: #ffffff;
    background: #111214; border: 1px solid #34363c; border-radius: 3px; padding: 2px 10px; }
QLineEdit#timecode:focus { border: 1px solid #3d8bfd; }
QLabel#error { color: #ff6b6b; }
QLabel#note { color: #e0b341; font-size: 9pt; }
QLabel#status_dot_ok { color: #4cd07d; } QLabel#status_dot_bad { color: #ff5f5f; }
"""


def apply(app: QApplication) -> None:
    """Give ``app`` the dark palette and style sheet."""
    app.setStyle("Fusion")
    palette = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, PANEL), (QPalette.ColorRole.Base, BACKGROUND),
                         (QPalette.ColorRole.AlternateBase, LANE), (QPalette.ColorRole.Text, TEXT),
                         (QPalette.ColorRole.WindowText, TEXT), (QPalette.ColorRole.Button, HEADER),
                         (QPalette.ColorRole.ButtonText, TEXT), (QPalette.ColorRole.Highlight, ACCENT),
                         (QPalette.ColorRole.HighlightedText, QColor("white"))):
        palette.setColor(role, colour)
    app.setPalette(palette)
    app.setStyleSheet(STYLE)
