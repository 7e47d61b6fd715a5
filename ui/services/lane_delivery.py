"""A project's lanes leaving the app: one track per lane in REAPER, Live, OTIO and FCP XML, one
EDL per lane.

:func:`project_plan` takes a snapshot of the chosen lanes on the GUI thread (each Foley lane
with clips, and the "Production (edited)" lane of inpaint repairs); the rest runs as a job.
:func:`deliver_lanes` writes the files into the project's media folder by the delivery spec:

- for a video editor each Foley clip is its whole take, stamped so that the take's first
  sample sits at its place after the project's start timecode (at the first frame when the
  trim reaches back before it), and the clip's trim becomes its source in-point and duration
  (fades and clip gain travel as metadata);
- for a DAW each Foley clip is written as it sounds (trimmed, faded, at its clip gain), since
  AbletonOSC cannot trim an arrangement clip;
- the edited production lane is rendered whole: the production audio with each repair
  crossfaded in (:func:`foley_studio.media.mix.render_repaired`), at its own level, as a new
  file; the video and its soundtrack are never written to.

Times sent to a DAW are timeline seconds (the picture's first frame at 0 s, where REAPER and
Live start their arrangements); the files' TimeReference and the editors' record times add the
project's start timecode. A DAW whose ruler should read the same timecode needs its project
start set to it (REAPER: Project Settings › Project start time); the send report says so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

from foley_studio.errors import BridgeError, ConfigError
from foley_studio.progress import CancelToken, ProgressFn, report
from foley_studio.requests import Take
from foley_studio.timeline import Clock, snap_to_frame
from ui.model.lanes import EDITED, FOLEY
from ui.model.project import Project
from ui.services.send import DAWS, FILES, SendReport, SendTarget, connect_target

if TYPE_CHECKING:
    from foley_studio.media.delivery import DeliverySpec
    from foley_studio.media.mix import ClipSound


@dataclass(frozen=True)
class PlanClip:
    """One clip of a lane: its take (``start`` moved to the clip's), how it plays, and the take
    as it plays there (:meth:`~ui.model.project.Project.placed_take`: trimmed, faded, gained)."""

    clip_id: str
    take: Take
    sound: "ClipSound"  # take audio with the clip's trim, fades and gain
    played: float  # seconds it sounds
    placed: Take


@dataclass(frozen=True)
class PlanLane:
    """A lane to deliver: its name (the track's), kind and clips in time order."""

    name: str
    kind: str
    clips: tuple[PlanClip, ...]


@dataclass(frozen=True)
class ProjectPlan:
    """What leaves: the project's name, clock, chosen lanes and the video (its soundtrack is
    the edited lane's source)."""

    name: str
    clock: Clock
    lanes: tuple[PlanLane, ...]
    video: Optional[str] = None
    duration: float = 0.0


@dataclass(frozen=True)
class LaneFile:
    """A delivered file placed on its lane's track: ``start`` timeline seconds (frame-snapped),
    played from ``offset`` seconds into the file for ``duration`` seconds."""

    lane: str
    name: str
    path: Path
    start: float
    offset: float
    duration: float
    summary: str
    fade_in: float = 0.0
    fade_out: float = 0.0
    gain_db: float = 0.0


def sendable(project: Project) -> list:
    """The lanes that can leave: Foley and edited production lanes holding clips, top to bottom."""
    return [lane for lane in project.lanes if lane.kind in (FOLEY, EDITED) and lane.clips]


def project_plan(project: Project, name: str, lanes: Optional[Sequence[str]] = None) -> ProjectPlan:
    """A snapshot of the lanes named in ``lanes`` (``None``: every :func:`sendable` lane).
    Unknown names and lanes without clips are refused, naming the lanes there are."""
    chosen = _chosen(sendable(project), lanes)
    names = [lane.name for lane in chosen]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"Two lanes are called {', '.join(map(repr, twice))}; each lane becomes a "
                          "track named after it, so rename one.")
    video = project.video
    return ProjectPlan(name, project.clock, tuple(_plan_lane(project, lane) for lane in chosen),
                       video.path if video else None, video.duration if video else 0.0)


def _chosen(with_clips: list, names: Optional[Sequence[str]]) -> list:
    """The lanes of ``with_clips`` that ``names`` names (all when ``None``), top to bottom."""
    if names is not None and not names and with_clips:
        raise ConfigError("No lane is chosen; tick the lanes to send (each becomes a track).")
    if names is not None:
        known = {lane.name for lane in with_clips}
        missing = [n for n in names if n not in known]
        if missing:
            raise ConfigError(f"No lane with clips is called {', '.join(map(repr, missing))}; the "
                              f"lanes with clips are {', '.join(sorted(known)) or 'none'}.")
        with_clips = [lane for lane in with_clips if lane.name in names]
    if not with_clips:
        raise BridgeError("The lanes are empty; accept at least one take onto a lane before sending.")
    return with_clips


def lane_names(text: Optional[str]) -> Optional[list[str]]:
    """Lane names from a comma-separated list (``None`` or empty: every lane)."""
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    return names or None


def load_plan(path: Path, lanes: Optional[Sequence[str]] = None,
              spec: Optional["DeliverySpec"] = None) -> tuple[ProjectPlan, "DeliverySpec"]:
    """The plan of a saved project's ``lanes`` and the delivery spec at its clock: ``spec``
    with the project's frame rate and start timecode (default 48 kHz/24-bit mono, -1 dBTP)."""
    from foley_studio.media.delivery import DeliverySpec
    from ui.model.project_file import load_project
    from ui.services.send import project_name

    project = load_project(path)
    plan = project_plan(project, project_name(Path(path)), lanes)
    clock = plan.clock
    spec = replace(spec or DeliverySpec(), fps=clock.fps, start_timecode=clock.label(0.0))
    if spec.source_id == "NONE" and plan.name:
        spec = replace(spec, source_id=plan.name)
    return plan, spec


def _plan_lane(project: Project, lane) -> PlanLane:
    clips = []
    for clip in sorted(lane.clips, key=lambda c: c.start):
        take = project.take(clip.take_id).take
        clips.append(PlanClip(clip.id, replace(take, start=clip.start), project.clip_sound(clip),
                              clip.played(take.duration), project.placed_take(clip)))
    return PlanLane(lane.name, lane.kind, tuple(clips))


def deliver_lanes(plan: ProjectPlan, folder: Path, spec: "DeliverySpec", *, rendered: bool,
                  cancel: Optional[CancelToken] = None) -> list[LaneFile]:
    """Write every lane's files into ``folder`` (see the module docstring); ``rendered``: each
    Foley clip as it sounds (for DAWs), else its whole take with the trim kept apart."""
    files: list[LaneFile] = []
    for lane in plan.lanes:
        if cancel is not None:
            cancel.raise_if_set()
        if lane.kind == EDITED:
            files.append(_deliver_edited(plan, lane, folder, spec))
        else:
            files += [_deliver_clip(lane.name, clip, folder, spec, rendered) for clip in lane.clips]
    return files


def _deliver_clip(lane: str, clip: PlanClip, folder: Path, spec: "DeliverySpec",
                  rendered: bool) -> LaneFile:
    from foley_studio.media.delivery import deliver_take

    take, sound = clip.take, clip.sound
    if rendered:
        placed = replace(clip.placed, audio=clip.placed.audio * take_gain(take, spec))  # (n,)
        as_leveled = replace(spec, loudness=None, limit=False)  # the take's level, not the clip's
        done = deliver_take(placed, as_leveled, folder, user_data=clip.clip_id)
        return LaneFile(lane, take.name, done.path, done.position, 0.0, done.duration, done.summary())
    first_sample = replace(take, start=max(0.0, take.start - sound.offset))
    done = deliver_take(first_sample, spec, folder, user_data=clip.clip_id)
    played = min(clip.played, done.duration - sound.offset)
    return LaneFile(lane, take.name, done.path, snap_to_frame(take.start, spec.fps), sound.offset,
                    played, done.summary(), sound.fade_in, sound.fade_out, _db(sound.gain))


def take_gain(take: Take, spec: "DeliverySpec") -> float:
    """The linear gain delivery gives the whole take (its loudness target under the ceiling),
    so a clip cut from it keeps its own gain and fades relative to the take."""
    from foley_studio.media.delivery import level, prepare

    if spec.loudness is None:
        return 1.0
    return 10.0 ** (level(prepare(take.audio, take.sample_rate, spec), spec.rate, spec)[0] / 20.0)


def _deliver_edited(plan: ProjectPlan, lane: PlanLane, folder: Path,
                    spec: "DeliverySpec") -> LaneFile:
    """The production audio with the lane's repairs, whole, at its own level."""
    from foley_studio.media import read_audio
    from foley_studio.media.delivery import deliver_take
    from foley_studio.media.mix import render_repaired

    if plan.video is None:
        raise ConfigError(f"{lane.name!r} repairs the video's sound, but the project has no video; "
                          "open the video again (File › Open Video) before sending this lane.")
    production = read_audio(plan.video, spec.rate, 0.0, plan.duration)  # (S,) original, read only
    audio = render_repaired(production, spec.rate, tuple(c.sound for c in lane.clips))  # (S,)
    take = Take(audio, spec.rate, "production", 0, 0.0, mode="repair", name=lane.name,
                prompt=f"{Path(plan.video).name} with {len(lane.clips)} inpainted repair(s)")
    as_is = replace(spec, loudness=None, true_peak=None, limit=False)  # its level is the picture's
    done = deliver_take(take, as_is, folder, user_data="edited")
    return LaneFile(lane.name, lane.name, done.path, 0.0, 0.0, done.duration, done.summary())


def deliver_stems(plan: ProjectPlan, folder: Path, spec: "DeliverySpec",
                  cancel: Optional[CancelToken] = None) -> list[LaneFile]:
    """Each lane as one WAV from the picture's first frame to its end (or the lane's last
    clip): a Foley lane's clips as they sound, the edited lane as the repaired production."""
    from foley_studio.media.delivery import deliver_take
    from foley_studio.media.mix import render_added

    files = []
    for lane in plan.lanes:
        if cancel is not None:
            cancel.raise_if_set()
        if lane.kind == EDITED:
            files.append(_deliver_edited(plan, lane, folder, spec))
            continue
        end = max([plan.duration] + [c.sound.start + c.played for c in lane.clips])
        audio = render_added(tuple(c.sound for c in lane.clips), spec.rate, 0, round(end * spec.rate))
        stem = Take(audio, spec.rate, "stem", 0, 0.0, mode="stem", name=lane.name,
                    prompt=f"lane {lane.name}: {len(lane.clips)} clip(s)")
        done = deliver_take(stem, spec, folder, user_data="stem")
        files.append(LaneFile(lane.name, lane.name, done.path, 0.0, 0.0, done.duration, done.summary()))
    return files


def _db(gain: float) -> float:
    return 20.0 * math.log10(gain) if gain > 0 else -math.inf


def export_lane_files(files: Sequence[LaneFile], plan: ProjectPlan, fmt: str,
                      folder: Path) -> list[Path]:
    """The delivered files as an OTIO or FCP XML timeline with a track per lane, or one EDL per
    lane, in ``folder``; record times count from the project's start timecode."""
    from bridge import PlacedTake, export_lanes

    placed = [PlacedTake(f.path, f.start, f.duration, f.name, f.lane, f.offset, f.fade_in,
                         f.fade_out, f.gain_db) for f in files]
    stem = plan.name or "foley"
    return export_lanes(placed, folder / f"{stem}.{fmt}", fps=plan.clock.fps, name=stem, fmt=fmt,
                        start_timecode=plan.clock.start)


def send_lanes(plan: ProjectPlan, target: SendTarget, folder: Path, spec: "DeliverySpec",
               progress: Optional[ProgressFn], cancel: CancelToken) -> SendReport:
    """Deliver the plan's lanes into ``folder`` and place every file on its lane's track in the
    DAW (asked first whether it answers, so nothing is written for a host that is not there),
    or write the editor's timeline file(s)."""
    if not target.is_daw:
        files = deliver_lanes(plan, folder, spec, rendered=False, cancel=cancel)
        paths = export_lane_files(files, plan, target.kind, folder)
        lines = [f.summary for f in files] + [f"wrote {p}" for p in paths]
        return SendReport(FILES[target.kind], True, tuple(lines), paths[0])
    with connect_target(target) as link:
        if link.target.kind != target.kind:
            raise ConfigError(f"The preset {target.preset} is for {link.target.kind}, not "
                              f"{target.kind}; pick a matching preset or destination.")
        status = link.status()
        if not status.connected:
            raise BridgeError(status.detail)
        files = deliver_lanes(plan, folder, spec, rendered=True, cancel=cancel)
        lines = [f.summary for f in files]
        for done, f in enumerate(files):
            cancel.raise_if_set()
            result = link.place(f.path, f.start, f.lane, f.name)
            lines.append(f"{result.name} → track {result.track} at {f.start:.3f} s")
            report(progress, done + 1, len(files))
    note = start_note(plan.clock, status)
    return SendReport(DAWS[target.kind], True, tuple(lines + ([note] if note else [])))


def start_note(clock: Clock, status) -> Optional[str]:
    """What the user must know about the DAW's ruler: positions count from the picture's first
    frame, so the host's project start must be the picture's start timecode for its ruler to
    show the same timecode (checked where the host reports it: REAPER)."""
    host, picture = status.host, clock.label(0.0)
    if status.start is None:
        if clock.start is None:
            return None
        return (f"Positions count from the picture's first frame ({picture}); set the {host} "
                f"project's start time to {picture} for its ruler to show the same timecode.")
    if abs(status.start - clock.start_seconds) < 0.5 / clock.fps:
        return f"{host}'s project starts at {picture}, as the picture does."
    return (f"{host}'s project starts at {status.start:.3f} s of timecode, the picture at {picture} "
            f"({clock.start_seconds:.3f} s): set Project Settings › Project start time to {picture} "
            "for its ruler to show the picture's timecode (positions count from the first frame).")
