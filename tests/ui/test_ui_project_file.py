"""Project files: round trip, migration of version 1, refusal of newer and damaged files."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from foley_studio.errors import ConfigError, MissingFileError
from foley_studio.requests import Take
from ui.model.project import LaneClip, Project, TakeItem, VideoInfo
from ui.model.project_file import SCHEMA_VERSION, load_project, save_project, takes_dir
from ui.model.selection import Selection


def _project(video: Path) -> Project:
    p = Project()
    p.set_video(VideoInfo(str(video), 25.0, 4.0))
    p.set_selection(Selection(1.0, 2.0))
    audio = np.sin(np.linspace(0, 40, 1600)).astype(np.float32)
    take = Take(audio, 16000, "echoes", 7, 1.5, mode="inpaint", prompt="rain", name="take one",
                settings={"guidance": 3.0})
    item = TakeItem(take, (1.0, 2.5), gap=(1.2, 1.8))
    p.insert_takes(0, [item])
    p.add_clip(LaneClip(item.id, 1.5))
    return p


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_bytes(b"x")
    original = _project(tmp_path / "clip.mp4")
    path = save_project(original, tmp_path / "scene.foley.json")
    doc = json.loads(path.read_text())
    assert doc["schema_version"] == SCHEMA_VERSION and doc["video"]["path"] == "clip.mp4"
    loaded = load_project(path)
    a, b = original.takes[0], loaded.takes[0]
    assert (b.id, b.name, b.region, b.gap, b.take.seed, b.take.prompt) == \
           (a.id, "take one", (1.0, 2.5), (1.2, 1.8), 7, "rain")
    np.testing.assert_array_equal(b.take.audio, a.take.audio)
    assert loaded.lane == original.lane and loaded.selection == Selection(1.0, 2.0)
    assert Path(loaded.video.path) == (tmp_path / "clip.mp4").resolve()


def test_version_1_is_migrated(tmp_path: Path) -> None:
    save_project(_project(tmp_path / "v.mp4"), tmp_path / "new.foley.json")
    doc = json.loads((tmp_path / "new.foley.json").read_text())
    take = doc["takes"][0]
    old = {"schema_version": 1, "video_path": "v.mp4", "fps": 30.0, "duration": 4.0,
           "takes": [take], "accepted": [take["id"]]}
    path = tmp_path / "new.foley.json"
    path.write_text(json.dumps(old))
    loaded = load_project(path)
    assert loaded.video.fps == 30.0 and loaded.selection is None
    assert [(c.take_id, c.start) for c in loaded.lane] == [(take["id"], take["start"])]


def test_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.foley.json"
    path.write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1}))
    with pytest.raises(ConfigError, match="newer Foley Studio"):
        load_project(path)


@pytest.mark.parametrize("text, match", [("{not json", "bad JSON"), ('{"app": 1}', "schema_version"),
                                          ('{"schema_version": 2, "takes": []}', "damaged")])
def test_bad_files_name_the_problem(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.foley.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_project(path)


def test_a_folder_is_not_a_project(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder, not a project file"):
        load_project(tmp_path)


def test_missing_take_audio_is_reported(tmp_path: Path) -> None:
    path = save_project(_project(tmp_path / "v.mp4"), tmp_path / "p.foley.json")
    for wav in takes_dir(path).glob("*.wav"):
        wav.unlink()
    with pytest.raises(MissingFileError, match="take audio"):
        load_project(path)


def test_start_timecode_is_saved_and_older_files_have_none(tmp_path: Path) -> None:
    project = Project()
    project.set_video(VideoInfo("/nowhere/v.mp4", 30000 / 1001, 60.0))
    project.set_start_timecode("01:00:00;00")
    path = save_project(project, tmp_path / "p.foley.json")
    loaded = load_project(path)
    assert loaded.video.start_timecode == "01:00:00;00" and loaded.clock.label(0.0) == "01:00:00;00"
    data = json.loads(path.read_text())
    del data["video"]["start_timecode"]  # as saved before start timecodes existed
    path.write_text(json.dumps(data))
    assert load_project(path).video.start_timecode is None
    data["video"]["start_timecode"] = "01:00:00;00"
    data["video"]["fps"] = 25.0  # drop-frame cannot count 25 fps
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="damaged"):
        load_project(path)


def test_a_start_timecode_is_checked_against_the_video() -> None:
    from foley_studio.errors import SelectionError

    project = Project()
    with pytest.raises(SelectionError, match="Open a video first"):
        project.set_start_timecode("01:00:00:00")
    project.set_video(VideoInfo("/nowhere/v.mp4", 25.0, 60.0))
    seen = []
    project.changed.connect(seen.append)
    with pytest.raises(SelectionError, match="frames to 24"):
        project.set_start_timecode("01:00:00:25")
    project.set_start_timecode(" 01:00:00:00 ")
    assert project.video.start_timecode == "01:00:00:00" and seen == ["timecode"]
    project.set_start_timecode("")
    assert project.video.start_timecode is None
