"""Project files: versioned JSON plus one WAV per take in a folder beside it.

``song.foley.json`` holds ``schema_version``, the video, the selection, the takes' provenance and
the lanes (production, its repaired copy, Foley stems with their trimmed and faded clips, sync
tracks with their hits);
``song.foley.json.takes/`` holds ``<take id>.wav`` (32-bit float, lossless), and for a take
conformed to a sync track also ``<take id>.unconformed.wav``, the audio as generated. Drawn
storyboards are listed under ``storyboards`` (an optional key: files without it, older ones
included, simply have none) with their pictures in ``<board id>.storyboard.npy`` beside the
takes, so they come back exactly as drawn.
Older versions are migrated on load; files from a newer Foley Studio are refused rather than
half-read. Everything is written atomically, the JSON last, so a crash never leaves a project
that points at missing audio.
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Callable

import numpy as np
import soundfile as sf

from foley_studio.atomic import atomic_path, write_bytes_atomic, write_text_atomic
from foley_studio.errors import ConfigError, MissingFileError, SelectionError
from foley_studio.requests import Take
from foley_studio.sync import SyncTrack
from foley_studio.timeline import Clock
from ui.model.lanes import FOLEY, Lane
from ui.model.project import LaneClip, Project, TakeItem, VideoInfo
from ui.model.selection import Selection
from ui.model.storyboard import Storyboard

SCHEMA_VERSION = 4
SUFFIX = ".foley.json"


def takes_dir(path: Path) -> Path:
    """The folder that holds a project's take WAVs."""
    return Path(f"{path}.takes")


def save_project(project: Project, path: str | Path) -> Path:
    """Write ``project`` to ``path`` (takes first, then the JSON) and return the path."""
    path = Path(path)
    folder = takes_dir(path)
    for item in project.takes:
        _write_take_audio(folder / f"{item.id}.wav", item.take.audio, item.take.sample_rate)
        if item.take.unconformed is not None:
            _write_take_audio(folder / f"{item.id}.unconformed.wav", item.take.unconformed,
                              item.take.sample_rate)
    for board in project.storyboards:
        _write_storyboard(folder / f"{board.id}.storyboard.npy", board.frames)
    write_text_atomic(path, json.dumps(to_dict(project, path), indent=2))
    return path


