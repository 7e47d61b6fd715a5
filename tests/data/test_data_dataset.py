"""AVDataset on a tiny rendered folder: items, options, splits, and bad files skipped."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from foley_studio.data.dataset import AVDataset
from foley_studio.data.render import render_dataset
from foley_studio.data.world import CLASSES, render_clip
from foley_studio.errors import ConfigError, MissingFileError


def test_item_holds_synchronised_arrays(tiny_world: Path) -> None:
    ds = AVDataset(tiny_world, split="train", sample_rate=16000, seconds=1.0)
    assert len(ds) == 10 and ds.classes == CLASSES and ds.skipped == []
    item = ds[CLASSES.index("clock")]
    assert item["audio"].shape == (16000,) and item["audio"].dtype == np.float32
    assert item["frames"].shape == (25, 128, 128, 3) and item["frames"].dtype == np.uint8
    assert np.allclose(item["frame_times"], np.arange(25) / 25, atol=1e-6)
    assert item["label"] == CLASSES.index("clock") and item["class_name"] == "clock"
    assert "clock" in item["caption"] and item["id"].endswith("_000000")
    assert item["events"].dtype == np.float32 and len(item["events"]) >= 1


def test_item_matches_the_world(tiny_world: Path) -> None:
    ds = AVDataset(tiny_world, sample_rate=22050, seconds=1.0)
    row = ds._rows[CLASSES.index("drum")]
    clip = render_clip(row.seed, "drum", 1.0)
    item = ds[CLASSES.index("drum")]
    assert np.allclose(item["events"], clip.event_times(), atol=1e-6)
    assert np.abs(item["frames"].astype(int) - clip.frames).mean() < 6
    corr = np.corrcoef(item["audio"], clip.audio)[0, 1]
    assert corr > 0.9  # AAC is lossy, but the soundtrack is the clip's, not shifted


def test_fps_and_image_size(tiny_world: Path) -> None:
    ds = AVDataset(tiny_world, seconds=1.0, fps=5, image_size=64)
    item = ds[0]
    assert item["frames"].shape == (5, 64, 64, 3)
    assert np.allclose(item["frame_times"], [0.08, 0.28, 0.48, 0.68, 0.88], atol=1e-6)


def test_short_crop_and_random_crop_are_deterministic(tiny_world: Path) -> None:
    fixed = AVDataset(tiny_world, seconds=0.4)
    assert fixed[0]["start"] == 0.0 and fixed[0]["frames"].shape[0] == 10
    a, b = (AVDataset(tiny_world, seconds=0.4, random_crop=True, seed=1) for _ in range(2))
    starts = [a[i]["start"] for i in range(10)]
    assert starts == [b[i]["start"] for i in range(10)] and len(set(starts)) > 1
    assert all(abs(s * 25 - round(s * 25)) < 1e-6 and 0 <= s <= 0.6 + 1e-6 for s in starts)
    a.set_epoch(1)
    assert [a[i]["start"] for i in range(10)] != starts
    item = a[CLASSES.index("ball")]
    assert np.all((item["events"] >= 0) & (item["events"] < 0.4))


def test_splits_are_disjoint(tmp_path: Path) -> None:
    render_dataset(tmp_path, 50, seed=2, seconds=0.2, workers=1)
    train, test = AVDataset(tmp_path, split="train"), AVDataset(tmp_path, split="test")
    both = AVDataset(tmp_path, split=None)
    assert (len(train), len(test), len(both)) == (40, 10, 50)
    assert not {r.key for r in train._rows} & {r.key for r in test._rows}


def test_missing_and_corrupt_files_are_skipped_and_reported(tiny_world: Path, tmp_path: Path) -> None:
    root = tmp_path / "broken"
    shutil.copytree(tiny_world, root)
    videos = sorted((root / "video").iterdir())
    videos[2].unlink()
    videos[5].write_bytes(videos[5].read_bytes()[:600])  # truncated mid-header
    ds = AVDataset(root, seconds=1.0)
    assert len(ds) == 9 and ds.skipped == [(str(videos[2]), ds.skipped[0][1])]
    assert "missing" in ds.skipped[0][1]
    ids = [ds[i]["id"] for i in range(len(ds))]
    assert len(ids) == 9 and videos[5].stem not in ids
    assert ids[4] == ids[5]  # the corrupt clip's place went to the next readable one
    assert ds.skipped[1][0] == str(videos[5]) and ds.skipped[1][1]


def test_class_list_can_be_shared(tiny_world: Path) -> None:
    wider = CLASSES + ["zither"]
    ds = AVDataset(tiny_world, seconds=0.2, classes=wider)
    assert ds.classes == sorted(wider) and ds[0]["label"] == sorted(wider).index(ds[0]["class_name"])
    with pytest.raises(ConfigError, match="not in the class list"):
        AVDataset(tiny_world, classes=["ball"])


def test_bad_arguments_and_missing_manifest(tiny_world: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        AVDataset(tiny_world, split="val")
    with pytest.raises(ConfigError):
        AVDataset(tiny_world, fps=0)
    with pytest.raises(MissingFileError):
        AVDataset(tmp_path)
    with pytest.raises(IndexError):
        AVDataset(tiny_world)[10]


def test_other_vggsound_file_namings_are_found(tiny_world: Path, tmp_path: Path) -> None:
    root = tmp_path / "renamed"
    shutil.copytree(tiny_world, root)
    videos = sorted((root / "video").iterdir())
    short = videos[0].with_name(videos[0].name.replace("_000000.mp4", "_0.mp4"))
    videos[0].rename(short)
    videos[1].rename(videos[1].with_name(videos[1].name.replace("_000000.mp4", "_0_10000.mp4")))
    ds = AVDataset(root, seconds=0.2)
    assert len(ds) == 10 and ds.skipped == [] and ds[0]["id"] == videos[0].stem


def test_header_line_and_labels_only_folder(tiny_world: Path, tmp_path: Path) -> None:
    root = tmp_path / "plain"
    shutil.copytree(tiny_world, root)
    (root / "events.jsonl").unlink()
    csv_text = (root / "vggsound.csv").read_text()
    (root / "vggsound.csv").write_text("# YouTube ID,start seconds,label,split\n" + csv_text)
    item = AVDataset(root, seconds=1.0)[0]
    assert item["caption"] == item["class_name"] and item["events"].shape == (0,)


def test_works_with_a_torch_data_loader(tiny_world: Path) -> None:
    torch = pytest.importorskip("torch")
    loader = torch.utils.data.DataLoader(AVDataset(tiny_world, seconds=0.4, fps=5), batch_size=4,
                                         collate_fn=lambda items: items)
    batches = list(loader)
    assert [len(b) for b in batches] == [4, 4, 2]
