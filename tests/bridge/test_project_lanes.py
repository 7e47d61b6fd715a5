"""A Foley session leaves as it was cut: a 29.97 drop-frame picture starting at 01:00:00;00 (and a
25 fps one at 01:00:00:00) with three Foley lanes and an inpainted production gap goes to OTIO,
FCP XML and one EDL per lane
(read back by OpenTimelineIO with the same clips on the same frames), and to Live and REAPER
stand-ins that answer late and twice, as one track per lane with every clip in its place."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest
import soundfile

from bridge_doubles import LiveDouble, ReaperDouble
from foley_studio.errors import ConfigError
from foley_studio.media import probe, read_audio, read_bwf, start_timecode
from foley_studio.media.delivery import DeliverySpec
from foley_studio.progress import CancelToken
from foley_studio.requests import Take
from foley_studio.timeline import Clock
from ui.model.lanes import Lane
from ui.model.project import LaneClip, Project, TakeItem, VideoInfo
from ui.model.project_file import save_project
from ui.services.lane_delivery import project_plan, send_lanes
from ui.services.send import SendTarget

NTSC = 30000 / 1001


@dataclass(frozen=True)
class Picture:
    """A picture's rate (as ffmpeg takes it and exactly), its start timecode and the number of
    frames from midnight to it."""

    rate: str
    fps: float
    start: str
    first: int


PICTURES = {"29.97 DF": Picture("30000/1001", NTSC, "01:00:00;00", 107892),
            "25": Picture("25", 25.0, "01:00:00:00", 90000)}
DF = PICTURES["29.97 DF"]
FOLEY = ("Feet", "Props", "Cloth")
EDITED = "Production (edited)"
REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """6 s of each picture from its start timecode, a 48 kHz tone as its production sound."""
    made = {}
    for key, pic in PICTURES.items():
        path = tmp_path_factory.mktemp("picture") / "scene.mov"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc=size=64x48:rate={pic.rate}", "-f", "lavfi", "-i",
                        "sine=frequency=220:sample_rate=48000", "-t", "6", "-timecode", pic.start,
                        "-c:v", "mpeg4", "-c:a", "pcm_s16le", str(path)], check=True)
        made[key] = path
    return made


@pytest.fixture
def video(videos: dict[str, Path]) -> Path:
    return videos["29.97 DF"]


def _take(seed: int, seconds: float, start: float, mode: str = "foley", name: str = "") -> Take:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    audio = (0.3 * np.exp(-(t % 0.5) * 8) * rng.standard_normal(len(t))).astype(np.float32)
    return Take(audio, 16000, "echoes", seed, start, mode=mode, name=name or f"take {seed}")


def session(video: Path, pic: Picture = DF) -> Project:
    """Feet (two clips), Props (one trimmed clip), Cloth (one, under the first step) and an
    inpainted gap of 2.5–3.5 s repaired on the edited production lane."""
    info = probe(video)  # the start timecode comes from the video's timecode track
    assert (info["fps"], info["timecode"]) == (pic.fps, pic.start)
    project = Project()
    project.set_video(VideoInfo(str(video), info["fps"], 6.0, start_timecode(video)))
    lanes = [Lane("production", "Production audio")] + [Lane("foley", n) for n in FOLEY]
    project.set_lanes(lanes)
    placed = {"Feet": [(1, 1.0, 0.5, {}), (2, 1.5, 3.0, {})],
              "Props": [(3, 2.0, 1.2012, {"offset": 0.4, "length": 0.8, "fade_in": 0.05, "gain_db": -3.0})],
              "Cloth": [(4, 1.0, 0.52, {})]}
    for lane in project.lanes_of("foley"):
        for seed, seconds, at, trim in placed[lane.name]:
            item = TakeItem(_take(seed, seconds, at, name=f"{lane.name.lower()} {seed}"), (at, at + seconds))
            project.insert_takes(len(project.takes), [item])
            project.add_clip(LaneClip(item.id, at, **trim), lane.id)
    repair = TakeItem(_take(9, 3.0, 2.0, mode="inpaint", name="inpaint"), (2.0, 5.0), gap=(2.5, 3.5))
    project.insert_takes(len(project.takes), [repair])
    project.set_lanes(project.with_repair(repair.id, seam=1 / pic.fps))
    return project


def expected(project: Project, pic: Picture = DF) -> dict[str, list[tuple[int, int]]]:
    """lane → (record frame from midnight, source in-point frame into the take) of each clip."""
    out = {}
    for lane in project.lanes:
        if lane.kind == "foley":
            out[lane.name] = [(pic.first + round(c.start * pic.fps), round(c.offset * pic.fps))
                              for c in sorted(lane.clips, key=lambda c: c.start)]
    out[EDITED] = [(pic.first, 0)]  # the whole repaired track
    return out


def spec(pic: Picture = DF) -> DeliverySpec:
    return DeliverySpec(fps=pic.fps, start_timecode=pic.start, loudness=-23.0, cat_id="FOLYFeet")


def read_back(path: Path, pic: Picture) -> dict[str, list[tuple[int, int]]]:
    """lane → (record frame from midnight, frames into the file) of each clip, as OTIO reads it."""
    timeline = otio.adapters.read_from_file(str(path))
    origin = timeline.global_start_time.rescaled_to(pic.fps).to_frames()
    out = {}
    for track in timeline.tracks:
        assert track.kind == otio.schema.TrackKind.Audio
        clips = []
        for clip in track.find_clips():
            where = clip.range_in_parent().start_time.to_seconds()
            into = clip.source_range.start_time - clip.available_range().start_time
            clips.append((origin + round(where * pic.fps), round(into.to_seconds() * pic.fps)))
        out[track.name] = clips
    return out


@pytest.mark.parametrize("fmt", ["otio", "xml"])
@pytest.mark.parametrize("which", list(PICTURES))
def test_a_track_per_lane_in_otio_and_fcp_xml(videos, tmp_path: Path, fmt: str, which: str) -> None:
    pic, video = PICTURES[which], videos[which]
    project = session(video, pic)
    before = hashlib.sha256(video.read_bytes()).hexdigest()
    result = send_lanes(project_plan(project, "scene"), SendTarget(fmt), tmp_path, spec(pic), None,
                        CancelToken())
    assert result.path == tmp_path / f"scene.{fmt}"
    got = read_back(result.path, pic)
    assert got == expected(project, pic) and list(got) == [EDITED, *FOLEY]  # named, lane order
    if fmt == "xml":  # the sequence starts at the picture's timecode, labelled as it is
        text = " ".join(result.path.read_text().split())
        flag = "DF" if ";" in pic.start else "NDF"
        assert f"<string>{pic.start}</string> <frame>{pic.first}</frame> <displayformat>{flag}" in text
    assert hashlib.sha256(video.read_bytes()).hexdigest() == before  # the original is untouched


@pytest.mark.parametrize("which", list(PICTURES))
def test_one_edl_per_lane_with_record_times_after_the_start(videos, tmp_path: Path, which: str) -> None:
    pic = PICTURES[which]
    project = session(videos[which], pic)
    result = send_lanes(project_plan(project, "scene"), SendTarget("edl"), tmp_path, spec(pic), None,
                        CancelToken())
    clock = Clock(pic.fps, pic.start)
    for lane, clips in expected(project, pic).items():
        edl = tmp_path / f"scene-{lane}.edl"
        assert f"wrote {edl}" in result.lines
        text = edl.read_text()
        assert text.splitlines()[1] == ("FCM: DROP FRAME" if ";" in pic.start else "FCM: NON-DROP FRAME")
        events = [line.split() for line in text.splitlines() if line[:3].isdigit()]
        assert [e[6] for e in events] == [clock.label((frame - pic.first) / pic.fps) for frame, _ in clips]
        assert [clock.seconds(e[6]) for e in events] == pytest.approx(
            [(frame - pic.first) / pic.fps for frame, _ in clips])
        (track,) = otio.adapters.read_from_file(str(edl), rate=pic.fps).tracks
        assert len(track.find_clips()) == len(clips)


def test_the_edited_lane_is_the_repaired_production_sound(video: Path, tmp_path: Path) -> None:
    project = session(video)
    plan = project_plan(project, "scene", [EDITED])
    send_lanes(plan, SendTarget("otio"), tmp_path, spec(), None, CancelToken())
    (wav,) = tmp_path.glob("*_edited.wav")
    audio, rate = soundfile.read(wav, dtype="float32")
    production = read_audio(video, 48000, 0.0, 6.0)
    assert rate == 48000 and len(audio) == len(production) == 6 * 48000
    outside = np.r_[0:2 * 48000, 4 * 48000:6 * 48000]
    assert np.max(np.abs(audio[outside] - production[outside])) < 1e-4  # level kept, not normalised
    gap = slice(int(2.6 * 48000), int(3.4 * 48000))
    assert np.max(np.abs(audio[gap] - production[gap])) > 0.1  # the inpaint replaced the gap
    assert read_bwf(wav)["bext"]["time_reference"] == round(DF.first / NTSC * 48000)


def test_lanes_are_chosen_by_name(video: Path) -> None:
    project = session(video)
    assert [lane.name for lane in project_plan(project, "s", ["Props", "Feet"]).lanes] == ["Feet", "Props"]
    with pytest.raises(ConfigError, match="No lane with clips is called 'Dialog'"):
        project_plan(project, "s", ["Dialog"])
    with pytest.raises(ConfigError, match="No lane is chosen"):
        project_plan(project, "s", [])


def test_live_gets_a_named_track_per_lane_despite_late_and_double_answers(
        video: Path, tmp_path: Path, live: LiveDouble) -> None:
    live.duplicate.update({"/live/song/get/track_names", "/live/song/get/num_tracks",
                           "/live/track/get/arrangement_clips/start_time"})
    live.delays["/live/track/get/name"] = [0.6, 0.6]
    live.delays["/live/track/get/arrangement_clips/name"] = [0.6]
    project = session(video)
    target = SendTarget("ableton", port=live.port, reply_port=live.reply_port)
    result = send_lanes(project_plan(project, "scene"), target, tmp_path, spec(), None, CancelToken())
    assert result.connected and "project's start time to 01:00:00;00" in result.lines[-1]
    tracks = {t["name"]: t for t in live.tracks}
    assert list(tracks) == ["Dialog", "Keys", EDITED, *FOLEY]
    for lane, clips in expected(project).items():
        beats = [c["start"] for c in tracks[lane]["clips"]]
        assert [round(b * 60 / live.tempo * NTSC) + DF.first for b in beats] == [f for f, _ in clips]
    props = tracks["Props"]["clips"][0]
    assert props["length"] * 60 / live.tempo == pytest.approx(0.8, abs=1e-3)  # the trim, as it sounds
    assert live.addresses().count("/live/song/create_audio_track") == 4


def test_reaper_gets_a_named_track_per_lane_despite_late_runs(
        video: Path, tmp_path: Path, reaper_double: ReaperDouble) -> None:
    reaper_double.delay = 1.2  # past the preset's 1 s: each job is triggered again before it runs
    reaper_double.time_offset = 3599.9964  # Project start time 01:00:00;00
    project = session(video)
    target = SendTarget("reaper", port=reaper_double.port, spool=str(reaper_double.spool))
    result = send_lanes(project_plan(project, "scene"), target, tmp_path / "media", spec(), None,
                        CancelToken())
    assert result.connected and result.lines[-1] == "REAPER's project starts at 01:00:00;00, as the picture does."
    state = reaper_double.project()
    names = {int(k): name for k, name in state["track"]}
    assert list(names.values()) == ["Dialog", "Music", EDITED, *FOLEY]
    items: dict[str, list[float]] = {}
    for track, position, length, *_ in state["item"]:
        items.setdefault(names[int(track)], []).append(float(position))
    for lane, clips in expected(project).items():
        assert [round(p * NTSC) + DF.first for p in sorted(items[lane])] == [f for f, _ in clips]
    triggers = [a for a, _ in reaper_double.received if a.startswith("/action/")]
    assert len(triggers) > len(state["item"])  # answers came late, so jobs were triggered again


def _cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real command line, reporting which heavy modules it loaded."""
    code = ("import sys; from foley_studio.cli import main; status = main(sys.argv[1:]); "
            "print(sorted(m for m in ('torch', 'PyQt6') if m in sys.modules)); sys.exit(status)")
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=cwd,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"},
                          timeout=300)


