"""The main window: preview, panels, takes and timeline around one project.

It owns the Qt-free pieces (project, history, job queue, decoding, playback) and the views
that show them. Long work goes to the single-worker :class:`~ui.services.jobs.JobService`;
its callbacks come back to the GUI thread through :class:`~ui.qt.threading.MainThread`.
Every failure ends in :attr:`MainWindow.errors` (a dialog), never in a crash; every question
goes through :attr:`MainWindow.dialogs`. Nothing replaces or closes the project before
:attr:`MainWindow.document` has asked (:mod:`ui.qt.document`); edits are autosaved into this
window's own locked slot (:mod:`ui.services.autosave`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional

from PyQt6.QtCore import QByteArray, QEvent, QSettings, Qt, QTimer
from PyQt6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent
from PyQt6.QtWidgets import (QLabel, QMainWindow, QProgressBar, QPushButton, QScrollArea, QSplitter,
                             QTabWidget, QWidget)

from foley_studio.errors import ConfigError
from ui.model.history import History
from ui.model.project import Project, VideoInfo
from ui.model.project_file import SUFFIX, load_project, save_project
from ui.model.selection import Selection
from ui.model.settings import AppSettings, config_dir, save_settings
from ui.qt.actions import build_menus
from ui.qt.dialogs import PROJECT_FILTER, Dialogs
from ui.qt.document import DocumentGuard
from ui.qt.errors import ErrorReporter
from ui.qt.qt_generate_panel import QtGeneratePanel
from ui.qt.qt_lanes import LaneEditor
from ui.qt.qt_preview import QtPreview
from ui.qt.qt_send_panel import QtSendPanel
from ui.qt.qt_storyboard_panel import QtStoryboardPanel
from ui.qt.qt_sync import SyncEditor
from ui.qt.qt_takes_panel import QtTakesPanel
from ui.qt.qt_timeline import QtTimeline
from ui.qt.qt_transport import Transport
from ui.qt.threading import MainThread
from ui.qt.workflows import Workflows
from ui.services import autosave, lane_delivery
from ui.services.catalog import GeneratorCatalog
from ui.services.jobs import Job, JobService, JobState
from ui.services.media import MediaService, Overview
from ui.services.mixing import MixPlayer
from ui.services.playback import PlaybackEngine


class MainWindow(QMainWindow):
    """One project open at a time."""

    def __init__(self, settings: AppSettings, *, catalog: Optional[GeneratorCatalog] = None,
                 engine: Optional[PlaybackEngine] = None) -> None:
        super().__init__()
        self.settings = settings
        self.project, self.history = Project(), History()
        self.catalog = catalog or GeneratorCatalog(settings.model_folders)
        self.jobs, self.media = JobService(), MediaService()
        self.main_thread = MainThread(self)
        self.errors, self.dialogs = ErrorReporter(self), Dialogs(self)
        self.transport = Transport(engine or PlaybackEngine(settings.audio_device), self)
        self.overview: Optional[Overview] = None
        self.project_path: Optional[Path] = None
        self.playhead = 0.0
        self.k_held = False  # K is down: J and L step frames instead of shuttling
        self._dirty = self._autosave_due = False
        self.document = DocumentGuard(self)
        self.autosaves = autosave.AutosaveSlot()
        self._on_done: dict[int, tuple[Callable[[Any], None], Optional[Callable]]] = {}
        self._build_widgets()
        self.flows = Workflows(self)
        self.sync = SyncEditor(self)
        self.lanes = LaneEditor(self)
        self.mix_player = MixPlayer(self.project, self.transport.engine)
        self.actions = build_menus(self)
        self._build_transport_bar()
        self._connect()
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(settings.autosave_seconds * 1000)
        self.autosave_timer.timeout.connect(self.autosave_now)
        self.autosave_timer.start()
        self.setAcceptDrops(True)
        self.timeline.canvas.setFocus()  # keys start on the timeline, not in a text field
        self.resize(1440, 900)
        self._update_title()

    # -- construction ------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.preview = QtPreview()
        self.timeline = QtTimeline(self.project)
        self.generate_panel = QtGeneratePanel(self.catalog, self.settings)
        self.storyboard_panel = QtStoryboardPanel()
        self.send_panel = QtSendPanel(self.settings)
        self.takes_panel = QtTakesPanel(self.project)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.generate_panel, "Generate")
        self.tabs.addTab(self.storyboard_panel, "Storyboard")
        self.tabs.addTab(_scrolling(self.send_panel), "Send")  # a short panel scrolls
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.tabs)
        right.addWidget(self.takes_panel)
        right.setStretchFactor(0, 0)
        right.setStretchFactor(1, 1)  # the takes list takes the room a taller window gives
        right.setSizes([300, 500])
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.preview)
        top.addWidget(right)
        top.setSizes([900, 520])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.timeline)
        self.splitter.setSizes([600, 260])
        self.setCentralWidget(self.splitter)
        self._build_status_bar()

    def _build_transport_bar(self) -> None:
        p = self.preview
        p.add_button("|◀", "Go to start (Home)", lambda: self.seek(0.0))
        p.add_button("◀◀", "Shuttle backwards; again for 2× and 4× (J)", lambda: self.flows.shuttle(-1))
        p.add_button("▶ Play", "Play the timeline from the playhead, or stop (Space)", self.flows.toggle_play)
        p.add_button("■ Stop", "Stop (K)", self.transport.stop)
        p.add_button("▶▶", "Shuttle forwards; again for 2× and 4× (L)", lambda: self.flows.shuttle(1))
        p.add_button("▶|", "Go to end (End)", self.go_to_end)
        p.add_button("In", "Set the in point at the playhead (I)", self.mark_in, left=False)
        p.add_button("Out", "Set the out point at the playhead (O)", self.mark_out, left=False)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.job_label = QLabel("Ready")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(220)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.jobs.cancel_all)
        self.selection_label = QLabel("No selection")
        self.link_label = QLabel(f"{self.send_panel.kind.currentText()}: {self.send_panel.status.text()}")
        bar.addWidget(self.job_label, 1)
        bar.addPermanentWidget(self.link_label)
        bar.addPermanentWidget(self.selection_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)

    def _connect(self) -> None:
        self.jobs.job_changed.connect(self.main_thread.wrap(self._on_job_changed))
        self.history.changed.connect(self._on_history_changed)
        self.project.changed.connect(self._on_project_changed)
        self.timeline.seek_requested.connect(self.seek)
        self.preview.timecode.seek_requested.connect(self.seek)
        self.preview.timecode.finished.connect(self.timeline.canvas.setFocus)  # keys work on
        self.timeline.clip_moved.connect(self.flows.move_clip)
        self.timeline.thumbnails_wanted.connect(self._decode_thumbnails)
        self.transport.playhead_moved.connect(self._follow_playback)
        self.transport.state_changed.connect(self._on_transport_state)
        self.generate_panel.generate_requested.connect(self.flows.generate)
        self.generate_panel.folder_added.connect(self.flows.add_model_folder)
        self.storyboard_panel.generate_requested.connect(self.flows.storyboard)
        self.storyboard_panel.export_requested.connect(lambda: self.flows.export_storyboard())
        self.send_panel.send_requested.connect(self.flows.send)
        self.send_panel.check_requested.connect(self.flows.check_connection)
        self.send_panel.delivery_requested.connect(self.flows.delivery_settings)
        self.send_panel.status_changed.connect(self.link_label.setText)
        t = self.takes_panel
        t.play_requested.connect(self.flows.play_take)
        t.stop_requested.connect(self.transport.stop)
        t.ab_requested.connect(self.flows.ab)
        t.before_after_requested.connect(self.flows.before_after)
        t.accept_requested.connect(self.flows.accept_take)
        t.rename_requested.connect(lambda i: self.flows.rename_take(i))
        t.delete_requested.connect(self.flows.delete_take)
        t.export_requested.connect(lambda i, bwf: self.flows.export_take(i, bwf))
        t.loop.toggled.connect(self.transport.set_loop)
        t.file_for = self.flows.take_file

    # -- jobs --------------------------------------------------------------------------------
    def submit(self, title: str, fn, on_done: Callable[[Any], None],
               on_failed: Optional[Callable[[BaseException], None]] = None) -> Job:
        """Run ``fn(progress, cancel)`` on the worker; ``on_done(result)`` on the GUI thread.

        A failure is shown as an error dialog, after ``on_failed(error)`` when given.
        """
        if self.jobs.busy:
            raise ConfigError("A job is already running; wait for it or press Cancel.")
        job = self.jobs.submit(title, fn)
        self._on_done[job.id] = (on_done, on_failed)
        return job

    @property
    def settled(self) -> bool:
        """No job queued or running, and the window has handled every submitted job's outcome
        (the worker lets go of a job before its end reaches the GUI thread)."""
        return not self.jobs.busy and not self._on_done

    def _on_job_changed(self, job: Job) -> None:
        busy = not job.finished
        self.progress.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.generate_panel.button.setEnabled(not busy)
        self.storyboard_panel.generate.setEnabled(not busy)
        self.progress.setValue(int(job.progress * 1000))
        self.generate_panel.show_job(job)
        if busy or job.id in self._on_done:  # a queued repeat keeps the outcome's message
            self.job_label.setText(f"{job.title}: {job.state.value}")
        if job.finished:
            self.generate_panel.refresh_sync_note()  # a bundle's sync support is known once loaded
            self._finish(job)

    def _finish(self, job: Job) -> None:
        if job.id not in self._on_done:  # queued updates of one job all see it finished: once
            return
        on_done, on_failed = self._on_done.pop(job.id)
        if job.state is JobState.DONE and on_done is not None:
            self.guarded(on_done, job.result)
        elif job.state is JobState.FAILED:
            if on_failed is not None:  # one failure, one dialog: a fault in the handler is logged
                try:
                    on_failed(job.error)
                except Exception as exc:  # noqa: BLE001 - logged; the job's error is shown
                    self.errors.log(exc, f"{job.title}: while reporting its failure")
            self.errors.report(job.error, job.title)
        elif job.state is JobState.CANCELLED:
            self.job_label.setText(f"{job.title}: cancelled")

    def guarded(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call ``fn``; any exception becomes an error dialog instead of escaping."""
        try:
            return fn(*args)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.errors.report(exc)
            return None

    # -- video and project -------------------------------------------------------------------
    @property
    def modified(self) -> bool:
        """Whether the project has edits that are not saved."""
        return self._dirty

    def document_name(self) -> str:
        """The project's file name, else its video's, else "untitled"."""
        if self.project_path is not None:
            return self.project_path.name
        return Path(self.project.video.path).name if self.project.video else "untitled"

    def document_folder(self) -> str:
        """Where file dialogs start: the project's folder, the video's, the last file's, or home."""
        if self.project_path is not None:
            return str(self.project_path.parent)
        if self.project.video is not None:
            return str(Path(self.project.video.path).parent)
        recent = self.settings.recent_files
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def suggest(self, name: str) -> str:
        """A file name in :meth:`document_folder`, for a save dialog."""
        return str(Path(self.document_folder()) / name)

    def new_project(self) -> bool:
        """Start an empty project (after asking about the open one)."""
        if not self.document.release("start a new project"):
            return False
        self._replace(Project(), None)
        self.overview = None
        self.timeline.set_overview(None)
        self.preview.clear()
        self.job_label.setText("Ready")
        return True

    def open_video(self, path: str) -> bool:
        """Decode ``path`` off the GUI thread and show it; a new project starts when it loads.

        Asks about the open project first; False when the user kept it.
        """
        if not self.document.release(f"open {Path(path).name}"):
            return False
        self.job_label.setText(f"Opening {Path(path).name}…")
        self.media.load(path, self.main_thread.wrap(self._on_video_loaded),
                        self.main_thread.wrap(lambda exc: self.errors.report(exc, "Open video")))
        return True

    def _on_video_loaded(self, overview: Overview, keep_project: bool = False) -> None:
        self.overview = overview
        self.timeline.set_overview(overview)
        if not keep_project:
            self._replace(Project(), None)
            self.project.set_video(VideoInfo(overview.path, overview.fps, overview.duration,
                                             overview.start_timecode))
            self.settings.add_recent(overview.path)
            self.actions.refresh_recent()
        self.job_label.setText(f"{Path(overview.path).name}: {overview.duration:.2f} s at "
                               f"{overview.fps:.3f} fps")
        self.seek(0.0)
        self._update_title()

    def open_project(self, path: str | Path) -> bool:
        """Open a project file, or the crash's autosave of it when the user picks that.

        Asks about the open project first; False when the user kept it.
        """
        if not self.document.release(f"open {Path(path).name}"):
            return False
        recovery = self.document.recovery_of(path)
        if recovery is not None:
            return self.recover(recovery)
        loaded = load_project(path)
        self._replace(loaded, Path(path))
        self.settings.add_recent(str(path))
        self.actions.refresh_recent()
        self._load_video_of(loaded)
        return True

    def recover(self, recovery: autosave.Recovery) -> bool:
        """Open a crash's autosave: it keeps its project's path and stays marked modified."""
        recovered = recovery.load()
        self._replace(recovered, recovery.project_path, modified=True)
        self.autosaves.adopt(recovery, self.project)
        self._load_video_of(recovered)
        return True

    def _replace(self, project: Project, path: Optional[Path], modified: bool = False) -> None:
        """Put ``project`` in the window; the old one's autosave goes (the user has chosen)."""
        self.project.assign(project)
        self.history.clear()
        self.project_path, self._dirty, self._autosave_due = path, modified, False
        self.autosaves.clear()
        self._update_title()

    def _load_video_of(self, project: Project) -> None:
        if project.video is not None:
            self.media.load(project.video.path,
                            self.main_thread.wrap(lambda o: self._on_video_loaded(o, keep_project=True)),
                            self.main_thread.wrap(lambda exc: self.errors.report(exc, "Open video")))

    def save(self, path: Optional[str | Path] = None) -> Optional[Path]:
        """Save to ``path``, the current file, or a path the user picks; return where."""
        target = path or self.project_path or self.dialogs.save_file(
            "Save project", PROJECT_FILTER, self.suggest(f"untitled{SUFFIX}"))
        if not target:
            return None
        target = Path(target)
        if not target.name.endswith(SUFFIX):
            target = target.with_name(target.name + SUFFIX)
        save_project(self.project, target)
        self.project_path, self._dirty, self._autosave_due = target, False, False
        self.autosaves.clear()
        self.settings.add_recent(str(target))
        self.actions.refresh_recent()
        self._update_title()
        return target

    def open_path(self, path: str) -> bool:
        """Open a project file or a video, by name (after asking about the open project)."""
        if path.endswith(SUFFIX):
            return self.open_project(path)
        return self.open_video(path)

    # -- autosave and recovery ---------------------------------------------------------------
    def autosave_now(self) -> None:
        """Write this window's autosave when there are edits since the last one."""
        if self._autosave_due:
            self.guarded(self.autosaves.write, self.project, self.project_path)
            self._autosave_due = False

    def offer_recovery(self, skip: Optional[str] = None) -> Optional[autosave.Recovery]:
        """Offer what crashed apps left (all but ``skip``'s); return the recovery opened, if any."""
        recovery = self.document.startup_recovery(skip)
        if recovery is not None:
            self.recover(recovery)
        return recovery

    def stop_jobs(self) -> None:
        """Cancel every job and forget what they would deliver (the project they ran for goes)."""
        self._on_done.clear()
        self.jobs.cancel_all()

    # -- playhead and selection --------------------------------------------------------------
    def seek(self, t: float) -> None:
        """Move the playhead to ``t`` seconds (the preview follows)."""
        self.playhead = self.timeline.clamp(t)
        self.timeline.set_playhead(self.playhead)
        self.preview.set_time(self.playhead, self.project.clock, self.timeline.duration)
        if self.overview is not None:
            self.media.request_frame(self.playhead, self.main_thread.wrap(self.preview.show_frame),
                                     self.main_thread.wrap(self.errors.report))

    def step(self, frames: int) -> None:
        """Move the playhead by whole frames (← →; Shift steps a timecode second)."""
        self.seek(self.timeline.stepped(frames))

    def step_seconds(self, seconds: int) -> None:
        """Move the playhead by whole timecode seconds (as many frames as the label counts)."""
        fps = self.overview.fps if self.overview else 25.0
        self.step(seconds * round(fps))

    def stop_key(self) -> None:
        """K: stop; while K is held, J and L step single frames (see :meth:`shuttle_key`)."""
        self.k_held = True
        self.transport.stop()

    def shuttle_key(self, direction: int) -> None:
        """L (``direction`` 1) or J (-1): shuttle, or with K held, step one frame that way."""
        if self.k_held:
            self.step(direction)
        else:
            self.flows.shuttle(direction)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_K and not event.isAutoRepeat():
            self.k_held = False
        super().keyReleaseEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        """A K released in another window never reaches this one: leaving forgets it."""
        if event.type() == QEvent.Type.ActivationChange and not self.isActiveWindow():
            self.k_held = False
        super().changeEvent(event)

    def go_to_end(self) -> None:
        """Put the playhead on the video's last frame (End)."""
        self.seek(self.timeline.last_frame())

    def focus_timecode(self) -> None:
        """Put the cursor in the timecode field, its text selected, to type where to go (Ctrl+G)."""
        self.preview.timecode.setFocus()
        self.preview.timecode.selectAll()

    def zoom_to_selection(self) -> None:
        """Fill the timeline with the selection (Z)."""
        sel = self.project.require_selection()
        self.timeline.zoom_to(sel.start, sel.end)

    def _decode_thumbnails(self, times: list[float]) -> None:
        """Sharper thumbnails for a zoomed-in timeline; a frame that fails is named in the
        status line (a dialog on every zoom would be in the way)."""
        def failed(exc: BaseException) -> None:
            self.job_label.setText(f"Thumbnails: {exc}")
        self.media.request_thumbnails(times, self.main_thread.wrap(self.timeline.add_thumbnails),
                                      self.main_thread.wrap(failed))

    def _follow_playback(self, t: float) -> None:
        if self.overview is not None:
            self.seek(t)

    def mark_in(self) -> None:
        """Set the in point at the playhead (I); with no selection, the region runs to the end."""
        def make(sel: Optional[Selection], duration: float, fps: float) -> Selection:
            if sel is None:
                return Selection.between(self.playhead, duration, duration)
            return sel.with_in(self.playhead, duration, fps)
        self._mark(make)

    def mark_out(self) -> None:
        """Set the out point at the playhead (O); with no selection, the region starts at 0."""
        def make(sel: Optional[Selection], duration: float, fps: float) -> Selection:
            if sel is None:
                return Selection.between(0.0, self.playhead, duration)
            return sel.with_out(self.playhead, fps)
        self._mark(make)

    def _mark(self, make: Callable[[Optional[Selection], float, float], Selection]) -> None:
        video = self.project.video
        if video is None:
            return
        self.guarded(lambda: self.project.set_selection(make(self.project.selection, video.duration, video.fps)))

    def select_frame(self) -> None:
        """Select the frame under the playhead (a still for Foley from picture)."""
        video = self.project.video
        if video is not None:
            self.guarded(self.project.set_selection,
                         Selection.at_frame(self.playhead, video.fps, video.duration))

    def clear_selection(self) -> None:
        """Drop the selection (Esc)."""
        self.project.set_selection(None)

    # -- state reflected in the window -------------------------------------------------------
    def _on_history_changed(self) -> None:
        self._dirty = self._autosave_due = True
        self.actions.refresh_undo()
        self._update_title()

    def _on_project_changed(self, what: str) -> None:
        if what == "storyboards":
            self.storyboard_panel.show_storyboard(self.flows.storyboard_result)
        clock = self.project.clock
        if what in ("lane", "lanes"):
            self.send_panel.show_lanes([lane.name for lane in lane_delivery.sendable(self.project)])
        if what in ("video", "timecode"):
            self.storyboard_panel.set_clock(clock)
            self.preview.set_time(self.playhead, clock, self.timeline.duration)
        if what in ("selection", "timecode"):
            sel = self.project.selection
            self.selection_label.setText(
                "No selection" if sel is None else
                f"{'Frame' if sel.frame else 'Region'} {clock.label(sel.start)} – "
                f"{clock.label(sel.end)}  ({sel.duration:.2f} s)")

    def _on_transport_state(self, label: str) -> None:
        self.actions.play.setText("Stop" if label else "Play Timeline")
        if label:
            self.job_label.setText(f"Playing {label}")
        elif self.job_label.text().startswith("Playing "):
            self.job_label.setText("Stopped")

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document_name()}{' *' if self._dirty else ''} — Foley Studio")

    # -- Qt events ---------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.guarded(self.open_path, urls[0])

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.main_thread.closed:  # already shut down
            event.accept()
            return
        if not self.guarded(self.document.release, "quit"):  # a fault here keeps the window
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop jobs, decoding and sound; store preferences; remove this window's autosave."""
        self.main_thread.closed = True
        self.autosave_timer.stop()
        self.transport.stop()
        self.transport.engine.close()
        self.jobs.shutdown(wait=True)
        self.media.shutdown()
        _window_state().setValue("geometry", self.saveGeometry())
        self.guarded(save_settings, self.settings)
        self.autosaves.close()

    def restore_geometry(self) -> None:
        """Put the window where the user left it (geometry is Qt's own data, kept in QSettings)."""
        geometry = _window_state().value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)


def _scrolling(panel: QWidget) -> QScrollArea:
    """``panel`` in a scroll area, so a tall form never squeezes the takes list below it."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(panel)
    return area


def _window_state() -> QSettings:
    """Window geometry lives beside the preferences, in Qt's own format."""
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)
