"""'train world-classifier' on a tiny rendered folder: runs a few steps, saves, loads, repeats."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from foley_studio.commands.train import TRAINERS
from foley_studio.errors import ConfigError
from foley_studio.evaluation import train_world
from foley_studio.data.manifest import Row, write_manifest
from foley_studio.data.render import write_mp4
from foley_studio.data.world import render_clip
from foley_studio.evaluation.world_models import WorldAudioModel, WorldImageModel
from foley_studio.models.weights import sha256_of


@pytest.fixture(scope="module")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six one-second clips of three classes; one clip per class in the test split."""
    root = tmp_path_factory.mktemp("world")
    rows = []
    for i, label in enumerate(["ball", "bell", "clock"] * 2):
        clip = render_clip(100 + i, label, 1.0, second=False)
        row = Row(f"t{i}", 0, label, "test" if i >= 3 else "train", caption=clip.caption)
        write_mp4(row.video_path(root), clip)
        rows.append(row)
    write_manifest(root, rows)
    return root


def _train(root: Path, out: Path, modality: str) -> int:
    """What ``foley-studio train world-classifier ...`` runs, with this trainer's own parser."""
    parser = argparse.ArgumentParser()
    train_world.add_train_arguments(parser)
    return train_world.run_train(parser.parse_args(
        ["--data", str(root), "--out", str(out), "--modality", modality, "--steps", "3",
         "--batch-size", "4", "--seconds", "1", "--frames-per-clip", "2"]))


def test_trainer_is_registered() -> None:
    assert TRAINERS["world-classifier"] == "foley_studio.evaluation.train_world"


def test_audio_trainer_saves_loadable_deterministic_weights(tiny_world: Path, tmp_path: Path) -> None:
    assert _train(tiny_world, tmp_path / "a", "audio") == 0
    model = WorldAudioModel.load(tmp_path / "a" / "world_audio")
    assert model.classes == ("ball", "bell", "clock")
    meta = json.loads((tmp_path / "a" / "world_audio.json").read_text())
    assert meta["n_train"] == 3 and meta["n_test"] == 3 and 0.0 <= meta["heldout_accuracy"] <= 1.0
    assert (tmp_path / "a" / "log.jsonl").is_file()
    assert model.predict_proba(np.zeros((1, 22050), np.float32), 22050).shape == (1, 3)
    assert _train(tiny_world, tmp_path / "b", "audio") == 0
    assert sha256_of(tmp_path / "a" / "world_audio.safetensors") == \
        sha256_of(tmp_path / "b" / "world_audio.safetensors")


def test_image_trainer_saves_loadable_weights(tiny_world: Path, tmp_path: Path) -> None:
    assert _train(tiny_world, tmp_path, "image") == 0
    model = WorldImageModel.load(tmp_path / "world_image")
    meta = json.loads((tmp_path / "world_image.json").read_text())
    assert meta["n_train"] == 3 * 2 and meta["n_test"] == 3 * 2
    assert model.predict_proba(np.zeros((1, 128, 128, 3), np.uint8)).shape == (1, 3)


def test_folder_without_test_split_is_explained(tmp_path: Path) -> None:
    rows = [Row(f"t{i}", 0, "ball", "train") for i in range(3)]
    root = tmp_path / "only-train"
    for i, row in enumerate(rows):
        write_mp4(row.video_path(root), render_clip(i, "ball", 1.0))
    write_manifest(root, rows)
    with pytest.raises(ConfigError, match="'test' split"):
        _train(root, tmp_path / "out", "audio")
