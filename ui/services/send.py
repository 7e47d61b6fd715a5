"""Hand accepted takes to a DAW (REAPER, Ableton Live) or a video editor (OTIO, FCP XML, EDL).

Each lane clip is written as a Broadcast WAV (placed at its lane time through TimeReference),
then placed over OSC through :mod:`bridge` or listed in a timeline file. Everything here
blocks on files and sockets, so the app runs it as a job.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Optional

from foley_studio.errors import BridgeError
from foley_studio.progress import CancelToken, ProgressFn, report
from foley_studio.requests import Take
from ui.model.project import Project

DAWS = {"reaper": "REAPER", "ableton": "Ableton Live"}
FILES = {"otio": "OpenTimelineIO (.otio)", "xml": "Final Cut Pro 7 XML (.xml)", "edl": "CMX 3600 EDL (.edl)"}


@dataclass(frozen=True)
class SendTarget:
    """Where to send: a DAW over OSC (``host``/``port``) or a timeline file format."""

    kind: str
    host: str = "127.0.0.1"
    port: int = 8000
    reply_port: Optional[int] = None  # None: the preset's (REAPER any free port, Live 11001)
    track: str = "Foley"
    spool: Optional[str] = None  # REAPER's spool folder; None: the preset's
    reply_timeout: Optional[float] = None

    @property
    def is_daw(self) -> bool:
        """Whether this goes over OSC rather than into a file."""
        return self.kind in DAWS


@dataclass(frozen=True)
class SendReport:
    """What a send did: one line per clip, and whether the host answered."""

    target: str
    connected: bool
    lines: tuple[str, ...] = ()
    path: Optional[Path] = None


def lane_takes(project: Project) -> list[tuple[str, Take]]:
    """A snapshot of the lane: ``(clip id, take placed at the clip's start)`` in time order.

    Taken on the GUI thread, so a job can write the files while the user keeps editing.
    """
    if not project.lane:
        raise BridgeError("The Foley lane is empty; accept at least one take before sending.")
    return [(clip.id, replace(project.take(clip.take_id).take, start=clip.start))
            for clip in sorted(project.lane, key=lambda c: c.start)]


def write_lane_takes(clips: list[tuple[str, Take]], folder: Path) -> list[tuple[Path, float, str, float]]:
    """Write each lane take as a Broadcast WAV placed at its lane time.

    Returns ``(path, start, name, duration)`` per clip, in the order given.
    """
    from foley_studio import media

    out = []
    for n, (clip_id, take) in enumerate(clips, start=1):
        path = folder / f"{n:02d}_{_safe(take.name)}_{clip_id}.wav"
        media.write_take(path, take)
        out.append((path, take.start, take.name, take.duration))
    return out


def check_status(target: SendTarget) -> SendReport:
    """Ask the DAW whether it is there (never raises for an absent host)."""
    with _connect(target) as link:
        status = link.status()
    return SendReport(DAWS[target.kind], status.connected, (status.detail or status.version,))


def send_lane(clips: list[tuple[str, Take]], target: SendTarget, folder: Path, fps: float,
              progress: Optional[ProgressFn], cancel: CancelToken) -> SendReport:
    """Write the lane's takes (see :func:`lane_takes`) into ``folder`` and place them in the
    DAW or list them in a timeline file."""
    files = write_lane_takes(clips, folder)
    if not target.is_daw:
        return _export(files, target, folder, fps)
    lines = []
    with _connect(target) as link:
        for done, (path, start, name, _) in enumerate(files):
            cancel.raise_if_set()
            result = link.place(path, start, target.track, name)
            lines.append(f"{result.name} → track {result.track} at {start:.3f} s")
            report(progress, done + 1, len(files))
    return SendReport(DAWS[target.kind], True, tuple(lines))


def _export(files: list, target: SendTarget, folder: Path, fps: float) -> SendReport:
    from bridge import PlacedTake, export_timeline

    placed = [PlacedTake(path, start, duration, name, target.track)
              for path, start, name, duration in files]
    out = export_timeline(placed, folder / f"foley_lane.{target.kind}", fps=fps, fmt=target.kind)
    return SendReport(FILES[target.kind], True, (f"wrote {out}",), out)


def _connect(target: SendTarget) -> Any:
    from bridge import connect

    overrides = {"host": target.host, "port": target.port, "reply_port": target.reply_port,
                 "track": target.track, "spool": target.spool,
                 "reply_timeout": target.reply_timeout}
    return connect(target.kind, **overrides)  # None values keep the preset's


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:40] or "take"
