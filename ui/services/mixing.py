"""The timeline's mix as sound: play it from any time, compare a repair with the original, and
write the repaired production track (no Qt).

:class:`MixPlayer` renders the mix of the audible lanes from a start time
(:meth:`~ui.model.project.Project.mix`) and plays it on a
:class:`~ui.services.playback.PlaybackEngine`. The repaired production track is rendered at
the video's own sample rate and written atomically to a new file; the video is only read.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from foley_studio.errors import ConfigError
from ui.model.project import Project
from ui.services.playback import PlaybackEngine

AB_CONTEXT = 1.0
"""Seconds of production audio either side of a repair that before/after plays."""


class MixPlayer:
    """Plays the timeline's mix (every audible lane) from a start time, through ``engine``.

    ``soundtrack`` is the production audio ``(S,)`` at ``rate`` from time 0 (the decoded
    overview's); :meth:`play_from` is the entry point, :attr:`position` the playhead.
    """

    def __init__(self, project: Project, engine: PlaybackEngine) -> None:
        self.project, self.engine = project, engine
        self.soundtrack = np.zeros(0, dtype=np.float32)  # (S,)
        self.rate = 16000
        self.start = 0.0

    def set_soundtrack(self, audio: np.ndarray, rate: int) -> None:
        """Use ``audio`` ``(S,)`` at ``rate`` as the production audio."""
        self.soundtrack, self.rate = np.asarray(audio, dtype=np.float32), int(rate)

    def render_from(self, start: float, end: Optional[float] = None) -> np.ndarray:
        """The mix of ``[start, end)`` seconds (to the soundtrack's end): ``(S,)`` float32."""
        return self.project.mix(self.soundtrack, self.rate, start, end)

    def play_from(self, start: float, end: Optional[float] = None) -> np.ndarray:
        """Render the mix from ``start`` and play it; returns what plays."""
        audio = self.render_from(start, end)  # (S,)
        if len(audio) == 0:
            raise ConfigError(f"There is nothing to play after {start:.3f} s; move the playhead "
                              "back into the video.")
        self.start = start
        self.engine.play(audio, self.rate)
        return audio

    def stop(self) -> None:
        """Stop playing."""
        self.engine.stop()

    @property
    def position(self) -> float:
        """The timeline time now sounding."""
        return self.start + self.engine.position


def repair_region(project: Project, clip_id: Optional[str], playhead: float) -> tuple[float, float]:
    """The span before/after plays: the chosen repair clip (or the one nearest the playhead)
    with :data:`AB_CONTEXT` seconds either side."""
    lane = project.edited_lane()
    if lane is None or not lane.clips:
        raise ConfigError("There is no repair yet: accept an inpaint take to repair the "
                          "production audio first.")
    clips = [c for c in lane.clips if c.id == clip_id] or sorted(
        lane.clips, key=lambda c: abs(c.start - playhead))
    clip = clips[0]
    end = clip.end(project.take(clip.take_id).take.duration)
    return max(0.0, clip.start - AB_CONTEXT), end + AB_CONTEXT


def before_after(project: Project, soundtrack: np.ndarray, rate: int,
                 region: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """``(original, repaired)`` production audio of ``region``, each ``(S,)`` at ``rate``, for
    an A/B at the same position (neither lane's mute or gain applies)."""
    from foley_studio.media.mix import REPAIR, LaneSound, render_mix

    lane = project.edited_lane()
    first = int(round(region[0] * rate))
    count = int(round(region[1] * rate)) - first
    clips = tuple(project.clip_sound(c) for c in lane.clips)
    original = render_mix([LaneSound(REPAIR)], soundtrack, rate, first, count)
    return original, render_mix([LaneSound(REPAIR, 1.0, clips)], soundtrack, rate, first, count)


def render_repaired_track(project: Project) -> tuple[np.ndarray, int]:
    """The whole production track with every repair, at the video's own rate: ``(S,)``, rate.

    Decodes the video's soundtrack (slow: call from a worker)."""
    from foley_studio import media
    from foley_studio.media.mix import render_repaired

    lane = project.edited_lane()
    if lane is None or not lane.clips:
        raise ConfigError("There is no repair to export: accept an inpaint take to repair the "
                          "production audio first.")
    if project.video is None:
        raise ConfigError("Open the video whose production audio was repaired first.")
    with media.VideoClip(project.video.path) as clip:
        rate = int(clip.audio_rate or 48000)
        production = clip.audio(rate)  # (S,)
    clips = tuple(project.clip_sound(c) for c in lane.clips)
    return render_repaired(production, rate, clips), rate


def export_repaired(project: Project, path: Path) -> Path:
    """Write the repaired production track to ``path`` (24-bit WAV, atomically); refused when
    ``path`` is the video itself."""
    from foley_studio import media

    if project.video is not None and Path(path).resolve() == Path(project.video.path).resolve():
        raise ConfigError(f"{path} is the video itself; the original is never overwritten. "
                          "Choose another file name.")
    audio, rate = render_repaired_track(project)
    return media.write_wav(path, np.clip(audio, -1.0, 1.0), rate)
