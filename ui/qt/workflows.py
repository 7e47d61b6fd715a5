"""What the window's buttons and keys do: generate, audition, accept, export, send.

Each method reads the panels, turns the request into a job or an undoable command, and reports
any error through the window's :class:`~ui.qt.errors.ErrorReporter` (every public method here
is wrapped by :func:`_guarded`, so a slot never lets an exception escape into Qt). The
window is reached through :class:`FlowHost`, so this module never imports it.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Optional, Protocol

from foley_studio.errors import ConfigError
from ui.model import commands
from ui.model.project import TakeItem
from ui.model.storyboard import Storyboard
from ui.qt.errors import guarded_slot
from ui.qt.qt_storyboard_panel import write_sheet
from ui.qt.qt_transport import Playing, next_shuttle_speed
from ui.services import generation, lane_delivery, send


class FlowHost(Protocol):
    """The window's parts the workflows read and drive."""

    project: Any
    history: Any
    lanes: Any
    settings: Any
    catalog: Any
    dialogs: Any
    transport: Any
    overview: Any
    playhead: float
    project_path: Optional[Path]
    generate_panel: Any
    storyboard_panel: Any
    takes_panel: Any
    send_panel: Any
    timeline: Any
    tabs: Any

    def guarded(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call ``fn``; an exception becomes an error dialog."""

    def submit(self, title: str, fn: Any, on_done: Callable[[Any], None],
               on_failed: Optional[Callable[[BaseException], None]] = None) -> Any:
        """Run ``fn`` on the worker; ``on_done(result)`` on the GUI thread."""

    def suggest(self, name: str) -> str:
        """``name`` in the project's (or the video's) folder, for a save dialog."""


_guarded = guarded_slot


class Workflows:
    """The window's actions, kept apart from its layout."""

    def __init__(self, window: FlowHost) -> None:
        self.w = window

    @property
    def storyboard_result(self) -> Optional[Storyboard]:
        """The newest storyboard of the project (the one shown and exported), if any."""
        boards = self.w.project.storyboards
        return boards[-1] if boards else None

    # -- generation ---------------------------------------------------------------------------
    @_guarded
    def generate(self) -> None:
        """Generate takes (or a storyboard) for the selection with the panel's settings."""
        options = self.w.generate_panel.options()
        if options.mode == "storyboard":
            self.storyboard()
            return
        fn = generation.takes_job(self.w.project, options, self.w.catalog)
        self.w.settings.generator = options.generator
        label = generation.MODE_LABELS[options.mode]
        self.w.submit(f"{label} ({options.takes} takes)", fn,
                      lambda items: self._on_takes(items, options.seed))

    def _on_takes(self, items: list[TakeItem], seed: Optional[int] = None) -> None:
        if items and seed is not None:  # each take keeps its seed; the next run uses new ones
            self.w.generate_panel.advance_seed(seed, max(item.take.seed for item in items) + 1)
        self.w.project.number_new_takes(items)
        self.w.history.push(commands.AddTakes(self.w.project, items))
        if items:
            self.w.takes_panel.select(items[0].id)

    @_guarded
    def storyboard(self) -> None:
        """Draw pictures for the selected stretch of soundtrack."""
        options = self.w.generate_panel.options()
        fn = generation.storyboard_job(self.w.project, options, self.w.catalog)
        self.w.submit("Storyboard", fn, self._on_storyboard)

    def _on_storyboard(self, board: Storyboard) -> None:
        self.w.generate_panel.advance_seed(board.seed, board.seed + board.frames.shape[0])
        self.w.history.push(commands.AddStoryboard(self.w.project, board))  # shown by the panel
        self.w.tabs.setCurrentWidget(self.w.storyboard_panel)

    @_guarded
    def export_storyboard(self, path: Optional[str] = None) -> Optional[Path]:
        """Write the newest storyboard as a PNG sheet at least 1920 px wide, a row per take,
        each picture labelled with its timecode."""
        board = self.storyboard_result
        if board is None:
            raise ConfigError("There is no storyboard yet; select some sound and draw one first.")
        path = path or self.w.dialogs.save_file("Export storyboard", "PNG image (*.png)",
                                               self.w.suggest("storyboard.png"))
        if not path:
            return None
        return write_sheet(Path(path), board, self.w.project.clock)

    @_guarded
    def add_model_folder(self, folder: str) -> None:
        """Offer the bundles in ``folder`` in the weights picker (remembered in preferences)."""
        entries = self.w.catalog.add_folder(folder)
        if folder not in self.w.settings.model_folders:
            self.w.settings.model_folders.append(folder)
        self.w.generate_panel.refresh_generators()
        self.w.generate_panel.set_generator(entries[0].key)

    # -- audition ----------------------------------------------------------------------------
    @_guarded
    def play_take(self, take_id: str) -> None:
        """Play a take from its start (the playhead follows on the timeline)."""
        self.w.transport.play(self._playing(take_id))

    @_guarded
    def toggle_play(self) -> None:
        """Space: stop what plays, else play the timeline from the playhead."""
        if self.w.transport.playing:
            self.w.transport.stop()
        else:
            self.play_timeline()

    @_guarded
    def play_highlighted(self) -> None:
        """Shift+Space: play the take highlighted in the takes list from its start."""
        take_id = self.w.takes_panel.current_id()
        if take_id is None:
            raise ConfigError("No take is highlighted; generate takes, then pick one in the "
                              "takes list.")
        self.play_take(take_id)

    @_guarded
    def shuttle(self, direction: int) -> None:
        """L (``direction`` 1) or J (-1): shuttle the timeline from the playhead, faster with
        each press in the same direction (1×, 2×, 4×); backwards shows picture only."""
        speed = next_shuttle_speed(self.w.transport.shuttle_speed, direction)
        if speed > 0:
            self.w.transport.shuttle_forward(self.timeline_playing(), self.w.playhead, speed)
        else:
            self.w.transport.shuttle_back(self.w.playhead, -speed)

    @_guarded
    def play_timeline(self) -> None:
        """Play the timeline's mix (every audible lane) from the playhead."""
        self.w.transport.play(self.timeline_playing(), offset=self.w.playhead)

    def timeline_playing(self) -> Playing:
        """The timeline's mix from time 0, ready for the transport (play, shuttle)."""
        soundtrack, rate = self.w.lanes.soundtrack()
        return Playing("timeline", self.w.project.mix(soundtrack, rate), rate, 0.0)

    @_guarded
    def ab(self) -> None:
        """Switch between the last two takes played, at the same position."""
        recent = self.w.transport.recent
        current = self.w.transport.current
        if len(recent) < 2:
            raise ConfigError("A/B needs two takes: play one take, then another, then press A/B.")
        other = recent[0] if current is not None and current.take_id == recent[1] else recent[1]
        self.w.transport.swap(self._playing(other))
        self.w.takes_panel.select(other)

    @_guarded
    def before_after(self, take_id: str) -> None:
        """For an inpainted take: switch between the original soundtrack and the take."""
        item = self.w.project.take(take_id)
        current = self.w.transport.current
        if current is not None and current.label == f"{item.name} (after)":
            self.w.transport.swap(self._before(item))
        else:
            self.w.transport.swap(self._playing(take_id))

    def _playing(self, take_id: str) -> Playing:
        item = self.w.project.take(take_id)
        t = item.take
        label = f"{item.name} (after)" if item.gap else item.name
        return Playing(label, t.audio, t.sample_rate, t.start, take_id)

    def _before(self, item: TakeItem) -> Playing:
        """The soundtrack under an inpainted take, from the decoded overview (no decoding here)."""
        from foley_studio import media
        from ui.services.media import AUDIO_RATE

        t, overview = item.take, self.w.overview
        if overview is None or overview.audio is None:
            raise ConfigError("The video's soundtrack is not loaded yet; wait for the timeline.")
        first = int(round(t.start * AUDIO_RATE))
        span = overview.audio[first:first + int(round(t.duration * AUDIO_RATE))]  # (S,)
        original = media.resample(span, AUDIO_RATE, t.sample_rate)
        return Playing(f"{item.name} (before)", original, t.sample_rate, t.start, item.id)

    # -- take edits --------------------------------------------------------------------------
    @_guarded
    def accept_take(self, take_id: str) -> None:
        """Place a take at its own time: an inpaint take repairs the production audio on the
        "Production (edited)" lane; any other goes on the Foley lane chosen in the timeline
        (its header last clicked), else the topmost one."""
        if self.w.project.take(take_id).gap is not None:
            self.w.lanes.repair(take_id)
            return
        chosen = self.w.timeline.selected_lane
        lane_id = chosen if chosen and self.w.project.lane_by_id(chosen).kind == "foley" else None
        self.w.history.push(commands.AcceptTake(self.w.project, take_id, lane_id=lane_id))

    @_guarded
    def rename_take(self, take_id: str, name: Optional[str] = None) -> None:
        """Rename a take (asks for the name when none is given)."""
        current = self.w.project.take(take_id).name
        name = name if name is not None else self.w.dialogs.text("Rename take", "Name", current)
        if name and name.strip() and name.strip() != current:
            self.w.history.push(commands.RenameTake(self.w.project, take_id, name.strip()))

    @_guarded
    def delete_take(self, take_id: str) -> None:
        """Delete a take (and take it off the lane)."""
        if self.w.transport.current is not None and self.w.transport.current.take_id == take_id:
            self.w.transport.stop()
        self.w.history.push(commands.DeleteTake(self.w.project, take_id))

    @_guarded
    def move_clip(self, clip_id: str, start: float, gesture: int = 0) -> None:
        """Slide a lane clip (one undo step per drag)."""
        self.w.history.push(commands.MoveClip(self.w.project, clip_id, start, gesture))
        self.w.timeline.selected_clip = clip_id  # the move re-adds the clip under the same id

    @_guarded
    def remove_selected_clip(self) -> None:
        """Take the clip selected on the timeline off the Foley lane (Delete)."""
        clip_id = self.w.timeline.selected_clip
        if clip_id is None:
            raise ConfigError("No clip is selected on the Foley lane; click one first.")
        self.w.history.push(commands.RemoveClip(self.w.project, clip_id))

    @_guarded
    def export_take(self, take_id: str, bwf: bool, path: Optional[str] = None) -> Optional[Path]:
        """Deliver a take by the Delivery preferences under its UCS name, as a plain WAV or a
        Broadcast WAV stamped with its time, loudness, UCS fields and provenance."""
        item = self.w.project.take(take_id)
        spec = self._delivery_spec()
        path = path or self.w.dialogs.save_file("Export take", "WAV audio (*.wav)",
                                               self.w.suggest(send.delivery_name(item.take, spec)))
        if not path:
            return None
        return send.export_take(item.take, spec, Path(path), bwf).path

    @_guarded
    def take_file(self, take_id: str) -> Path:
        """A take delivered into the project's media folder by the Delivery preferences (for
        dragging it out of the takes list); an unsaved project has no media folder yet."""
        item = self.w.project.take(take_id)
        folder = send.media_folder(self.w.project_path)
        return send.write_take(item.take, self._delivery_spec(), folder, item.id).path

    @_guarded
    def start_timecode(self, text: Optional[str] = None) -> None:
        """Project Settings: the timecode of the video's first frame (typed, checked against
        the video's rate; empty: none). Undoable."""
        video = self.w.project.video
        if video is None:
            raise ConfigError("Open a video first: the start timecode labels its first frame.")
        if text is None:
            text = self.w.dialogs.text(
                "Project start timecode", f"Timecode of the first frame at {video.fps:.3f} fps "
                "(HH:MM:SS:FF; HH:MM:SS;FF for drop-frame; empty for none):",
                video.start_timecode or "")
        if text is not None and (text.strip() or None) != video.start_timecode:
            self.w.history.push(commands.SetStartTimecode(self.w.project, text.strip() or None))

    # -- send --------------------------------------------------------------------------------
    @_guarded
    def send(self) -> None:
        """Send the ticked lanes to the chosen DAW, a track per lane, or export them as a
        timeline file (EDL: one per lane)."""
        target = self.w.send_panel.target()
        s = self.w.settings
        s.send_target, s.send_host, s.send_port = target.kind, target.host, target.port
        plan = lane_delivery.project_plan(self.w.project, "", self.w.send_panel.chosen_lanes())
        folder = self._send_folder()
        spec = self._delivery_spec()
        plan = replace(plan, name=send.project_name(self.w.project_path))

        def run(progress, cancel) -> send.SendReport:
            return lane_delivery.send_lanes(plan, target, folder, spec, progress, cancel)

        failed = (lambda exc: self.w.send_panel.show_status(False, str(exc))) if target.is_daw else None
        self.w.submit(f"Send to {target.kind}", run, self.w.send_panel.show_report, failed)

    @_guarded
    def check_connection(self) -> None:
        """Ask the DAW whether it answers; the Send panel shows the result."""
        target = self.w.send_panel.target()
        self.w.submit(f"Check {target.kind}", lambda progress, cancel: send.check_status(target),
                      self.w.send_panel.show_report)

    @_guarded
    def delivery_settings(self) -> None:
        """Edit the Delivery preferences that Export and Send follow."""
        from ui.qt.actions import open_preferences

        open_preferences(self.w, section="Delivery")

    def _send_folder(self) -> Path:
        """The project's media folder; an unsaved project is saved first (the user picks where)."""
        if self.w.project_path is None:
            self.w.save()
        return send.media_folder(self.w.project_path)

    def _delivery_spec(self) -> Any:
        clock = self.w.project.clock
        return send.delivery_spec(self.w.settings, clock.fps, send.project_name(self.w.project_path),
                                  clock.label(0.0))
