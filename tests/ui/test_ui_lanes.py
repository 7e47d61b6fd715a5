"""The lane model (no Qt): kinds, hit edits, undo through the history, mix state, project files."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from foley_studio.errors import ConfigError
from foley_studio.requests import Take
from foley_studio.sync import Envelope, Hit, SyncTrack
from ui.model import commands
from ui.model.history import History
from ui.model.lanes import (Lane, audible, hit_near, with_hit, with_hit_moved, with_region,
                            without_hit)
from ui.model.project import LaneClip, Project, TakeItem
from ui.model.project_file import SCHEMA_VERSION, load_project, save_project


def _item(value: float, start: float, name: str) -> TakeItem:
    return TakeItem(Take(np.full(100, value, np.float32), 1000, "m", 0, start, name=name),
                    (start, start + 0.1))


def test_a_new_project_has_production_foley_and_sync_lanes() -> None:
    p = Project()
    assert [(lane.kind, lane.name) for lane in p.lanes] == [
        ("production", "Production audio"), ("foley", "Foley"), ("sync", "Sync")]
    assert p.lane == [] and p.sync_lane() is p.lanes[2] and p.sync_for(0.0, 4.0) is None
    with pytest.raises(ConfigError, match="Unknown lane kind"):
        Lane("video", "Picture")
    with pytest.raises(ConfigError, match="gain"):
        Lane("foley", "Steps", gain_db=40.0)
    with pytest.raises(ConfigError, match="Only sync lanes hold hits"):
        Lane("foley", "Steps", sync=SyncTrack.from_times([1.0]))
    with pytest.raises(ConfigError, match="needs a name"):
        Lane("foley", "  ")


def test_hit_edits_build_new_tracks_and_refuse_what_makes_no_sense() -> None:
    track = with_hit(with_hit(SyncTrack(), 1.0, 0.5), 0.4)
    assert track.times == [0.4, 1.0] and track.hits[1].strength == 0.5
    moved = with_hit_moved(track, 1.0, 1.2)
    assert moved.hits == (Hit(0.4), Hit(1.2, 0.5)) and track.times == [0.4, 1.0]
    assert without_hit(moved, 0.4).times == [1.2]
    with pytest.raises(ConfigError, match="already a hit"):
        with_hit(track, 1.0)
    with pytest.raises(ConfigError, match="already a hit"):
        with_hit_moved(track, 0.4, 1.0)
    with pytest.raises(ConfigError, match="no hit at 2.000 s"):
        without_hit(track, 2.0)
    assert hit_near(track, 0.43, 0.05) == Hit(0.4) and hit_near(track, 0.5, 0.05) is None


def test_a_region_of_hits_is_replaced_with_its_envelope_and_source() -> None:
    drawn = SyncTrack.from_times([0.2, 1.0, 1.5, 3.0])
    env = Envelope(1.0, 100.0, (-20.0,) * 100)
    voiced = SyncTrack((Hit(1.1, 0.8), Hit(2.5), Hit(9.0)), env, source="voiced")
    out = with_region(drawn, 1.0, 2.0, voiced)
    assert out.times == [0.2, 1.1, 3.0] and out.source == "voiced" and out.envelope == env
    assert with_region(out, 0.0, 1.0, SyncTrack(source="performed")).envelope == env


def test_lane_edits_undo_and_a_drag_is_one_step() -> None:
    p, history = Project(), History()
    sync = p.sync_lane()
    history.push(commands.EditLane(p, sync.with_changes(sync=with_hit(sync.sync, 1.0)), "Add hit"))
    for t in (1.04, 1.08, 1.12):
        lane = p.sync_lane()
        history.push(commands.EditLane(p, lane.with_changes(sync=with_hit_moved(lane.sync, lane.sync.times[0], t)),
                                       "Move hit", gesture=7))
    assert p.sync_lane().sync.times == [1.12] and history.undo_text == "Move hit"
    history.undo()
    assert p.sync_lane().sync.times == [1.0] and history.undo_text == "Add hit"
    history.undo()
    assert p.sync_lane().sync.times == [] and p.sync_lane().id == sync.id
    history.redo()
    history.redo()
    assert p.sync_for(1.1, 2.0).times == [1.12] and p.sync_for(0.0, 1.1) is None


def test_clips_live_on_foley_lanes_and_undo_puts_them_back_on_theirs() -> None:
    p, history = Project(), History()
    a, b = _item(0.1, 0.0, "a"), _item(0.2, 0.3, "b")
    p.insert_takes(0, [a, b])
    steps = Lane("foley", "Footsteps")
    history.push(commands.AddLane(p, steps, index=2))
    assert [lane.name for lane in p.lanes] == ["Production audio", "Foley", "Footsteps", "Sync"]
    history.push(commands.AcceptTake(p, a.id))
    p.add_clip(LaneClip(b.id, 0.3), steps.id)
    p.add_clip(LaneClip(a.id, 0.6), steps.id)
    assert [c.take_id for c in p.lane] == [a.id, b.id, a.id]
    history.push(commands.DeleteTake(p, a.id))
    assert [c.take_id for c in p.lane] == [b.id]
    history.undo()
    assert [c.take_id for c in p.lane_by_id(steps.id).clips] == [b.id, a.id]
    history.push(commands.MoveClip(p, p.lane_by_id(steps.id).clips[0].id, 0.5))
    assert p.lane_by_id(steps.id).clips[0].start == 0.5 and p.clip_lane(p.lane[1].id) == steps.id
    history.push(commands.RemoveLane(p, steps.id))
    assert [c.take_id for c in p.lane] == [a.id] and len(p.takes) == 2
    history.undo()
    assert p.lanes[2].name == "Footsteps" and len(p.lane) == 3
    with pytest.raises(ConfigError, match="already has a lane"):
        p.insert_lane(0, steps)
    with pytest.raises(ConfigError, match="Foley lane"):
        p.add_clip(LaneClip(a.id, 0.0), p.sync_lane().id)


def test_mix_follows_mute_solo_and_gain() -> None:
    p = Project()
    a, b = _item(0.1, 0.0, "a"), _item(0.2, 0.0, "b")
    p.insert_takes(0, [a, b])
    steps = Lane("foley", "Footsteps", gain_db=-6.0)
    p.insert_lane(2, steps)
    p.add_clip(LaneClip(a.id, 0.0))
    p.add_clip(LaneClip(b.id, 0.0), steps.id)
    track = np.full(200, 0.5, np.float32)
    half = 10 ** (-6 / 20)
    assert p.mix(track, 1000)[50] == pytest.approx(0.5 + 0.1 + 0.2 * half)
    p.replace_lane(p.lanes[0].with_changes(mute=True))
    assert p.mix(track, 1000)[50] == pytest.approx(0.1 + 0.2 * half)
    p.replace_lane(p.lane_by_id(steps.id).with_changes(solo=True))
    assert p.mix(track, 1000)[50] == pytest.approx(0.2 * half) and p.mix(track, 1000)[150] == 0.0
    assert audible(p.lanes, p.lane_by_id(steps.id)) and not audible(p.lanes, p.lanes[1])
    assert not audible(p.lanes, p.sync_lane())


def test_lanes_round_trip_through_the_project_file(tmp_path: Path) -> None:
    p = Project()
    item = _item(0.3, 1.0, "a")
    p.insert_takes(0, [item])
    p.insert_lane(2, Lane("foley", "Cloth", mute=True, solo=True, gain_db=-3.5))
    p.add_clip(LaneClip(item.id, 1.2), p.lanes[2].id)
    env = Envelope(0.5, 50.0, (-12.0, -30.0, -80.0))
    sync = SyncTrack((Hit(0.52, 0.25), Hit(1.0)), env, source="voiced")
    p.replace_lane(p.sync_lane().with_changes(sync=sync))
    path = save_project(p, tmp_path / "lanes.foley.json")
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION == 4
    loaded = load_project(path)
    assert loaded.lanes == p.lanes
    assert loaded.sync_lane().sync.envelope == env and loaded.sync_lane().sync.source == "voiced"


def test_a_version_2_project_gets_its_foley_lane_and_an_empty_sync_lane(tmp_path: Path) -> None:
    p = Project()
    item = _item(0.3, 1.0, "a")
    p.insert_takes(0, [item])
    save_project(p, tmp_path / "old.foley.json")
    doc = json.loads((tmp_path / "old.foley.json").read_text())
    del doc["lanes"]
    doc["schema_version"] = 2
    doc["lane"] = [{"id": "clip-1", "take_id": item.id, "start": 1.25}]
    (tmp_path / "old.foley.json").write_text(json.dumps(doc))
    loaded = load_project(tmp_path / "old.foley.json")
    assert [lane.kind for lane in loaded.lanes] == ["production", "foley", "sync"]
    assert loaded.lane == [LaneClip(item.id, 1.25, "clip-1")] and loaded.sync_lane().sync.hits == ()


def test_a_damaged_sync_track_is_named(tmp_path: Path) -> None:
    path = save_project(Project(), tmp_path / "bad.foley.json")
    doc = json.loads(path.read_text())
    doc["lanes"][2]["sync"] = {"hits": [{"time": -1.0}]}
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match="damaged"):
        load_project(path)
