"""The learned detector: trained by the CLI on a tiny made world, then saved, loaded and used."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers_scenes import bouncing_ball

from foley_studio.cli import main
from foley_studio.errors import CheckpointError
from foley_studio.syncing.learned import HitNet, LearnedDetector, detect_learned_hits, prepare
from foley_studio.syncing.motion import FEATURES

TRAIN = [[8, 24, 37, 52, 63, 80], [12, 30, 45, 58, 71, 88], [6, 21, 40, 55, 70, 84]]
TEST = [10, 27, 43, 60, 74, 90]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("world")
    (root / "video").mkdir()
    rows = []
    for i, contacts in enumerate(TRAIN + [TEST]):
        name = f"w1-{i:06d}"
        bouncing_ball(root / "video" / f"{name}_000000.mp4", contacts, size=(128, 128), seed=i)
        rows.append({"id": name, "label": "ball", "split": "train" if i < len(TRAIN) else "test",
                     "start": 0, "seconds": 4.0,
                     "events": [{"frame": f, "time": f / 25, "main": True} for f in contacts]})
    (root / "events.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


@pytest.fixture(scope="module")
def trained(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("detector")
    assert main(["train", "sync-detector", "--data", str(world), "--out", str(out), "--steps", "300"]) == 0
    return out / "sync_detector"


@pytest.mark.slow
def test_training_writes_small_weights_with_a_threshold(trained: Path) -> None:
    meta = json.loads(trained.with_suffix(".json").read_text())
    assert 0.2 <= meta["threshold"] <= 0.9 and meta["clips"] == len(TRAIN)
    assert meta["train"]["recall"] > 0.9
    assert trained.with_suffix(".safetensors").stat().st_size < 1_000_000


@pytest.mark.slow
def test_the_trained_detector_finds_a_new_clips_contacts(world: Path, trained: Path) -> None:
    track = detect_learned_hits(world / "video" / "w1-000003_000000.mp4", 0.0, 4.0, weights=trained)
    found = [int(round(t * 25)) for t in track.times]
    assert sum(any(abs(f - c) <= 1 for f in found) for c in TEST) >= 5
    assert len(found) <= len(TEST) + 1
    assert max(h.strength for h in track.hits) == 1.0 and track.envelope is not None


@pytest.mark.slow
def test_sync_detect_can_use_the_learned_detector(world: Path, trained: Path, tmp_path: Path) -> None:
    out = tmp_path / "hits.json"
    clip = world / "video" / "w1-000003_000000.mp4"
    argv = ["sync", "detect", str(clip), "--detector", "learned", "--weights", str(trained), "--out", str(out)]
    assert main(argv) == 0 and out.is_file()


def test_prepared_features_are_scale_free_per_clip() -> None:
    feats = 0.01 + 0.1 * np.random.default_rng(0).random((50, len(FEATURES)))
    a, b = prepare(feats), prepare(feats * 10)
    np.testing.assert_allclose(a[:, len(FEATURES):], b[:, len(FEATURES):], atol=1e-3)
    assert HitNet()(__import__("torch").from_numpy(a)[None]).shape == (1, 50)


def test_missing_weights_are_named(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="incomplete"):
        LearnedDetector.load(tmp_path / "nothing")


def test_the_shipped_detector_is_small_and_finds_a_made_balls_contacts(tmp_path: Path) -> None:
    from foley_studio.syncing.learned import SHIPPED

    assert SHIPPED.with_suffix(".safetensors").stat().st_size < 1_000_000
    contacts = [14, 30, 44, 57, 69, 80, 90]
    clip = bouncing_ball(tmp_path / "ball.mp4", contacts)
    assert [int(round(t * 25)) for t in detect_learned_hits(clip, 0.0, 4.0).times] == contacts