def load_project(path: str | Path) -> Project:
    """Read a project file of this or an older schema into a new :class:`Project`."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path} is a folder, not a project file; choose the project's "
                          ".foley.json file inside it.")
    if not path.is_file():
        raise MissingFileError(f"The project {path} does not exist; choose another file.")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not a Foley Studio project (bad JSON: {exc}).") from exc
    return from_dict(migrate(data, path), path)


def to_dict(project: Project, path: Path) -> dict[str, Any]:
    """The JSON document for ``project`` saved at ``path`` (take files relative to it)."""
    video = project.video
    sel = project.selection
    return {
        "schema_version": SCHEMA_VERSION,
        "app": "foley-studio",
        "video": None if video is None else {"path": _relative(video.path, path.parent),
                                             "fps": video.fps, "duration": video.duration,
                                             "start_timecode": video.start_timecode},
        "selection": None if sel is None else {"start": sel.start, "end": sel.end,
                                               "frame": sel.frame},
        "takes": [_take_dict(item, path) for item in project.takes],
        "lanes": [_lane_dict(lane) for lane in project.lanes],
        "storyboards": [{"id": b.id, "file": f"{takes_dir(path).name}/{b.id}.storyboard.npy",
                         "region": list(b.region), "window": b.window, "seed": b.seed}
                        for b in project.storyboards],
    }


def from_dict(data: dict[str, Any], path: Path, takes: list[TakeItem] | None = None) -> Project:
    """Rebuild a project from a current-schema document saved at ``path`` (``takes`` stands
    in for the document's takes without reading their audio)."""
    project = Project()
    try:
        if data["video"]:
            v = data["video"]
            project.video = VideoInfo(str(_absolute(v["path"], path.parent)), v["fps"], v["duration"],
                                      v.get("start_timecode"))  # absent before start timecodes
            Clock(project.video.fps, project.video.start_timecode)  # one that misfits is damage
        if data["selection"]:
            s = data["selection"]
            project.selection = Selection(s["start"], s["end"], s.get("frame", False))
        project.takes = takes if takes is not None else [_take_item(t, path) for t in data["takes"]]
        project.set_lanes([_lane(d) for d in data["lanes"]])
        project.storyboards = [_storyboard(d, path) for d in data.get("storyboards", [])]
    except (KeyError, TypeError, ValueError, AttributeError, ConfigError, SelectionError) as exc:
        raise ConfigError(f"{path} is damaged ({exc!r} is missing or wrong); restore it from "
                          "the autosave or a backup.") from exc
    return project


def migrate(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Bring a document up to :data:`SCHEMA_VERSION`; refuse documents from the future."""
    version = data.get("schema_version") if isinstance(data, dict) else None
    if not isinstance(version, int) or version < 1:
        raise ConfigError(f"{path} is not a Foley Studio project (no schema_version).")
    if version > SCHEMA_VERSION:
        raise ConfigError(f"{path} was saved by a newer Foley Studio (project version {version}; "
                          f"this one reads up to {SCHEMA_VERSION}). Update Foley Studio to open it.")
    try:
        while version < SCHEMA_VERSION:
            data = MIGRATIONS[version](dict(data))
            version = data["schema_version"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path} is damaged ({exc!r} is missing or wrong in its version "
                          f"{version} document); restore it from the autosave or a backup.") from exc
    return data


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 named the video by path only and kept accepted takes as a list of ids."""
    video = data.pop("video_path", None)
    data["video"] = None if video is None else {"path": video, "fps": data.pop("fps", 25.0),
                                                "duration": data.pop("duration", 0.0)}
    starts = {t["id"]: t["start"] for t in data.get("takes", [])}
    data["lane"] = [{"id": f"clip-{tid}", "take_id": tid, "start": starts[tid]}
                    for tid in data.pop("accepted", [])]
    data.setdefault("selection", None)
    data["schema_version"] = 2
    return data


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 had one Foley lane (a list of clips); version 3 has lanes of several kinds."""
    lanes = [_lane_dict(lane) for lane in Project().lanes]
    for lane in lanes:
        if lane["kind"] == "foley":
            lane["clips"] = data.pop("lane", [])
    data["lanes"] = lanes
    data["schema_version"] = 3
    return data


def _v3_to_v4(data: dict[str, Any]) -> dict[str, Any]:
    """Version 3 clips had no trims, fades or gain (they read as whole takes at 0 dB), and an
    inpaint take on a Foley lane replaced the soundtrack under it: such clips become repair
    clips on a "Production (edited)" lane, as accepting an inpaint take now makes."""
    project = from_dict({**data, "takes": []}, Path("version-3 project"), takes=_bare_takes(data))
    repairs = [c for lane in project.lanes_of(FOLEY) for c in lane.clips
               if project.take(c.take_id).gap is not None]
    fps = (data.get("video") or {}).get("fps") or 25.0
    for clip in repairs:
        try:
            project.lanes = project.with_repair(clip.take_id, 1.0 / fps)
        except ConfigError:  # a gap outside its take cannot repair: the clip stays as it was
            continue
        lane = project.lane_by_id(project.clip_lane(clip.id))
        project.lanes[project.lanes.index(lane)] = lane.without_clip(clip.id)
    data["lanes"] = [_lane_dict(lane) for lane in project.lanes]
    data["schema_version"] = 4
    return data


def _bare_takes(data: dict[str, Any]) -> list[TakeItem]:
    """The takes of a document with their timing but no audio (for migrations)."""
    return [TakeItem(Take(np.zeros(int(round((t["region"][1] - t["region"][0]) * 1000)), np.float32),
                          1000, t["model"], t["seed"], t["start"], name=t["name"]),
                     tuple(t["region"]), tuple(t["gap"]) if t.get("gap") else None, t["id"])
            for t in data.get("takes", [])]


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}
"""schema_version → function that returns the document at the next version."""


def _lane_dict(lane: Lane) -> dict[str, Any]:
    out = {"id": lane.id, "kind": lane.kind, "name": lane.name, "mute": lane.mute,
           "solo": lane.solo, "gain_db": lane.gain_db,
           "clips": [_clip_dict(c) for c in lane.clips]}
    if lane.kind == "sync":
        out["sync"] = lane.sync.to_json()
    return out


def _clip_dict(clip: LaneClip) -> dict[str, Any]:
    return {"id": clip.id, "take_id": clip.take_id, "start": clip.start, "offset": clip.offset,
            "length": clip.length, "fade_in": clip.fade_in, "fade_out": clip.fade_out,
            "gain_db": clip.gain_db}


def _clip(c: dict[str, Any]) -> LaneClip:
    """A clip; the trims, fades and gain a version-3 clip lacks read as none."""
    length = c.get("length")
    return LaneClip(c["take_id"], float(c["start"]), c["id"], float(c.get("offset", 0.0)),
                    None if length is None else float(length), float(c.get("fade_in", 0.0)),
                    float(c.get("fade_out", 0.0)), float(c.get("gain_db", 0.0)))


def _lane(d: dict[str, Any]) -> Lane:
    clips = tuple(_clip(c) for c in d.get("clips", []))
    sync = SyncTrack.from_json(d["sync"]) if d.get("sync") else SyncTrack()
    return Lane(d["kind"], d["name"], d["id"], bool(d.get("mute", False)), bool(d.get("solo", False)),
                float(d.get("gain_db", 0.0)), clips, sync)


def _take_dict(item: TakeItem, path: Path) -> dict[str, Any]:
    t = item.take
    out = {"id": item.id, "name": t.name, "file": f"{takes_dir(path).name}/{item.id}.wav",
           "region": list(item.region), "gap": None if item.gap is None else list(item.gap),
           "model": t.model, "seed": t.seed, "start": t.start, "mode": t.mode,
           "prompt": t.prompt, "settings": t.settings}
    if t.sync is not None:
        out["sync"] = t.sync.to_json()
    if t.unconformed is not None:
        out["unconformed"] = f"{takes_dir(path).name}/{item.id}.unconformed.wav"
        out["conform"] = t.conform
    return out


def _take_item(d: dict[str, Any], path: Path) -> TakeItem:
    audio, rate = _read_take_audio(path.parent / d["file"], path)
    unconformed = _read_take_audio(path.parent / d["unconformed"], path)[0] if d.get("unconformed") else None
    take = Take(audio=audio, sample_rate=rate, model=d["model"], seed=d["seed"],
                start=d["start"], mode=d["mode"], prompt=d.get("prompt"), name=d["name"],
                settings=d.get("settings", {}),
                sync=SyncTrack.from_json(d["sync"]) if d.get("sync") else None,
                unconformed=unconformed, conform=d.get("conform"))
    gap = tuple(d["gap"]) if d.get("gap") else None
    return TakeItem(take, tuple(d["region"]), gap, d["id"])


def _read_take_audio(wav: Path, path: Path) -> tuple[np.ndarray, int]:
    if not wav.is_file():
        raise MissingFileError(f"The take audio {wav} is missing; the project {path} refers to "
                               "it. Restore the .takes folder next to the project file.")
    return sf.read(wav, dtype="float32", always_2d=False)  # (S,), rate


def _write_take_audio(target: Path, audio: np.ndarray, rate: int) -> None:
    if target.is_file():  # take audio never changes once generated
        return
    with atomic_path(target) as tmp:
        sf.write(tmp, np.asarray(audio, dtype=np.float32), rate, subtype="FLOAT", format="WAV")


def _storyboard(d: dict[str, Any], path: Path) -> Storyboard:
    file = path.parent / d["file"]
    if not file.is_file():
        raise MissingFileError(f"The storyboard pictures {file} are missing; the project {path} "
                               "refers to them. Restore the .takes folder next to the project file.")
    frames = np.load(file, allow_pickle=False)  # (takes, windows, H, W, 3) uint8
    if frames.ndim != 5 or frames.dtype != np.uint8:
        raise ConfigError(f"{file} holds {frames.dtype} {frames.shape}, not storyboard pictures.")
    return Storyboard(frames, tuple(d["region"]), float(d["window"]), int(d.get("seed", 0)),
                      d["id"])


def _write_storyboard(target: Path, frames: np.ndarray) -> None:
    if target.is_file():  # a drawn storyboard never changes
        return
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(frames, dtype=np.uint8), allow_pickle=False)
    write_bytes_atomic(target, buffer.getvalue())


def _relative(video: str, folder: Path) -> str:
    try:
        return str(Path(video).resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(Path(video).resolve())


def _absolute(video: str, folder: Path) -> Path:
    p = Path(video)
    return p if p.is_absolute() else (folder / p).resolve()
