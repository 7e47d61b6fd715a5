"""Hand takes to video editors: an OpenTimelineIO timeline (.otio), FCP7 XML or a CMX3600 EDL.

Each take becomes a clip on an audio track named after its ``track``, preceded by a gap up to
its start; the clip references the Broadcast WAV by absolute ``file://`` URL (editors relink by
path and read the WAV's TimeReference as its source timecode). ``.otio`` keeps sample-exact
times at the WAV's rate; FCP7 XML and EDL count in frames, so starts and lengths round to the
nearest frame at ``fps``. Files are written atomically.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from foley_studio.atomic import write_text_atomic
from foley_studio.errors import BridgeError

from bridge.results import check_time, take_file
from bridge.wavinfo import WavInfo, read_wav_info

FORMATS = {"otio": ("otio_json", ".otio"), "xml": ("fcp_xml", ".xml"), "edl": ("cmx_3600", ".edl")}
"""fmt → (OpenTimelineIO adapter, usual file suffix)."""


@dataclass(frozen=True)
class PlacedTake:
    """A take file placed on the editor's timeline: ``start``/``duration`` in seconds."""

    path: os.PathLike | str
    start: float
    duration: float
    name: str = ""
    track: str = "Foley"


def export_timeline(takes: Sequence[PlacedTake], out: os.PathLike | str, *, fps: float = 24.0,
                    name: str = "Foley Studio", fmt: str = "otio") -> Path:
    """Write ``takes`` as a timeline file in ``fmt`` ("otio", "xml" or "edl"); return its path."""
    if fmt not in FORMATS:
        raise BridgeError(f"Unknown timeline format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    if not (isinstance(fps, (int, float)) and 1 <= fps <= 240):
        raise BridgeError(f"The frame rate {fps!r} is not usable; give the picture's fps, e.g. 24 or 25.")
    if not takes:
        raise BridgeError("There are no accepted takes to export; accept at least one take first.")
    out = _check_out(Path(out))
    fps = exact_rate(float(fps))
    timeline = build_timeline(takes, fps=fps, name=name, frames=fmt != "otio")
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
    """CMX3600 for one audio track ("A" events); the adapter's entry point insists on video."""
    from otio_cmx3600_adapter.cmx_3600 import EDLWriter

    if len(timeline.tracks) != 1:
        names = ", ".join(t.name for t in timeline.tracks)
        raise BridgeError(f"An EDL holds one track, these takes use {len(timeline.tracks)} ({names}); "
                          "export one EDL per track, or use otio or xml.")
    writer = EDLWriter(tracks=timeline.tracks, rate=fps, style="avid")
    return writer.get_content_for_track_at_index(0, title=timeline.name)


def build_timeline(takes: Sequence[PlacedTake], *, fps: float, name: str, frames: bool):
    """An ``otio.schema.Timeline`` with one audio track per distinct ``take.track``."""
    import opentimelineio as otio

    timeline = otio.schema.Timeline(name=name, global_start_time=otio.opentime.RationalTime(0, fps))
    by_track: dict[str, list[PlacedTake]] = {}
    for take in takes:
        by_track.setdefault(take.track or "Foley", []).append(take)
    for track_name, members in by_track.items():
        timeline.tracks.append(_track(track_name, members, fps, frames))
    return timeline


def _track(track_name: str, takes: list[PlacedTake], fps: float, frames: bool):
    import opentimelineio as otio

    track = otio.schema.Track(name=track_name, kind=otio.schema.TrackKind.Audio)
    cursor = 0.0
    for take in sorted(takes, key=lambda t: check_time(t.start, "start")):
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

    if duration <= 0 or duration > info.duration + 1e-6:
        raise BridgeError(f"Take {take.path} lasts {info.duration:.3f} s; a duration of {duration:.3f} s "
                          "does not fit it.")
    path = take_file(take.path)
    origin = (info.time_reference or 0) / info.rate
    media_start = otio.opentime.RationalTime(_ticks(origin, rate), rate)
    available = otio.opentime.TimeRange(media_start, otio.opentime.RationalTime(
        _ticks(origin + info.duration, rate) - _ticks(origin, rate), rate))
    reference = otio.schema.ExternalReference(target_url=path.as_uri(), available_range=available)
    used = _range(duration, rate, start)
    clip = otio.schema.Clip(name=take.name or path.stem, media_reference=reference,
                            source_range=otio.opentime.TimeRange(media_start, used.duration))
    clip.metadata["foley_studio"] = {"track": track, "start_seconds": start, "sample_rate": info.rate,
                                     "time_reference": info.time_reference}
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
