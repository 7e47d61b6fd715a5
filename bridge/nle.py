"""Hand takes to video editors: an OpenTimelineIO timeline (.otio), FCP7 XML or a CMX3600 EDL.

Each take becomes a clip on an audio track named after its ``track`` (a lane), preceded by a
gap up to its start; the clip references the Broadcast WAV by absolute ``file://`` URL (editors
relink by path and read the WAV's TimeReference as its source timecode) and plays it from
``offset`` seconds in (its trim). ``.otio`` keeps sample-exact times at the WAV's rate; FCP7 XML
and EDL count in frames, so starts and lengths round to the nearest frame at ``fps``. Record
times count from the project's start timecode (the timeline's global start; in an EDL, the
record column). A CMX3600 EDL holds one audio track, so :func:`export_lanes` writes one EDL
per lane. Files are written atomically.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional, Sequence

from foley_studio.atomic import write_text_atomic
from foley_studio.errors import BridgeError, FoleyStudioError
from foley_studio.timeline import Clock

from bridge.results import check_time, take_file
from bridge.wavinfo import WavInfo, read_wav_info

FORMATS = {"otio": ("otio_json", ".otio"), "xml": ("fcp_xml", ".xml"), "edl": ("cmx_3600", ".edl")}
"""fmt → (OpenTimelineIO adapter, usual file suffix)."""


@dataclass(frozen=True)
class PlacedTake:
    """A take file placed on the editor's timeline: ``start``/``duration`` in seconds, playing
    the file from ``offset`` seconds in (its source in-point). Fades and clip gain have no
    place in the interchange formats' clips; they travel in the clip's metadata."""

    path: os.PathLike | str
    start: float
    duration: float
    name: str = ""
    track: str = "Foley"
    offset: float = 0.0
    fade_in: float = 0.0
    fade_out: float = 0.0
    gain_db: float = 0.0


def export_timeline(takes: Sequence[PlacedTake], out: os.PathLike | str, *, fps: float = 24.0,
                    name: str = "Foley Studio", fmt: str = "otio",
                    start_timecode: Optional[str] = None) -> Path:
    """Write ``takes`` as a timeline file in ``fmt`` ("otio", "xml" or "edl"); return its path.

    ``start_timecode`` labels the timeline's first frame (``None``: 00:00:00:00).
    """
    if fmt not in FORMATS:
        raise BridgeError(f"Unknown timeline format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    if not (isinstance(fps, (int, float)) and 1 <= fps <= 240):
        raise BridgeError(f"The frame rate {fps!r} is not usable; give the picture's fps, e.g. 24 or 25.")
    if not takes:
        raise BridgeError("There are no accepted takes to export; accept at least one take first.")
    out = _check_out(Path(out))
    fps = exact_rate(float(fps))
    timeline = build_timeline(takes, fps=fps, name=name, frames=fmt != "otio",
                              origin=_first_frame(fps, start_timecode) if fmt == "edl" else 0)
    if fmt != "edl":
        timeline.global_start_time = _global_start(fps, start_timecode)
    if fmt == "xml":
        for track in timeline.tracks:  # the adapter writes a track's name from its own metadata
            track.metadata["fcp_xml"] = {"name": track.name}
        if ";" in Clock(fps, start_timecode).label(0.0):  # else it writes 00:59:56:12 NDF
            timeline.metadata["fcp_xml"] = {"timecode": {"displayformat": "DF"}}
    try:
        text = _edl(timeline, fps) if fmt == "edl" else _write(timeline, FORMATS[fmt][0])
    except BridgeError:
        raise
    except Exception as exc:  # adapters raise their own exception types
        raise BridgeError(f"OpenTimelineIO could not write {fmt.upper()}: {exc}") from exc
    try:
        write_text_atomic(out, text)
    except OSError as exc:
        raise BridgeError(f"Cannot write the timeline {out}: {exc.strerror or exc}; choose another "
                          "file (--out).") from exc
    return out


def export_lanes(takes: Sequence[PlacedTake], out: os.PathLike | str, *, fps: float = 24.0,
                 name: str = "Foley Studio", fmt: str = "otio",
                 start_timecode: Optional[str] = None) -> list[Path]:
    """Write ``takes`` with one track per lane (their ``track``): one ``.otio`` or ``.xml``
    file at ``out``, or one EDL per lane named ``<out stem>-<lane>.edl`` beside ``out``."""
    if fmt != "edl":
        return [export_timeline(takes, out, fps=fps, name=name, fmt=fmt,
                                start_timecode=start_timecode)]
    out = Path(out)
    lanes: dict[str, list[PlacedTake]] = {}
    for take in takes:
        lanes.setdefault(take.track or "Foley", []).append(take)
    if not lanes:
        raise BridgeError("There are no accepted takes to export; accept at least one take first.")
    return [export_timeline(members, out.with_name(f"{out.stem}-{file_part(lane)}.edl"), fps=fps,
                            name=f"{name} {lane}", fmt="edl", start_timecode=start_timecode)
            for lane, members in lanes.items()]


def file_part(text: str) -> str:
    """``text`` fit for a file name on any system (no separators or reserved characters)."""
    return " ".join(re.sub(r'[<>:"/\\|?*\x00-\x1f]+', " ", text).split()) or "lane"


def _first_frame(fps: float, start_timecode: Optional[str]) -> int:
    try:
        return Clock(fps, start_timecode).first_frame
    except FoleyStudioError as exc:
        raise BridgeError(f"Start timecode {start_timecode!r}: {exc}") from exc


def _global_start(fps: float, start_timecode: Optional[str]):
    import opentimelineio as otio

    return otio.opentime.RationalTime(_first_frame(fps, start_timecode), fps)


def _check_out(out: Path) -> Path:
    """``out`` if a file can be written there: not a folder, and not under an existing file."""
    if out.is_dir():
        raise BridgeError(f"The timeline file {out} is a folder; give a file name in it, e.g. "
                          f"{out / 'foley.otio'}.")
    blocker = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise BridgeError(f"The timeline file {out} lies under {blocker}, which is a file, not a "
                          "folder; choose another place (--out).")
    return out


def exact_rate(fps: float) -> float:
    """``fps`` with NTSC rates given to 2–3 decimals (23.976, 29.97, 59.94) made exact (N×1000/1001)."""
    nominal = round(fps * 1.001)
    if abs(fps - nominal) > 1e-9 and abs(fps - nominal * 1000 / 1001) < 0.005:
        return nominal * 1000 / 1001
    return fps


def _write(timeline, adapter: str) -> str:
    import opentimelineio as otio

    return otio.adapters.write_to_string(timeline, adapter_name=adapter)


def _edl(timeline, fps: float) -> str:
    """CMX3600 for one audio track ("A" events); the adapter's entry point insists on video.
    The frame-code mode line the adapter leaves out follows the title, as readers expect."""
    from otio_cmx3600_adapter.cmx_3600 import EDLWriter

    if len(timeline.tracks) != 1:
        names = ", ".join(t.name for t in timeline.tracks)
        raise BridgeError(f"An EDL holds one track, these takes use {len(timeline.tracks)} ({names}); "
                          "export one EDL per track, or use otio or xml.")
    writer = EDLWriter(tracks=timeline.tracks, rate=fps, style="avid")
    title, rest = writer.get_content_for_track_at_index(0, title=timeline.name).split("\n", 1)
    drop = any(";" in line for line in rest.splitlines() if line[:3].isdigit())
    return f"{title}\nFCM: {'DROP FRAME' if drop else 'NON-DROP FRAME'}\n{rest.lstrip(chr(10))}"


def build_timeline(takes: Sequence[PlacedTake], *, fps: float, name: str, frames: bool,
                   origin: int = 0):
    """An ``otio.schema.Timeline`` with one audio track per distinct ``take.track``; each
    track starts with ``origin`` frames of gap (an EDL's record times count from midnight)."""
    import opentimelineio as otio

    timeline = otio.schema.Timeline(name=name, global_start_time=otio.opentime.RationalTime(0, fps))
    by_track: dict[str, list[PlacedTake]] = {}
    for take in takes:
        by_track.setdefault(take.track or "Foley", []).append(take)
    for track_name, members in by_track.items():
        timeline.tracks.append(_track(track_name, members, fps, frames, origin / fps))
    return timeline


def _track(track_name: str, takes: list[PlacedTake], fps: float, frames: bool, origin: float = 0.0):
    import opentimelineio as otio

    track = otio.schema.Track(name=track_name, kind=otio.schema.TrackKind.Audio)
    cursor = 0.0
    takes = [replace(t, start=origin + check_time(t.start, "start")) for t in takes]
    for take in sorted(takes, key=lambda t: t.start):
        start, duration = check_time(take.start, "start"), check_time(take.duration, "duration")
        info = read_wav_info(take_file(take.path))
        rate = fps if frames else float(info.rate)
        if _ticks(start, rate) < _ticks(cursor, rate):
            raise BridgeError(f"Take {take.name or take.path} at {start:.3f} s overlaps the take before "
                              f"it on track {track_name!r}; move it or put it on another track.")
        if _ticks(start, rate) > _ticks(cursor, rate):
            track.append(otio.schema.Gap(source_range=_range(start - cursor, rate, cursor)))
        track.append(_clip(take, info, start, duration, rate, track_name))
        cursor = start + duration
    return track


def _clip(take: PlacedTake, info: WavInfo, start: float, duration: float, rate: float, track: str):
    """A clip whose media time starts at the WAV's TimeReference (its source timecode)."""
    import opentimelineio as otio

    offset = check_time(take.offset, "offset")
    if duration <= 0 or offset + duration > info.duration + 1e-6:
        raise BridgeError(f"Take {take.path} lasts {info.duration:.3f} s; {duration:.3f} s from "
                          f"{offset:.3f} s in does not fit it.")
    path = take_file(take.path)
    origin = (info.time_reference or 0) / info.rate
    media_start = otio.opentime.RationalTime(_ticks(origin, rate), rate)
    available = otio.opentime.TimeRange(media_start, otio.opentime.RationalTime(
        _ticks(origin + info.duration, rate) - _ticks(origin, rate), rate))
    reference = otio.schema.ExternalReference(target_url=path.as_uri(), available_range=available)
    used = _range(duration, rate, start)
    source_in = otio.opentime.RationalTime(_ticks(origin + offset, rate), rate)
    clip = otio.schema.Clip(name=take.name or path.stem, media_reference=reference,
                            source_range=otio.opentime.TimeRange(source_in, used.duration))
    clip.metadata["foley_studio"] = {"track": track, "start_seconds": start, "sample_rate": info.rate,
                                     "time_reference": info.time_reference, "offset_seconds": offset,
                                     "fade_in_seconds": take.fade_in,
                                     "fade_out_seconds": take.fade_out, "gain_db": take.gain_db}
    return clip


def _ticks(seconds: float, rate: float) -> int:
    """Nearest tick (frame or sample) at ``rate``; halves round up, as editors do."""
    return math.floor(seconds * rate + 0.5)


def _range(duration: float, rate: float, anchor: float):
    """A range from 0 lasting ``duration`` s at ``rate``, rounded on the timeline from ``anchor``.

    Rounding both ends on the timeline (not the length alone) keeps later items from drifting.
    """
    import opentimelineio as otio

    length = _ticks(anchor + duration, rate) - _ticks(anchor, rate)
    return otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate),
                                   otio.opentime.RationalTime(max(length, 1), rate))
