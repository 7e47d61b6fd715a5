"""The CLIP encoder: shapes and unit norm, prompts, local bundles, and a clear offline error."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_studio.encoders.clip import ClipEncoder, preprocess
from foley_studio.errors import CheckpointError, ConfigError, ModelUnavailableError


@pytest.fixture(scope="module")
def encoder():
    return ClipEncoder.tiny(seed=0)


def test_frames_are_embedded_to_unit_vectors(encoder):
    frames = np.random.default_rng(0).integers(0, 255, (5, 40, 70, 3), dtype=np.uint8)
    out = encoder.embed_frames(frames, batch=2)
    assert out.shape == (5, encoder.dim) and out.dtype == torch.float32
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(5))
    torch.testing.assert_close(encoder.embed_frames(frames[2:3])[0], out[2], atol=1e-5, rtol=1e-5)
    assert not torch.allclose(out[0], out[1])


def test_text_shares_the_space(encoder):
    a, b = encoder.embed_text("a dog barks"), encoder.embed_text("rain on a tin roof")
    assert a.shape == (encoder.dim,) and abs(float(a.norm()) - 1) < 1e-5 and not torch.allclose(a, b)
    with pytest.raises(ConfigError):
        encoder.embed_text("   ")


def test_preprocess_crops_the_centre_square():
    frames = np.zeros((1, 20, 60, 3), dtype=np.uint8)
    frames[:, :, 20:40] = 255  # white centre third
    pixels = preprocess(frames, 16)
    assert pixels.shape == (1, 3, 16, 16) and pixels.min() > 0.9
    with pytest.raises(ConfigError, match="uint8"):
        preprocess(frames.astype(np.float32), 16)


def test_local_bundle_round_trip(encoder, tmp_path):
    encoder.save(tmp_path / "enc")
    loaded = ClipEncoder.from_bundle(tmp_path / "enc")
    frames = np.random.default_rng(1).integers(0, 255, (2, 32, 32, 3), dtype=np.uint8)
    torch.testing.assert_close(loaded.embed_frames(frames), encoder.embed_frames(frames))
    torch.testing.assert_close(loaded.embed_text("a bell rings"), encoder.embed_text("a bell rings"))
    with pytest.raises(CheckpointError):
        ClipEncoder.from_bundle(tmp_path / "nothing-here")


def test_offline_without_cached_weights_says_how_to_get_them(tmp_path):
    with pytest.raises(ModelUnavailableError, match="ViT-B-32") as err:
        ClipEncoder.pretrained("ViT-B-32", "openai", cache_dir=str(tmp_path))
    assert "train clip" in str(err.value)


def test_unknown_model_name():
    with pytest.raises(ConfigError, match="no-such-model"):
        ClipEncoder.pretrained("no-such-model")
