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


def write_lane_takes(project: Project, folder: Path) -> list[tuple[Path, float, str, float]]:
    """Write every lane clip as a Broadcast WAV placed at its lane time.

    Returns ``(path, start, name, duration)`` per clip, in lane order.
    """
    from foley_studio import media

    if not project.lane:
        raise BridgeError("The Foley lane is empty; accept at least one take before sending.")
    out = []
    for n, clip in enumerate(sorted(project.lane, key=lambda c: c.start), start=1):
        take = replace(project.take(clip.take_id).take, start=clip.start)
        path = folder / f"{n:02d}_{_safe(take.name)}_{clip.id}.wav"
        media.write_take(path, take)
        out.append((path, clip.start, take.name, take.duration))
    return out


def check_status(target: SendTarget) -> SendReport:
    """Ask the DAW whether it is there (never raises for an absent host)."""
    with _connect(target) as link:
        status = link.status()
    return SendReport(DAWS[target.kind], status.connected, (status.detail or status.version,))


def send_lane(project: Project, target: SendTarget, folder: Path, fps: float,
              progress: ProgressFn, cancel: CancelToken) -> SendReport:
    """Write the lane's takes into ``folder`` and place them in the DAW or a timeline file."""
    files = write_lane_takes(project, folder)
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
