"""Hand accepted takes to a DAW (REAPER, Ableton Live) or a video editor (OTIO, FCP XML, EDL).

Each lane clip is delivered (:mod:`foley_studio.media.delivery`: the Delivery preferences'
rate, depth, channels, loudness and UCS name; TimeReference at its frame-snapped lane time
after the project's start timecode) into the project's media folder, beside the project file,
then placed over OSC through :mod:`bridge` or listed in a timeline file. A project that was
never saved has no media folder, and nothing is sent from a temporary folder a DAW would lose.
Everything here blocks on files and sockets, so the app runs it as a job.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from foley_studio.errors import BridgeError, ConfigError
from foley_studio.progress import CancelToken, ProgressFn, report
from foley_studio.requests import Take
from ui.model.project import Project
from ui.model.project_file import SUFFIX
from ui.model.settings import AppSettings

if TYPE_CHECKING:
    from foley_studio.media.delivery import Delivered, DeliverySpec

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
    """A snapshot of the lane: ``(clip id, take as the clip plays it)`` in time order (trimmed,
    faded and gained, placed at the clip's start: :meth:`Project.placed_take`).

    Taken on the GUI thread, so a job can write the files while the user keeps editing.
    """
    if not project.lane:
        raise BridgeError("The Foley lane is empty; accept at least one take before sending.")
    return [(clip.id, project.placed_take(clip)) for clip in sorted(project.lane, key=lambda c: c.start)]


def media_folder(project_path: Optional[Path]) -> Path:
    """Where a saved project's delivered takes live: ``<name> Media`` beside the project file.

    An unsaved project has none: the error says to save first, so a DAW is never pointed at a
    temporary folder that goes away.
    """
    if project_path is None:
        raise ConfigError("Save the project first (File ▸ Save Project): takes are copied into "
                          "the project's media folder before they are sent, so the DAW never "
                          "points at a temporary file that goes offline.")
    return project_path.parent / f"{project_name(project_path)} Media"


def project_name(project_path: Optional[Path]) -> str:
    """``scene`` for ``scene.foley.json``; empty for an unsaved project."""
    if project_path is None:
        return ""
    name = project_path.name
    return name[:-len(SUFFIX)] if name.endswith(SUFFIX) else name


def delivery_spec(settings: AppSettings, fps: float, name: str,
                  start_timecode: str = "00:00:00:00") -> "DeliverySpec":
    """The Delivery preferences as a spec for the project ``name`` at ``fps`` starting at
    ``start_timecode`` (SourceID: the preference, else ``name``)."""
    from foley_studio.media.delivery import DeliverySpec

    s = settings
    return DeliverySpec(s.delivery_rate, s.delivery_depth, s.delivery_channels,
                        s.delivery_loudness if s.delivery_normalise else None,
                        s.delivery_true_peak, s.ucs_category, s.ucs_creator or "NONE",
                        s.ucs_source or name or "NONE", fps, start_timecode,
                        s.ucs_list or None, s.delivery_limit)


def delivery_name(take: Take, spec: "DeliverySpec") -> str:
    """The UCS file name a take is delivered under."""
    from foley_studio.media.delivery import fx_name_of, ucs_filename

    return ucs_filename(spec.cat_id, fx_name_of(take), spec.creator_id, spec.source_id)


def export_take(take: Take, spec: "DeliverySpec", path: Path, bwf: bool) -> "Delivered":
    """Deliver one take to ``path`` (a plain WAV when ``bwf`` is false)."""
    from foley_studio.media.delivery import deliver_take

    return deliver_take(take, spec, path.parent, path=path, bwf=bwf)


def write_lane_takes(clips: list[tuple[str, Take]], folder: Path,
                     spec: "DeliverySpec") -> list["Delivered"]:
    """Deliver each lane take into ``folder``, named by UCS with the clip id as UserData."""
    from foley_studio.media.delivery import deliver_take

    return [deliver_take(take, spec, folder, user_data=clip_id) for clip_id, take in clips]


def check_status(target: SendTarget) -> SendReport:
    """Ask the DAW whether it is there (never raises for an absent host)."""
    with _connect(target) as link:
        status = link.status()
    return SendReport(DAWS[target.kind], status.connected, (status.detail or status.version,))


def send_lane(clips: list[tuple[str, Take]], target: SendTarget, folder: Path, fps: float,
              progress: Optional[ProgressFn], cancel: CancelToken,
              spec: Optional["DeliverySpec"] = None) -> SendReport:
    """Deliver the lane's takes (see :func:`lane_takes`) into ``folder`` by ``spec`` (default:
    48 kHz/24-bit mono, -1 dBTP ceiling) and place them in the DAW or list them in a timeline
    file, each at its frame-snapped position."""
    from foley_studio.media.delivery import DeliverySpec

    delivered = write_lane_takes(clips, folder, spec or DeliverySpec(fps=fps))
    names = [take.name for _, take in clips]
    if not target.is_daw:
        return _export(delivered, names, target, folder, fps)
    lines = [d.summary() for d in delivered]
    with _connect(target) as link:
        for done, (d, name) in enumerate(zip(delivered, names)):
            cancel.raise_if_set()
            result = link.place(d.path, d.position, target.track, name)
            lines.append(f"{result.name} → track {result.track} at {d.position:.3f} s")
            report(progress, done + 1, len(delivered))
    return SendReport(DAWS[target.kind], True, tuple(lines))


def _export(delivered: list["Delivered"], names: list[str], target: SendTarget, folder: Path,
            fps: float) -> SendReport:
    from bridge import PlacedTake, export_timeline

    placed = [PlacedTake(d.path, d.position, d.duration, name, target.track)
              for d, name in zip(delivered, names)]
    out = export_timeline(placed, folder / f"foley_lane.{target.kind}", fps=fps, fmt=target.kind)
    return SendReport(FILES[target.kind], True, (*[d.summary() for d in delivered], f"wrote {out}"), out)


def _connect(target: SendTarget) -> Any:
    from bridge import connect

    overrides = {"host": target.host, "port": target.port, "reply_port": target.reply_port,
                 "track": target.track, "spool": target.spool,
                 "reply_timeout": target.reply_timeout}
    return connect(target.kind, **overrides)  # None values keep the preset's
