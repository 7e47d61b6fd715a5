"""Menus, shortcuts and the Edit menu's binding to the undo :class:`~ui.model.history.History`.

The menus reach the window through :class:`MenuHost`, the few things they call, so this module
never imports the window (which builds its menus here).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional, Protocol

from PyQt6.QtGui import QAction, QKeySequence

from ui.qt.dialogs import PROJECT_FILTER, VIDEO_FILTER
from ui.qt.qt_preferences import QtPreferences
from ui.qt.qt_lanes import build_lane_menu
from ui.qt.qt_sync import build_sync_menu


class MenuHost(Protocol):
    """What the menus need from the window: its parts, and the document actions."""

    settings: Any
    history: Any
    flows: Any
    lanes: Any
    dialogs: Any
    timeline: Any
    takes_panel: Any
    generate_panel: Any
    send_panel: Any
    transport: Any
    autosave_timer: Any
    seek: Callable[[float], None]
    step: Callable[[int], None]
    step_seconds: Callable[[int], None]
    go_to_end: Callable[[], None]
    stop_key: Callable[[], None]
    shuttle_key: Callable[[int], None]
    focus_timecode: Callable[[], None]
    zoom_to_selection: Callable[[], None]
    select_frame: Callable[[], None]
    mark_in: Callable[[], None]
    mark_out: Callable[[], None]
    clear_selection: Callable[[], None]
    close: Callable[[], bool]
    menuBar: Callable[[], Any]

    def guarded(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call ``fn``; an exception becomes an error dialog."""

    def open_path(self, path: str) -> bool:
        """Open a video or a project (after asking about the open one)."""

    def new_project(self) -> bool:
        """Start an empty project (after asking about the open one)."""

    def save(self, path: Optional[str] = None) -> Optional[Path]:
        """Save the project."""

    def document_folder(self) -> str:
        """Where file dialogs start."""

    def suggest(self, name: str) -> str:
        """``name`` in :meth:`document_folder`."""

    def document_name(self) -> str:
        """The project's name as the title bar shows it."""


class WindowActions:
    """The window's QActions; keeps Undo/Redo text and enablement in step with the history."""

    def __init__(self, window: MenuHost) -> None:
        self.w = window
        self.recent_menu = None
        self.undo = self.redo = self.play = self.play_mix = None

    def add(self, menu, text: str, slot: Callable[[], object], shortcut: Optional[str] = None) -> QAction:
        """A menu entry that calls ``slot`` (with an optional key shortcut)."""
        action = QAction(text, self.w)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        return action

    def refresh_undo(self) -> None:
        """Edit ▸ Undo/Redo name the step they would undo or redo."""
        h = self.w.history
        self.undo.setEnabled(h.can_undo)
        self.undo.setText(f"Undo {h.undo_text}" if h.can_undo else "Undo")
        self.redo.setEnabled(h.can_redo)
        self.redo.setText(f"Redo {h.redo_text}" if h.can_redo else "Redo")

    def refresh_recent(self) -> None:
        """File ▸ Recent lists the recent videos and projects."""
        self.recent_menu.clear()
        for path in self.w.settings.recent_files:
            self.add(self.recent_menu, Path(path).name, lambda p=path: self.w.guarded(self.w.open_path, p))
        self.recent_menu.setEnabled(bool(self.w.settings.recent_files))


def build_menus(w: MenuHost) -> WindowActions:
    """Create the menu bar and return its actions."""
    a = WindowActions(w)
    bar = w.menuBar()
    _file_menu(a, bar.addMenu("&File"))
    edit = bar.addMenu("&Edit")
    a.undo = a.add(edit, "Undo", w.history.undo, "Ctrl+Z")
    a.redo = a.add(edit, "Redo", w.history.redo, "Ctrl+Shift+Z")
    edit.addSeparator()
    a.add(edit, "Remove Clip from Lane", w.flows.remove_selected_clip, "Del")
    edit.addSeparator()
    a.add(edit, "Preferences…", lambda: open_preferences(w), "Ctrl+,")
    mark = bar.addMenu("&Mark")
    a.add(mark, "Set In Point", w.mark_in, "I")
    a.add(mark, "Set Out Point", w.mark_out, "O")
    a.add(mark, "Select Frame at Playhead (Ctrl+Click)", w.select_frame)
    a.add(mark, "Clear Selection", w.clear_selection, "Esc")
    build_sync_menu(a, bar)
    build_lane_menu(a, bar)
    _transport_menu(a, bar.addMenu("&Transport"))
    view = bar.addMenu("&View")
    a.add(view, "Zoom In", lambda: w.timeline.zoom_by(1.5), "=")
    a.add(view, "Zoom Out", lambda: w.timeline.zoom_by(1 / 1.5), "-")
    a.add(view, "Zoom to Selection", lambda: w.guarded(w.zoom_to_selection), "Z")
    a.add(view, "Zoom to Fit", w.timeline.zoom_to_fit, "Ctrl+0")
    a.refresh_undo()
    a.refresh_recent()
    return a


