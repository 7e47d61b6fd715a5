"""Files: the mp4 of a clip, the dataset plan, the VGGSound-style manifest, determinism."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from foley_studio.data.manifest import read_manifest
from foley_studio.data.render import plan_dataset, render_dataset, write_mp4
from foley_studio.data.world import CLASSES, render_clip
from foley_studio.errors import Cancelled, ConfigError
from foley_studio.media import VideoClip
from foley_studio.progress import CancelToken


def test_mp4_holds_h264_and_aac_at_the_world_rates(tmp_path: Path) -> None:
    clip = render_clip(5, "bird", 1.0)
    write_mp4(tmp_path / "c.mp4", clip)
    with VideoClip(tmp_path / "c.mp4") as video:
        info = video.info()
        assert (info["video_codec"], info["audio_codec"]) == ("h264", "aac")
        assert (info["width"], info["height"], info["frame_count"]) == (128, 128, 25)
        assert info["fps"] == 25 and info["audio_rate"] == 22050
        assert np.allclose(video.frame_times(), np.arange(25) / 25)
        picture = video.frame_at(0.5)
    assert np.abs(picture.astype(int) - clip.frames[12]).mean() < 6  # lossy, but the same picture


def test_odd_frame_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="even frame size"):
        write_mp4(tmp_path / "odd.mp4", render_clip(1, "ball", 0.2, size=33))
    assert not (tmp_path / "odd.mp4").exists()


def test_plan_is_balanced_split_and_deterministic() -> None:
    plan = plan_dataset(100, seed=3)
    assert plan == plan_dataset(100, seed=3) and plan != plan_dataset(100, seed=4)
    assert [p.label for p in plan[:10]] == CLASSES
    tests = [p for p in plan if p.split == "test"]
    assert len(tests) == 20 and sorted({p.label for p in tests}) == CLASSES
    assert len({p.id for p in plan}) == 100 and len({p.seed for p in plan}) == 100


def test_manifest_layout(tiny_world: Path) -> None:
    rows = list(csv.reader((tiny_world / "vggsound.csv").open()))
    assert len(rows) == 10 and all(len(r) == 4 for r in rows)
    assert [r[2] for r in rows] == CLASSES and {r[1] for r in rows} == {"0"}
    for vid, start, label, split in rows:
        assert (tiny_world / "video" / f"{vid}_{int(start):06d}.mp4").is_file()
    records = [json.loads(line) for line in (tiny_world / "events.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == [r[0] for r in rows]
    ball = records[CLASSES.index("ball")]
    assert "ball" in ball["caption"] and ball["seconds"] == 1.0 and isinstance(ball["seed"], int)
    assert ball["events"] and {"time", "frame", "kind", "source", "main"} <= set(ball["events"][0])


def test_manifest_round_trip(tiny_world: Path) -> None:
    rows = read_manifest(tiny_world)
    assert [r.label for r in rows] == CLASSES
    assert rows[0].caption.startswith("a ") and rows[0].video_path(tiny_world).is_file()


def test_same_seed_same_files_with_any_worker_count(tmp_path: Path, tiny_world: Path) -> None:
    render_dataset(tmp_path, 3, seed=7, seconds=1.0, workers=2)
    for name in ("vggsound.csv", "events.jsonl"):
        assert (tmp_path / name).read_text().splitlines() == \
            (tiny_world / name).read_text().splitlines()[:3]
    for path in sorted((tmp_path / "video").iterdir()):
        assert path.read_bytes() == (tiny_world / "video" / path.name).read_bytes()


def test_progress_and_cancel(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    render_dataset(tmp_path / "a", 2, seed=1, seconds=0.2, workers=1,
                   progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        render_dataset(tmp_path / "b", 2, seed=1, seconds=0.2, workers=1, cancel=token)
    assert not (tmp_path / "b" / "vggsound.csv").exists()


def test_bad_manifest_line_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "vggsound.csv").write_text("abc,0,ball,train\nxyz,soon,ball,train\n")
    with pytest.raises(ConfigError, match="line 2"):
        read_manifest(tmp_path)
