"""Sync hits for the app (no Qt): detected from the picture, tapped along, or voiced.

Each source gives a :class:`~foley_studio.sync.SyncTrack` for the selected region; the window
lays it onto the sync lane with :func:`lane_with_region`, snapped to frames, as one undoable
edit. Detection and voice analysis are jobs (``fn(progress, cancel)``) for the worker thread;
the library functions live in :mod:`foley_studio.syncing`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from foley_studio.errors import ConfigError, SelectionError
from foley_studio.progress import CancelToken, ProgressFn
from foley_studio.sync import SyncTrack
from ui.model.lanes import Lane, with_region
from ui.model.project import Project
from ui.services.jobs import JobFn

VOICE_RATE = 48000
"""Sample rate of voice recordings."""
SPEEDS = {1.0: "real time", 0.5: "half speed"}
"""Playback rates a user can tap along at."""


def region_of(project: Project) -> tuple[float, float]:
    """The selected region hits are made for; a single frame is refused."""
    sel = project.require_selection()
    if sel.frame:
        raise SelectionError("Hits are made for a region, not one frame: drag across the "
                             "timeline or set in and out points first.")
    return sel.start, sel.end


def lane_with_region(project: Project, track: SyncTrack, start: float, end: float) -> Lane:
    """The sync lane with its hits in ``[start, end)`` replaced by ``track``'s, on frames."""
    lane = project.sync_lane()
    if lane is None:
        raise ConfigError("The project has no sync lane; add one before making hits.")
    fps = project.video.fps if project.video else 25.0
    return lane.with_changes(sync=with_region(lane.sync, start, end, track.snapped(fps)))


def detect_job(project: Project) -> JobFn:
    """A job finding hits in the selected region of the video's picture."""
    if project.video is None:
        raise ConfigError("Open a video first (File ▸ Open Video).")
    source, (start, end) = project.video.path, region_of(project)

    def run(progress: ProgressFn, cancel: CancelToken) -> SyncTrack:
        from foley_studio import syncing

        return syncing.detect_visual_hits(source, start, end, progress=progress, cancel=cancel)

    return run


def hits_from_taps(taps: list[float], speed: float, latency: float, start: float,
                   end: float) -> SyncTrack:
    """Hits for key presses ``taps`` (seconds of playback) of the region played at ``speed``,
    corrected for the output ``latency`` (seconds) the audio stream reports."""
    from foley_studio import syncing

    return syncing.hits_from_taps(taps, playback_rate=speed, output_latency=latency,
                                  region_start=start, region_end=end)


def voice_file_job(path: str | Path, start: float) -> JobFn:
    """A job reading a vocal imitation (a WAV or other sound file) that starts at ``start``."""
    def run(progress: ProgressFn, cancel: CancelToken) -> SyncTrack:
        import soundfile as sf

        try:
            audio, rate = sf.read(str(path), dtype="float32", always_2d=True)  # (S, C)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise ConfigError(f"{path} is not a sound file Foley Studio can read ({exc}); "
                              "import a WAV recording.") from exc
        return _voiced(audio.mean(axis=1), rate, start)

    return run


def record_job(seconds: float, start: float) -> JobFn:
    """A job recording ``seconds`` from the default microphone, then finding the voiced hits."""
    def run(progress: ProgressFn, cancel: CancelToken) -> SyncTrack:
        from foley_studio import syncing

        audio = syncing.record_voice(seconds, VOICE_RATE)  # (S,)
        cancel.raise_if_set()
        return _voiced(audio, VOICE_RATE, start)

    return run


def _voiced(audio: np.ndarray, rate: int, start: float) -> SyncTrack:
    from foley_studio import syncing

    return syncing.hits_from_voice(np.asarray(audio, np.float32), rate, start)


def tap_audio(project: Project, soundtrack: np.ndarray, rate: int, start: float, end: float,
              speed: float) -> np.ndarray:
    """What plays while the user taps: the timeline's mix over ``[start, end)``, slowed to
    ``speed`` like tape (the pitch falls with it): ``(S,)`` float32 at ``rate``."""
    if speed not in SPEEDS:
        raise ConfigError(f"Tap along at real time or half speed (1 or 0.5), not {speed}.")
    mix = project.mix(soundtrack, rate)[int(round(start * rate)):int(round(end * rate))]  # (S,)
    if speed == 1.0:
        return mix
    from foley_studio import media

    return media.resample(mix, rate, int(round(rate / speed)))
