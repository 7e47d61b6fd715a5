"""The Qt-free undo history and the project commands it runs."""
from __future__ import annotations

import numpy as np
import pytest

from foley_studio.requests import Take
from ui.model import commands
from ui.model.history import History
from ui.model.project import LaneClip, Project, TakeItem


def _item(name: str, start: float = 1.0) -> TakeItem:
    take = Take(np.zeros(160, np.float32), 16000, "m", 0, start, name=name)
    return TakeItem(take, (start, start + 0.01))


@pytest.fixture
def project() -> Project:
    p = Project()
    p.insert_takes(0, [_item("a"), _item("b", 2.0)])
    return p


def test_accept_undo_redo(project: Project) -> None:
    history = History()
    take_id = project.takes[1].id
    history.push(commands.AcceptTake(project, take_id))
    assert [(c.take_id, c.start) for c in project.lane] == [(take_id, 2.0)]
    assert history.undo_text == "Accept b"
    history.undo()
    assert project.lane == [] and history.can_redo and history.redo_text == "Accept b"
    history.redo()
    assert project.lane[0].take_id == take_id


def test_delete_restores_position_and_lane_clips(project: Project) -> None:
    history = History()
    a = project.takes[0].id
    history.push(commands.AcceptTake(project, a))
    history.push(commands.DeleteTake(project, a))
    assert [t.name for t in project.takes] == ["b"] and project.lane == []
    history.undo()
    assert [t.name for t in project.takes] == ["a", "b"] and project.lane[0].take_id == a


def test_rename_and_new_push_clears_redo(project: Project) -> None:
    history = History()
    tid = project.takes[0].id
    history.push(commands.RenameTake(project, tid, "door slam"))
    history.undo()
    assert project.take(tid).name == "a"
    history.push(commands.RenameTake(project, tid, "creak"))
    assert not history.can_redo and project.take(tid).name == "creak"


def test_moves_of_one_clip_merge_into_one_step(project: Project) -> None:
    history = History()
    history.push(commands.AcceptTake(project, project.takes[0].id))
    clip_id = project.lane[0].id
    for start in (1.5, 2.0, 2.5):
        history.push(commands.MoveClip(project, clip_id, start, gesture=1))
    history.push(commands.MoveClip(project, clip_id, 3.0, gesture=2))
    assert project.lane[0].start == 3.0
    history.undo()
    assert project.lane[0].start == 2.5
    history.undo()
    assert project.lane[0].start == 1.0
    history.undo()
    assert project.lane == [] and not history.can_undo


def test_group_is_one_step_and_depth_is_bounded(project: Project) -> None:
    history = History(depth=2)
    with history.group("Accept both"):
        for item in list(project.takes):
            history.push(commands.AcceptTake(project, item.id))
    assert len(project.lane) == 2 and history.undo_text == "Accept both"
    history.undo()
    assert project.lane == []
    history.redo()
    for name in ("x", "y", "z"):
        history.push(commands.RenameTake(project, project.takes[0].id, name))
    history.undo()
    history.undo()
    assert not history.can_undo and project.takes[0].name == "x"


def test_changed_fires_once_per_step(project: Project) -> None:
    history = History()
    seen: list[int] = []
    history.changed.connect(lambda: seen.append(1))
    history.push(commands.AcceptTake(project, project.takes[0].id))
    history.undo()
    history.redo()
    assert len(seen) == 3


def test_mix_adds_foley_and_lets_an_inpaint_repair_replace_the_soundtrack_in_its_gap() -> None:
    p = Project()
    foley = TakeItem(Take(np.full(100, 0.25, np.float32), 1000, "m", 0, 0.1, name="f"), (0.1, 0.2))
    patch = TakeItem(Take(np.full(100, -0.5, np.float32), 1000, "m", 0, 0.5, mode="inpaint",
                          name="i"), (0.5, 0.6), gap=(0.52, 0.58))
    p.insert_takes(0, [foley, patch])
    p.add_clip(LaneClip(foley.id, 0.1))
    History().push(commands.RepairProduction(p, patch.id, 0.01))
    out = p.mix(np.full(1000, 0.5, np.float32), 1000)
    assert out[50] == 0.5 and out[150] == 0.75 and out[550] == -0.5 and out[650] == 0.5
    assert out[505] == 0.5  # before the seam: the original, once (the production lane is muted)


def test_new_takes_count_on_from_the_projects_takes_of_their_mode() -> None:
    p = Project()
    first = [_item("foley take 1"), _item("foley take 2")]
    p.number_new_takes(first)
    p.insert_takes(0, first)
    p.insert_takes(0, [_item("door slam"), _item("inpaint take 1")])
    fresh = [_item("foley take 1"), _item("foley take 2"), _item("inpaint take 1"), _item("extend take 1")]
    p.number_new_takes(fresh)
    assert [t.name for t in first] == ["foley take 1", "foley take 2"]
    assert [t.name for t in fresh] == ["foley take 3", "foley take 4", "inpaint take 2", "extend take 1"]
