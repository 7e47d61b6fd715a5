"""The world classifiers behind the evaluation interfaces: shapes, resampling, save and load."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from foley_studio.errors import CheckpointError, ConfigError
from foley_studio.evaluation.interfaces import AudioClassifier, AudioEmbedder, ImageClassifier
from foley_studio.evaluation.world_models import (WorldAudioModel, WorldAudioNet, WorldImageModel,
                                                  WorldImageNet)

CLASSES = ["ball", "bell", "clock"]


@pytest.fixture
def audio_model() -> WorldAudioModel:
    torch.manual_seed(0)
    return WorldAudioModel(WorldAudioNet(CLASSES, channels=(4, 8), embed_dim=16))


def test_audio_model_implements_both_interfaces(audio_model: WorldAudioModel) -> None:
    assert isinstance(audio_model, AudioEmbedder) and isinstance(audio_model, AudioClassifier)
    audio = np.random.default_rng(0).normal(0, 0.1, (3, 22050)).astype(np.float32)
    probs = audio_model.predict_proba(audio, 22050)
    assert probs.shape == (3, 3) and np.allclose(probs.sum(1), 1.0)
    emb = audio_model.embed(audio, 22050)
    assert emb.shape == (3, 16) and np.all(emb >= 0)  # post-ReLU penultimate layer


def test_audio_at_another_rate_is_resampled(audio_model: WorldAudioModel) -> None:
    t = np.arange(16000) / 16000
    tone16 = np.sin(2 * np.pi * 440 * t)[None].astype(np.float32)
    t22 = np.arange(22050) / 22050
    tone22 = np.sin(2 * np.pi * 440 * t22)[None].astype(np.float32)
    resampled, native = audio_model.embed(tone16, 16000), audio_model.embed(tone22, 22050)
    misread = audio_model.embed(tone16, 22050)  # the same samples taken as 22050 Hz: a lower tone
    assert np.abs(resampled - native).max() < 0.2 * np.abs(misread - native).max()


def test_audio_save_load_round_trip(audio_model: WorldAudioModel, tmp_path: Path) -> None:
    audio_model.save(tmp_path / "world_audio", extra={"heldout_accuracy": 0.5})
    loaded = WorldAudioModel.load(tmp_path / "world_audio")
    audio = np.random.default_rng(1).normal(0, 0.1, (2, 11025)).astype(np.float32)
    assert loaded.classes == tuple(CLASSES)
    np.testing.assert_allclose(loaded.predict_proba(audio, 22050), audio_model.predict_proba(audio, 22050),
                               atol=1e-6)
    with pytest.raises(CheckpointError, match="world-image-classifier"):
        WorldImageModel.load(tmp_path / "world_audio")


def test_image_model_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = WorldImageModel(WorldImageNet(CLASSES, channels=(4, 8), embed_dim=8))
    assert isinstance(model, ImageClassifier)
    frames = np.random.default_rng(0).integers(0, 256, (5, 128, 128, 3), dtype=np.uint8)
    probs = model.predict_proba(frames)
    assert probs.shape == (5, 3) and np.allclose(probs.sum(1), 1.0)
    model.save(tmp_path / "img")
    np.testing.assert_allclose(WorldImageModel.load(tmp_path / "img").predict_proba(frames), probs, atol=1e-6)


def test_bad_inputs_are_named(audio_model: WorldAudioModel) -> None:
    with pytest.raises(ConfigError, match="float array"):
        audio_model.predict_proba(np.zeros((2, 100), np.int16), 22050)
    with pytest.raises(ConfigError, match="uint8 RGB"):
        WorldImageModel(WorldImageNet(CLASSES)).predict_proba(np.zeros((2, 8, 8), np.float32))
