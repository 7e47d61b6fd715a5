"""Where takes go (a DAW over OSC, or a video editor's timeline file), how they are delivered,
and where: the Delivery preferences as a spec (rate, depth, channels, loudness, UCS name,
the project's start timecode), and the project's media folder beside the project file. A
project that was never saved has no media folder, and nothing is sent from a temporary folder
a DAW would lose. :mod:`ui.services.lane_delivery` sends a project's lanes with these.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from foley_studio.errors import ConfigError
from foley_studio.requests import Take
from ui.model.project_file import SUFFIX
from ui.model.settings import AppSettings

if TYPE_CHECKING:
    from foley_studio.media.delivery import Delivered, DeliverySpec

DAWS = {"reaper": "REAPER", "ableton": "Ableton Live"}
FILES = {"otio": "OpenTimelineIO (.otio)", "xml": "Final Cut Pro 7 XML (.xml)", "edl": "CMX 3600 EDL (.edl)"}


@dataclass(frozen=True)
class SendTarget:
    """Where to send: a DAW over OSC (``host``/``port``; ``None``: the preset's) or a timeline
    file format. ``preset`` names a target preset file (``None``: the shipped one of ``kind``)."""

    kind: str
    host: Optional[str] = "127.0.0.1"
    port: Optional[int] = 8000
    reply_port: Optional[int] = None  # None: the preset's (REAPER any free port, Live 11001)
    spool: Optional[str] = None  # REAPER's spool folder; None: the preset's
    reply_timeout: Optional[float] = None
    preset: Optional[str] = None

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


def write_take(take: Take, spec: "DeliverySpec", folder: Path, take_id: str) -> "Delivered":
    """Deliver one take into ``folder`` under its UCS name, with its id as UserData."""
    from foley_studio.media.delivery import deliver_take

    return deliver_take(take, spec, folder, user_data=take_id)


def check_status(target: SendTarget) -> SendReport:
    """Ask the DAW whether it is there (never raises for an absent host)."""
    with connect_target(target) as link:
        status = link.status()
    return SendReport(DAWS[target.kind], status.connected, (status.detail or status.version,))


def connect_target(target: SendTarget) -> Any:
    """A :class:`bridge.Bridge` to the DAW ``target`` names (its preset, with the panel's host,
    ports and folders)."""
    from bridge import connect

    overrides = {"host": target.host, "port": target.port, "reply_port": target.reply_port,
                 "spool": target.spool,
                 "reply_timeout": target.reply_timeout}
    return connect(target.preset or target.kind, **overrides)  # None values keep the preset's