def test_cli_sends_a_saved_projects_lanes(video: Path, tmp_path: Path, live: LiveDouble) -> None:
    project_file = save_project(session(video), tmp_path / "scene.foley.json")
    done = _cli("send", "--project", str(project_file), "--to", "edl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    media = tmp_path / "scene Media"
    assert sorted(p.name for p in media.glob("*.edl")) == sorted(f"scene-{n}.edl" for n in (EDITED, *FOLEY))
    assert done.stdout.splitlines()[-1] == "[]"  # neither torch nor Qt on this path
    preset = tmp_path / "live.json"
    preset.write_text(json.dumps({"kind": "ableton", "port": live.port, "reply_port": live.reply_port}))
    done = _cli("send", "--project", str(project_file), "--to", "ableton", "--preset", str(preset),
                "--lanes", "Props, Feet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [t["name"] for t in live.tracks] == ["Dialog", "Keys", "Feet", "Props"]
    assert "Ableton Live: props 3 → track Props at 1.201 s" in done.stdout


def test_cli_exports_a_stem_per_lane(video: Path, tmp_path: Path) -> None:
    project_file = save_project(session(video), tmp_path / "scene.foley.json")
    done = _cli("export", "--project", str(project_file), "--out", str(tmp_path / "stems"),
                "--lanes", "Cloth,Production (edited)", "--loudness", "-30", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    stems = sorted((tmp_path / "stems").glob("*.wav"))
    assert [p.name for p in stems] == ["FOLYMisc_Cloth_NONE_scene_stem.wav",
                                       "FOLYMisc_Production (edited)_NONE_scene_edited.wav"]
    for stem in stems:
        info = soundfile.info(stem)
        assert (info.samplerate, info.subtype, info.duration) == (48000, "PCM_24", 6.0)
        assert read_bwf(stem)["bext"]["time_reference"] == round(DF.first / NTSC * 48000)
    bad = _cli("export", "--project", str(project_file), "--out", str(tmp_path), "--fps", "25",
               cwd=tmp_path)
    assert bad.returncode == 2 and "--project delivers the project's lanes" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_reaper_project_starting_elsewhere_is_named(video: Path, tmp_path: Path,
                                                     reaper_double: ReaperDouble) -> None:
    project = session(video)
    target = SendTarget("reaper", port=reaper_double.port, spool=str(reaper_double.spool))
    result = send_lanes(project_plan(project, "scene", ["Cloth"]), target, tmp_path, spec(), None,
                        CancelToken())
    assert "REAPER's project starts at 0.000 s of timecode, the picture at 01:00:00;00" in result.lines[-1]
    assert "Project start time to 01:00:00;00" in result.lines[-1]


def test_nothing_is_written_for_a_daw_that_does_not_answer(video: Path, tmp_path: Path,
                                                          reaper_double: ReaperDouble) -> None:
    from foley_studio.errors import BridgeError

    reaper_double.run = False  # REAPER listens, the companion script never runs
    target = SendTarget("reaper", port=reaper_double.port, spool=str(reaper_double.spool),
                        reply_timeout=0.5)
    with pytest.raises(BridgeError, match="did not answer"):
        send_lanes(project_plan(session(video), "scene"), target, tmp_path / "media", spec(), None,
                   CancelToken())
    assert not (tmp_path / "media").exists()
