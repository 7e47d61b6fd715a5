"""Editing lanes and clips from the window: lanes added, renamed, removed and their gain; clips
trimmed, faded, gained and moved between Foley lanes; inpaint repairs of the production audio
with before/after and export; the timeline's mix played from the playhead.

:class:`LaneEditor` turns the timeline's requests, its right-click menus and the Lane menu into
undoable commands (one step per gesture). The production lane and the last sync lane cannot be
removed: repairs, before/after and generation read them (mute them instead).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from PyQt6.QtWidgets import QMenu

from foley_studio.errors import ConfigError
from ui.model import commands
from ui.model.lanes import FOLEY, GAIN_RANGE, SYNC, Lane, LaneClip, removable
from ui.qt.errors import guarded_slot
from ui.qt.qt_transport import Playing
from ui.services import mixing

_guarded = guarded_slot
WHEEL_GESTURES = 1_000_000
"""Gesture numbers of Shift+wheel gain steps start here, apart from the canvas's drags."""
WAV_FILTER = "WAV audio (*.wav)"


class LaneEditor:
    """The window's lane and clip edits; connects itself to the timeline's requests."""

    def __init__(self, window: Any) -> None:  # the main window
        self.w = window
        self._wheel_key: Optional[tuple[str, int]] = None
        self._wheel_gesture = WHEEL_GESTURES
        self._ab: tuple[Any, Any] = (None, None)  # (original, repaired) of the last before/after
        t = window.timeline
        t.clip_changed.connect(self.edit_clip)
        t.clip_lane_changed.connect(self.move_clip_to_lane)
        t.clip_gain_stepped.connect(self.step_clip_gain)
        t.lane_gain_stepped.connect(self.step_lane_gain)
        t.menu_requested.connect(self.show_menu)

    @property
    def fps(self) -> float:
        """The video's frame rate (25 before one is open)."""
        return self.w.project.video.fps if self.w.project.video else 25.0

    # -- lanes ---------------------------------------------------------------------------------
    @_guarded
    def add_lane(self, name: Optional[str] = None) -> Optional[Lane]:
        """A new Foley lane below the others (above the sync lanes), e.g. footsteps, props."""
        name = name if name is not None else self.w.dialogs.text("Add Foley lane", "Name", "Footsteps")
        if not name or not name.strip():
            return None
        lane = Lane(FOLEY, name.strip())
        lanes = self.w.project.lanes
        index = next((i for i, other in enumerate(lanes) if other.kind == SYNC), len(lanes))
        self.w.history.push(commands.AddLane(self.w.project, lane, index))
        self.w.timeline.selected_lane = lane.id
        return lane

    @_guarded
    def rename_lane(self, lane_id: Optional[str] = None, name: Optional[str] = None) -> None:
        """Give a lane another name (asks for it when none is given)."""
        lane = self._lane(lane_id)
        name = name if name is not None else self.w.dialogs.text("Rename lane", "Name", lane.name)
        if name and name.strip() and name.strip() != lane.name:
            self._push(lane.with_changes(name=name.strip()), f"Rename lane {lane.name}")

    @_guarded
    def remove_lane(self, lane_id: Optional[str] = None) -> None:
        """Remove a lane; one that holds clips asks first (undo brings it back whole)."""
        lane = self._lane(lane_id)
        if not removable(self.w.project.lanes, lane):
            raise ConfigError(f"{lane.name} cannot be removed: the project needs its production "
                              "audio and one sync lane. Mute it, or clear its hits, instead.")
        if lane.clips:
            n = len(lane.clips)
            answer = self.w.dialogs.choose(
                "Remove lane", f"{lane.name} holds {n} clip{'s' if n != 1 else ''}. Remove the "
                "lane and its clips? (The takes stay in the list; Undo brings the lane back.)",
                ["Remove Lane", "Cancel"])
            if answer != "Remove Lane":
                return
        self.w.history.push(commands.RemoveLane(self.w.project, lane.id))

    @_guarded
    def set_lane_gain(self, lane_id: Optional[str] = None, db: Optional[float] = None) -> None:
        """Set an audio lane's gain in dB (asks for it when none is given)."""
        lane = self._audio_lane(lane_id)
        db = db if db is not None else self._ask_db(f"{lane.name} gain", lane.gain_db)
        if db is not None and db != lane.gain_db:
            self._push(lane.with_changes(gain_db=db), f"Gain of {lane.name}")

    @_guarded
    def step_lane_gain(self, lane_id: str, db: float) -> None:
        """Shift+wheel over a lane header: nudge its gain (a run of notches is one step)."""
        lane = self._audio_lane(lane_id)
        gain = _clamp_db(lane.gain_db + db)
        if gain != lane.gain_db:
            self._push(lane.with_changes(gain_db=gain), f"Gain of {lane.name}", self._wheel(lane_id))

    # -- clips ---------------------------------------------------------------------------------
    @_guarded
    def edit_clip(self, clip: LaneClip, text: str, gesture: int = 0) -> None:
        """Swap in a trimmed, faded or gained copy of a clip (one undo step per drag)."""
        self.w.history.push(commands.EditClip(self.w.project, clip, text, gesture))

    @_guarded
    def clip_gain(self, clip_id: Optional[str] = None, db: Optional[float] = None) -> None:
        """Set a clip's gain in dB (asks for it when none is given)."""
        clip = self.w.project.clip(self._clip_id(clip_id))
        db = db if db is not None else self._ask_db("Clip gain", clip.gain_db)
        if db is not None and db != clip.gain_db:
            self.edit_clip(_with(clip, gain_db=db), "Clip gain")

    @_guarded
    def step_clip_gain(self, clip_id: str, db: float) -> None:
        """Shift+wheel over a clip: nudge its gain (a run of notches is one step)."""
        clip = self.w.project.clip(clip_id)
        gain = _clamp_db(clip.gain_db + db)
        if gain != clip.gain_db:
            self.edit_clip(_with(clip, gain_db=gain), "Clip gain", self._wheel(clip_id))

    @_guarded
    def reset_clip(self, clip_id: Optional[str] = None) -> None:
        """Undo a clip's trims, fades and gain: the whole take at 0 dB again."""
        clip = self.w.project.clip(self._clip_id(clip_id))
        whole = _with(clip, start=max(0.0, clip.start - clip.offset), offset=0.0, length=None,
                      fade_in=0.0, fade_out=0.0, gain_db=0.0)
        self.edit_clip(whole, "Reset clip")

    @_guarded
    def move_clip_to_lane(self, clip_id: str, lane_id: str) -> None:
        """Move a clip onto another Foley lane (a vertical drag)."""
        self.w.history.push(commands.MoveClipToLane(self.w.project, clip_id, lane_id))
        self.w.timeline.selected_clip = clip_id

    # -- repairs -------------------------------------------------------------------------------
    @_guarded
    def repair(self, take_id: str) -> None:
        """Let an inpaint take repair its gap on the "Production (edited)" lane, with a
        one-frame equal-power seam either side."""
        self.w.history.push(commands.RepairProduction(self.w.project, take_id, 1.0 / self.fps))

    @_guarded
    def before_after(self) -> None:
        """Shift+B: play the repair nearest the playhead (or the one selected) from the edited
        lane; pressed again while it plays, switch between original and edited in place."""
        current = self.w.transport.current
        if current is not None and current.label in ("Repair (after)", "Repair (before)") \
                and self.w.transport.playing:
            audio = self._ab[0] if current.label == "Repair (after)" else self._ab[1]
            label = "Repair (before)" if current.label == "Repair (after)" else "Repair (after)"
            self.w.transport.swap(Playing(label, audio, current.rate, current.start))
            return
        soundtrack, rate = self._soundtrack()
        region = mixing.repair_region(self.w.project, self.w.timeline.selected_clip, self.w.playhead)
        self._ab = mixing.before_after(self.w.project, soundtrack, rate, region)
        self.w.transport.play(Playing("Repair (after)", self._ab[1], rate, region[0]))

    @_guarded
    def export_repaired(self, path: Optional[str] = None) -> None:
        """Write the repaired production track as a WAV (the video is only read)."""
        project = self.w.project
        if project.edited_lane() is None or not project.edited_lane().clips:
            raise ConfigError("There is no repair to export: accept an inpaint take to repair "
                              "the production audio first.")
        path = path or self.w.dialogs.save_file("Export repaired production", WAV_FILTER,
                                               self._repaired_name())
        if not path:
            return
        self.w.submit("Export repaired production",
                      lambda progress, cancel: mixing.export_repaired(project, Path(path)),
                      lambda written: self.w.statusBar().showMessage(f"Wrote {written}", 8000))

    def _repaired_name(self) -> str:
        """``<video> repaired.wav`` in a saved project's media folder (made now, so the file
        dialog opens there), else in the video's folder."""
        from ui.services.send import media_folder

        name = f"{Path(self.w.project.video.path).stem} repaired.wav"
        if self.w.project_path is None:
            return self.w.suggest(name)
        folder = media_folder(self.w.project_path)
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / name)

    # -- the mix -------------------------------------------------------------------------------
    @_guarded
    def play_mix(self) -> None:
        """Play the timeline's mix (every audible lane) from the playhead."""
        soundtrack, rate = self._soundtrack()
        self.w.mix_player.set_soundtrack(soundtrack, rate)
        audio = self.w.mix_player.render_from(self.w.playhead)
        if len(audio) == 0:
            raise ConfigError("The playhead is at the end of the video; move it back to play.")
        self.w.transport.play(Playing("Timeline mix", audio, rate, self.w.playhead))

    def _soundtrack(self) -> tuple[Any, int]:
        import numpy as np

        from ui.services.media import AUDIO_RATE

        overview = self.w.overview
        if overview is None:
            raise ConfigError("Open a video first (File ▸ Open Video).")
        audio = overview.audio if overview.audio is not None else \
            np.zeros(int(overview.duration * AUDIO_RATE), np.float32)  # (S,)
        return audio, AUDIO_RATE

    # -- menus -----------------------------------------------------------------------------------
    def menu_for(self, lane_id: str, clip_id: str = "") -> QMenu:
        """The right-click menu of a clip (when ``clip_id``) and its lane."""
        menu = QMenu(self.w)
        lane = self.w.project.lane_by_id(lane_id)
        self.w.timeline.selected_lane = lane_id
        if clip_id:
            menu.addAction("Clip Gain…", lambda: self.clip_gain(clip_id))
            menu.addAction("Reset Trims, Fades and Gain", lambda: self.reset_clip(clip_id))
            menu.addAction("Remove Clip", lambda: self._remove_clip(clip_id))
            menu.addSeparator()
        menu.addAction("Add Foley Lane…", lambda: self.add_lane())
        menu.addAction("Rename Lane…", lambda: self.rename_lane(lane_id))
        if lane.is_audio:
            menu.addAction("Lane Gain…", lambda: self.set_lane_gain(lane_id))
        remove = menu.addAction("Remove Lane", lambda: self.remove_lane(lane_id))
        remove.setEnabled(removable(self.w.project.lanes, lane))
        if lane.kind == "edited":
            menu.addSeparator()
            menu.addAction("Before/After Repair", self.before_after)
            menu.addAction("Export Repaired Production…", lambda: self.export_repaired())
        return menu

    def show_menu(self, lane_id: str, clip_id: str, pos: Any) -> None:
        """Open the right-click menu at ``pos`` (global)."""
        self.w.guarded(lambda: self.menu_for(lane_id, clip_id).exec(pos))

    @_guarded
    def _remove_clip(self, clip_id: str) -> None:
        self.w.history.push(commands.RemoveClip(self.w.project, clip_id))

    # -- helpers ---------------------------------------------------------------------------------
    def _lane(self, lane_id: Optional[str]) -> Lane:
        lane_id = lane_id or self.w.timeline.selected_lane
        if lane_id is None:
            raise ConfigError("No lane is chosen: click a lane's name in the timeline first.")
        return self.w.project.lane_by_id(lane_id)

    def _audio_lane(self, lane_id: Optional[str]) -> Lane:
        lane = self._lane(lane_id)
        if not lane.is_audio:
            raise ConfigError(f"{lane.name} is a sync lane and has no gain; choose an audio lane.")
        return lane

    def _clip_id(self, clip_id: Optional[str]) -> str:
        clip_id = clip_id or self.w.timeline.selected_clip
        if clip_id is None:
            raise ConfigError("No clip is selected; click a clip on a lane first.")
        return clip_id

    def _ask_db(self, caption: str, now: float) -> Optional[float]:
        text = self.w.dialogs.text(caption, f"Gain in dB ({GAIN_RANGE[0]:g} to {GAIN_RANGE[1]:+g})",
                                   f"{now:g}")
        if text is None or not text.strip():
            return None
        try:
            return float(text.replace("dB", "").strip())
        except ValueError:
            raise ConfigError(f"{text!r} is not a gain; type a number of dB such as -6 or 3.5.") from None

    def _wheel(self, target: str) -> int:
        """The gesture of a Shift+wheel notch: one per run of notches on one target."""
        key = (target, self.w.timeline.canvas._gestures)
        if key != self._wheel_key:
            self._wheel_key, self._wheel_gesture = key, self._wheel_gesture + 1
        return self._wheel_gesture

    def _push(self, lane: Lane, text: str, gesture: int = 0) -> None:
        self.w.history.push(commands.EditLane(self.w.project, lane, text, gesture))


