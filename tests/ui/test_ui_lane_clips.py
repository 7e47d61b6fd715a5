"""Clips with trims, fades and gain; the edited production lane; lanes added and removed (no Qt)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from foley_studio.errors import ConfigError
from foley_studio.requests import Take
from ui.model import commands
from ui.model.history import History
from ui.model.lanes import EDITED, EDITED_NAME, Lane, LaneClip, removable, repair_clip
from ui.model.project import Project, TakeItem
from ui.model.project_file import load_project, save_project


def _take(value: float, start: float, seconds: float = 1.0, gap=None, name: str = "t") -> TakeItem:
    audio = np.full(int(seconds * 1000), value, np.float32)
    mode = "inpaint" if gap else "foley"
    return TakeItem(Take(audio, 1000, "m", 0, start, mode=mode, name=name),
                    (start, start + seconds), gap)


def test_a_clip_refuses_negative_trims_empty_lengths_long_fades_and_wild_gain() -> None:
    with pytest.raises(ConfigError, match="offset"):
        LaneClip("t", 0.0, offset=-0.1)
    with pytest.raises(ConfigError, match="play for some time"):
        LaneClip("t", 0.0, length=0.0)
    with pytest.raises(ConfigError, match="fades"):
        LaneClip("t", 0.0, length=0.5, fade_in=0.3, fade_out=0.3)
    with pytest.raises(ConfigError, match="Clip gain"):
        LaneClip("t", 0.0, gain_db=20.0)
    clip = LaneClip("t", 2.0, offset=0.25, fade_in=0.5, fade_out=0.5)
    assert clip.played(1.0) == 0.75 and clip.end(1.0) == 2.75
    with pytest.raises(ConfigError, match="longer than"):
        clip.check_take(1.0)  # 1 s of fades on 0.75 s of sound


def test_the_project_refuses_a_trim_past_the_end_of_its_take() -> None:
    p = Project()
    item = _take(0.1, 0.0)
    p.insert_takes(0, [item])
    p.add_clip(LaneClip(item.id, 0.0, "c"))
    with pytest.raises(ConfigError, match="past its end"):
        History().push(commands.EditClip(p, LaneClip(item.id, 0.0, "c", offset=1.0), "Trim"))
    assert p.clip("c").offset == 0.0


def test_a_trim_drag_is_one_undo_step() -> None:
    p, history = Project(), History()
    item = _take(0.1, 0.0)
    p.insert_takes(0, [item])
    p.add_clip(LaneClip(item.id, 0.0, "c"))
    for offset in (0.1, 0.2, 0.3):
        history.push(commands.EditClip(p, LaneClip(item.id, offset, "c", offset=offset), "Trim clip", 7))
    assert p.clip("c") == LaneClip(item.id, 0.3, "c", offset=0.3)
    history.undo()
    assert p.clip("c") == LaneClip(item.id, 0.0, "c")


def test_repair_clip_sounds_the_gap_and_a_seam_either_side_within_the_take() -> None:
    clip = repair_clip("t", 1.0, 3.0, (2.0, 2.5), 0.04)
    assert (clip.start, clip.offset) == (1.96, pytest.approx(0.96))
    assert clip.length == pytest.approx(0.58) and clip.fade_in == pytest.approx(0.04)
    assert clip.fade_out == pytest.approx(0.04)
    short = repair_clip("t", 1.98, 1.0, (2.0, 2.5), 0.04)  # only 20 ms of context before the gap
    assert short.start == 1.98 and short.fade_in == pytest.approx(0.02)
    with pytest.raises(ConfigError, match="does not lie inside"):
        repair_clip("t", 2.1, 1.0, (2.0, 2.5), 0.04)


def test_repairing_makes_the_edited_lane_mutes_the_original_and_undoes_in_one_step() -> None:
    p, history = Project(), History()
    patch, other = _take(-0.5, 1.0, gap=(1.5, 1.7)), _take(-0.5, 3.0, gap=(3.2, 3.4))
    p.insert_takes(0, [patch, other])
    before = list(p.lanes)
    history.push(commands.RepairProduction(p, patch.id, 0.04))
    assert [(lane.kind, lane.name) for lane in p.lanes[:2]] == [("production", "Production audio"),
                                                               (EDITED, EDITED_NAME)]
    assert p.production_lane().mute and len(p.edited_lane().clips) == 1
    history.push(commands.RepairProduction(p, other.id, 0.04))
    assert len(p.lanes_of(EDITED)) == 1 and len(p.edited_lane().clips) == 2
    history.push(commands.RemoveLane(p, p.edited_lane().id))
    assert p.edited_lane() is None and not p.production_lane().mute  # the original sounds again
    history.undo()
    assert p.production_lane().mute and len(p.edited_lane().clips) == 2
    history.undo()
    history.undo()
    assert p.lanes == before
    plain = _take(0.1, 0.0)
    p.insert_takes(0, [plain])
    with pytest.raises(ConfigError, match="not an inpaint take"):
        p.with_repair(plain.id, 0.04)


def test_deleting_a_take_takes_its_repair_off_the_edited_lane_and_undo_puts_it_back() -> None:
    p, history = Project(), History()
    patch = _take(-0.5, 1.0, gap=(1.5, 1.7))
    p.insert_takes(0, [patch])
    history.push(commands.RepairProduction(p, patch.id, 0.04))
    history.push(commands.DeleteTake(p, patch.id))
    assert p.edited_lane().clips == ()
    history.undo()
    assert len(p.edited_lane().clips) == 1


def test_clips_move_between_foley_lanes_but_not_onto_the_edited_lane() -> None:
    p, history = Project(), History()
    item, patch = _take(0.1, 0.0), _take(-0.5, 1.0, gap=(1.5, 1.7))
    p.insert_takes(0, [item, patch])
    cloth = Lane("foley", "Cloth")
    history.push(commands.AddLane(p, cloth))
    p.add_clip(LaneClip(item.id, 0.5, "c", offset=0.2, fade_in=0.1))
    history.push(commands.MoveClipToLane(p, "c", cloth.id))
    assert p.clip_lane("c") == cloth.id and p.clip("c").offset == 0.2
    history.push(commands.RepairProduction(p, patch.id, 0.04))
    with pytest.raises(ConfigError, match="only between Foley lanes"):
        commands.MoveClipToLane(p, "c", p.edited_lane().id)
    history.undo()
    history.undo()
    assert p.clip_lane("c") == p.lanes_of("foley")[0].id


def test_the_production_lane_and_the_last_sync_lane_cannot_be_removed() -> None:
    p = Project()
    production, foley, sync = p.lanes
    assert not removable(p.lanes, production) and removable(p.lanes, foley)
    assert not removable(p.lanes, sync)
    with pytest.raises(ConfigError, match="cannot be removed"):
        commands.RemoveLane(p, production.id)
    p.insert_lane(3, Lane("sync", "Sync 2"))
    assert removable(p.lanes, sync)


def test_trims_fades_gain_and_repairs_round_trip_through_the_project_file(tmp_path: Path) -> None:
    p = Project()
    item, patch = _take(0.1, 0.0), _take(-0.5, 1.0, gap=(1.5, 1.7))
    p.insert_takes(0, [item, patch])
    p.add_clip(LaneClip(item.id, 0.5, "c", 0.2, 0.6, 0.1, 0.2, -4.5))
    p.set_lanes(p.with_repair(patch.id, 0.04))
    loaded = load_project(save_project(p, tmp_path / "clips.foley.json"))
    assert loaded.lanes == p.lanes


def test_a_version_3_inpaint_clip_on_a_foley_lane_becomes_a_repair(tmp_path: Path) -> None:
    p = Project()
    item, patch = _take(0.1, 0.0), _take(-0.5, 1.0, gap=(1.5, 1.7))
    p.insert_takes(0, [item, patch])
    p.add_clip(LaneClip(item.id, 0.25, "plain"))
    p.add_clip(LaneClip(patch.id, 1.0, "patch"))
    path = save_project(p, tmp_path / "old.foley.json")
    doc = json.loads(path.read_text())
    doc["schema_version"] = 3
    for lane in doc["lanes"]:
        lane["clips"] = [{k: c[k] for k in ("id", "take_id", "start")} for c in lane["clips"]]
    path.write_text(json.dumps(doc))
    loaded = load_project(path)
    assert loaded.lane == [LaneClip(item.id, 0.25, "plain")]
    assert loaded.production_lane().mute
    (repair,) = loaded.edited_lane().clips
    expected = repair_clip(patch.id, 1.0, 1.0, (1.5, 1.7), 1 / 25)
    assert (repair.take_id, repair.start, repair.length) == (patch.id, expected.start, expected.length)


def test_a_damaged_version_3_document_is_named_not_a_crash(tmp_path: Path) -> None:
    p = Project()
    p.insert_takes(0, [_take(0.1, 0.0)])
    path = save_project(p, tmp_path / "old.foley.json")
    doc = json.loads(path.read_text())
    doc["schema_version"] = 3
    del doc["takes"][0]["region"]
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match="is damaged.*version 3"):
        load_project(path)


def test_a_send_gets_each_clip_as_it_plays_trimmed_faded_and_gained() -> None:
    from ui.services.lane_delivery import project_plan

    p = Project()
    item = _take(0.5, 1.0)
    p.insert_takes(0, [item])
    p.add_clip(LaneClip(item.id, 1.25, "c", offset=0.25, length=0.5, fade_in=0.1, gain_db=-6.0))
    ((clip_id, take),) = [(c.clip_id, c.placed) for lane in project_plan(p, "s").lanes for c in lane.clips]
    assert clip_id == "c" and take.start == 1.25 and len(take.audio) == 500
    half = 0.5 * 10 ** (-6 / 20)
    assert take.audio[0] == pytest.approx(half * 0.5 / 100) and take.audio[300] == pytest.approx(half)
    assert item.take.start == 1.0 and len(item.take.audio) == 1000  # the take itself is kept
