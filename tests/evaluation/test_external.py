"""Standard networks from local files: VGGish's front end, layout and loading; clear errors otherwise."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from foley_studio.errors import CheckpointError, ConfigError, ModelUnavailableError
from foley_studio.evaluation.external import (ClipImageEmbedder, VGGishEmbedder, VGGishNet, load_passt,
                                              load_wav2clip, vggish_examples, vggish_mel_matrix)

# The PyTorch port's state dict (torchvggish ``vggish-10086976.pth``).
VGGISH_SHAPES = {
    "features.0.weight": (64, 1, 3, 3), "features.3.weight": (128, 64, 3, 3),
    "features.6.weight": (256, 128, 3, 3), "features.8.weight": (256, 256, 3, 3),
    "features.11.weight": (512, 256, 3, 3), "features.13.weight": (512, 512, 3, 3),
    "embeddings.0.weight": (4096, 12288), "embeddings.2.weight": (4096, 4096),
    "embeddings.4.weight": (128, 4096),
}


def test_mel_matrix_is_htk_triangles() -> None:
    m = vggish_mel_matrix()
    assert m.shape == (257, 64) and np.all(m[0] == 0) and np.all(m >= 0)
    assert np.all(m.max(axis=0) > 0.5)  # every band catches some bin near its centre
    centres = m.argmax(axis=0)
    assert np.all(np.diff(centres) >= 0)
    assert 125 < centres[0] * 31.25 and centres[-1] * 31.25 < 7500  # bin spacing 31.25 Hz


def test_examples_frame_into_096_second_patches() -> None:
    t = np.arange(int(2.5 * 16000)) / 16000
    ex = vggish_examples(np.sin(2 * np.pi * 1000 * t))
    assert ex.shape == (2, 96, 64)
    band = ex[0].mean(axis=0).argmax()  # the loudest band holds 1 kHz
    weights = vggish_mel_matrix()[:, band]
    assert abs(np.fft.rfftfreq(512, 1 / 16000)[weights.argmax()] - 1000) < 100
    with pytest.raises(ConfigError, match="0.975 s"):
        vggish_examples(np.zeros(8000))


def test_network_matches_the_released_state_dict_layout() -> None:
    with torch.device("meta"):
        state = VGGishNet().state_dict()
    assert {k: tuple(v.shape) for k, v in state.items() if k.endswith("weight")} == VGGISH_SHAPES


def test_embedder_runs_end_to_end_with_in_memory_weights() -> None:
    torch.manual_seed(0)
    embedder = VGGishEmbedder(VGGishNet())
    audio = np.random.default_rng(0).normal(0, 0.1, (2, 2 * 22050)).astype(np.float32)
    per_example = embedder.embed_examples(audio, 22050)
    assert [e.shape for e in per_example] == [(2, 128), (2, 128)]
    np.testing.assert_allclose(embedder.embed(audio, 22050), np.stack([e.mean(0) for e in per_example]),
                               rtol=1e-5)


def test_loading_names_the_file_and_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="vggish-10086976.pth"):
        VGGishEmbedder.load(tmp_path / "vggish-10086976.pth")
    wrong = tmp_path / "wrong.pth"
    torch.save({"features.0.weight": torch.zeros(2, 1, 3, 3)}, wrong)
    with pytest.raises(CheckpointError, match="missing"):
        VGGishEmbedder.load(wrong)
    not_tensors = tmp_path / "odd.pth"
    torch.save({"features.0.weight": "text"}, not_tensors)
    with pytest.raises(CheckpointError, match="plain state dict"):
        VGGishEmbedder.load(not_tensors)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="Cannot read"):
        VGGishEmbedder.load(garbage)


def test_models_that_are_not_built_in_say_what_is_needed() -> None:
    with pytest.raises(ModelUnavailableError, match="hear21passt.*passt-s-f128-p16-s10-ap.476-swa.pt"):
        load_passt()
    with pytest.raises(ModelUnavailableError, match="wav2clip.*Wav2CLIP.pt"):
        load_wav2clip("/nowhere/Wav2CLIP.pt")


def test_clip_image_embedder_wraps_the_project_encoder() -> None:
    from foley_studio.encoders.clip import ClipEncoder
    from foley_studio.evaluation.interfaces import ImageEmbedder

    embedder = ClipImageEmbedder(ClipEncoder.tiny())
    assert isinstance(embedder, ImageEmbedder)
    frames = np.random.default_rng(0).integers(0, 256, (3, 40, 48, 3), dtype=np.uint8)
    emb = embedder.embed_images(frames)
    assert emb.shape == (3, 32) and np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    with pytest.raises(ConfigError, match="uint8 RGB"):
        embedder.embed_images(frames.astype(np.float32))