def _clamp_db(db: float) -> float:
    return float(min(max(db, GAIN_RANGE[0]), GAIN_RANGE[1]))


def _with(clip: LaneClip, **changes: Any) -> LaneClip:
    from dataclasses import replace

    return replace(clip, **changes)


def build_lane_menu(a: Any, bar: Any) -> None:
    """The Lane menu: lanes, clips, the mix and repairs (``a`` is the window's actions)."""
    lanes = a.w.lanes
    menu = bar.addMenu("La&ne")
    a.add(menu, "Add Foley Lane…", lambda: lanes.add_lane(), "Ctrl+Shift+N")
    a.add(menu, "Rename Lane…", lambda: lanes.rename_lane())
    a.add(menu, "Lane Gain…", lambda: lanes.set_lane_gain())
    a.add(menu, "Remove Lane", lambda: lanes.remove_lane())
    menu.addSeparator()
    a.add(menu, "Clip Gain…", lambda: lanes.clip_gain(), "Ctrl+G")
    a.add(menu, "Reset Clip", lambda: lanes.reset_clip())
    menu.addSeparator()
    a.play_mix = a.add(menu, "Play Mix from Playhead", lanes.play_mix, "P")
    a.add(menu, "Before/After Repair", lanes.before_after, "Shift+B")
    a.add(menu, "Export Repaired Production…", lambda: lanes.export_repaired())