def _transport_menu(a: WindowActions, menu) -> None:
    """Play, shuttle, step and go-to keys, as in a video editor."""
    w = a.w
    a.play = a.add(menu, "Play Timeline", w.flows.toggle_play, "Space")
    a.add(menu, "Play Highlighted Take", w.flows.play_highlighted, "Shift+Space")
    a.add(menu, "Shuttle Backwards (Again: 2×, 4×; K+J: Frame Back)", lambda: w.shuttle_key(-1), "J")
    a.add(menu, "Stop", w.stop_key, "K")
    a.add(menu, "Shuttle Forwards (Again: 2×, 4×; K+L: Frame On)", lambda: w.shuttle_key(1), "L")
    menu.addSeparator()
    a.add(menu, "Previous Frame", lambda: w.step(-1), "Left")
    a.add(menu, "Next Frame", lambda: w.step(1), "Right")
    a.add(menu, "Back One Second", lambda: w.step_seconds(-1), "Shift+Left")
    a.add(menu, "Forward One Second", lambda: w.step_seconds(1), "Shift+Right")
    a.add(menu, "Go to Start", lambda: w.seek(0.0), "Home")
    a.add(menu, "Go to End", w.go_to_end, "End")
    a.add(menu, "Go to Timecode…", w.focus_timecode, "Ctrl+G")
    menu.addSeparator()
    a.add(menu, "A/B Between Takes", w.flows.ab, "B")
    a.add(menu, "Loop", lambda: w.takes_panel.loop.toggle(), "Ctrl+L")


def _file_menu(a: WindowActions, menu) -> None:
    w = a.w
    a.add(menu, "New Project", lambda: w.guarded(w.new_project), "Ctrl+N")
    a.add(menu, "Open Video…", lambda: _ask_open(w, "Open video", VIDEO_FILTER), "Ctrl+O")
    a.add(menu, "Open Project…", lambda: _ask_open(w, "Open project", PROJECT_FILTER), "Ctrl+Shift+O")
    a.recent_menu = menu.addMenu("Open Recent")
    menu.addSeparator()
    a.add(menu, "Save Project", lambda: w.guarded(w.save), "Ctrl+S")
    a.add(menu, "Save Project As…", lambda: _save_as(w), "Ctrl+Shift+S")
    menu.addSeparator()
    a.add(menu, "Project Start Timecode…", w.flows.start_timecode)
    a.add(menu, "Export Storyboard…", w.flows.export_storyboard)
    a.add(menu, "Export Repaired Production…", lambda: w.lanes.export_repaired(), "Ctrl+Shift+E")
    menu.addSeparator()
    a.add(menu, "Quit", w.close, "Ctrl+Q")


def _save_as(w: MenuHost) -> None:
    path = w.dialogs.save_file("Save project as", PROJECT_FILTER, w.suggest(w.document_name()))
    if path:
        w.guarded(w.save, path)


def _ask_open(w: MenuHost, caption: str, filters: str) -> None:
    path = w.dialogs.open_file(caption, filters, w.document_folder())
    if path:
        w.guarded(w.open_path, path)


def open_preferences(w: MenuHost, section: Optional[str] = None) -> None:
    """Show the Preferences dialog (or one ``section`` of it) and store what the user accepts."""
    from ui.model.settings import save_settings

    dialog = QtPreferences(w.settings, w, section)
    if dialog.exec():
        apply_preferences(w, dialog.result_settings())
        w.guarded(save_settings, w.settings)


def apply_preferences(w: MenuHost, settings) -> None:
    """Use new preferences at once: panels, autosave interval, audio device."""
    w.settings = w.generate_panel.settings = settings
    w.send_panel.show_delivery(settings)
    w.autosave_timer.setInterval(settings.autosave_seconds * 1000)
    engine = w.transport.engine
    if (settings.audio_device or None) != engine.device:
        w.transport.stop()
        engine.close()
        engine.device = settings.audio_device or None
