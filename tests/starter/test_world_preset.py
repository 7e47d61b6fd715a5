"""The "world" preset the starter model is trained with, and fine-tuning only the VQ-VAE decoders."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_studio.cli import main
from foley_studio.encoders.clip import ClipEncoder
from foley_studio.models.im2wav.generator import WORLD_LOW, WORLD_UP, WORLD_VQVAE, Im2WavGenerator
from foley_studio.models.im2wav.prior import LowPrior, UpPrior
from foley_studio.models.im2wav.train_prior import load_trained_vqvae
from foley_studio.models.im2wav.vqvae import VQVAE
from foley_studio.requests import SamplerSettings

COMMON = ["--warmup", "2", "--log-every", "1", "--seconds", "2.5", "--device", "cpu",
          "--batch-size", "2", "--segment", "0.25"]


def test_world_preset_parts_fit_and_generate_both_levels():
    torch.manual_seed(0)
    vqvae = VQVAE(**WORLD_VQVAE)
    for level in vqvae.bottleneck.level_blocks:
        level.k.normal_()
    gen = Im2WavGenerator(vqvae, LowPrior(**WORLD_LOW, total_length=64000), UpPrior(**WORLD_UP),
                          ClipEncoder.tiny(0, WORLD_LOW["clip_dim"]), device="cpu")
    assert vqvae.hops == [32, 128] and gen.up.ratio == 4
    feats = torch.nn.functional.normalize(torch.randn(3, WORLD_LOW["clip_dim"]), dim=-1)
    full, low = gen.generate_levels(feats, np.array([0.0, 0.2, 0.4]), 0.5, takes=2, seed=1,
                                    sampler=SamplerSettings(guidance=2.0))
    assert full.shape == low.shape == (2, 8000)
    assert np.isfinite(full).all() and np.isfinite(low).all() and not np.allclose(full, low)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("world")
    assert main(["synth", "--out", str(out), "--clips", "2", "--seconds", "2.5", "--seed", "5",
                 "--workers", "1"]) == 0
    return out


def test_decoder_fine_tuning_keeps_the_tokens(world, tmp_path):
    first, second = tmp_path / "vq", tmp_path / "dec"
    assert main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(first), "--steps", "2",
                 *COMMON]) == 0
    assert main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(second), "--steps", "2",
                 "--init", str(first), "--decoders-only", "--lr", "1e-2", *COMMON]) == 0
    before, after = load_trained_vqvae(first).state_dict(), load_trained_vqvae(second).state_dict()
    tokenizer = [k for k in before if k.startswith(("encoders.", "bottleneck."))]
    decoders = [k for k in before if k.startswith("decoders.")]
    assert tokenizer and all(torch.equal(before[k], after[k]) for k in tokenizer)
    assert any(not torch.equal(before[k], after[k]) for k in decoders)


def test_decoders_can_be_rebuilt_with_linear_upsampling_on_the_same_tokens(world, tmp_path, capsys):
    first, second = tmp_path / "vq", tmp_path / "dec"
    assert main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(first), "--steps", "1",
                 *COMMON]) == 0
    assert main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(second), "--steps", "2",
                 "--init", str(first), "--decoders-only", "--upsample", "linear", *COMMON]) == 0
    assert "decoders rebuilt with linear upsampling" in capsys.readouterr().out
    old, new = load_trained_vqvae(first), load_trained_vqvae(second)
    assert old.config.get("upsample", "transpose") == "transpose" and new.config["upsample"] == "linear"
    audio = torch.randn(1, 8000) * 0.2
    assert all(torch.equal(a, b) for a, b in zip(old.encode(audio), new.encode(audio)))
    assert main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(tmp_path / "fresh"),
                 "--steps", "1", "--upsample", "nearest", *COMMON]) == 0  # from scratch, too
    assert load_trained_vqvae(tmp_path / "fresh").config["upsample"] == "nearest"
    with pytest.raises(SystemExit) as bad:
        main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(tmp_path / "x"),
              "--upsample", "cubic"])
    assert bad.value.code == 2 and "invalid choice: 'cubic'" in capsys.readouterr().err


def test_decoders_only_needs_a_model_to_start_from(world, tmp_path, capsys):
    assert main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(tmp_path / "x"),
                 "--steps", "1", "--decoders-only", *COMMON]) != 0
    assert "--decoders-only needs --init" in capsys.readouterr().err


def test_decoders_learn_against_the_comb_when_asked(world, tmp_path):
    """--comb-weight adds the comb loss (logged per level) and is saved with the weights."""
    first, second = tmp_path / "vq", tmp_path / "dec"
    assert main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(first), "--steps", "1",
                 *COMMON]) == 0
    assert main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(second), "--steps", "2",
                 "--init", str(first), "--decoders-only", "--comb-weight", "0.5", *COMMON,
                 "--segment", "1.0"]) == 0
    assert load_trained_vqvae(first).comb_weight == 0.0
    assert load_trained_vqvae(second).comb_weight == 0.5
    log = (second / "log.jsonl").read_text()
    assert '"comb_l0"' in log and '"comb_l1"' in log


def test_comb_loss_needs_long_enough_segments(world, tmp_path, capsys):
    assert main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(tmp_path / "x"),
                 "--steps", "1", "--comb-weight", "1", *COMMON]) != 0
    assert "comb loss needs segments" in capsys.readouterr().err
    assert main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(tmp_path / "y"),
                 "--steps", "1", "--comb-weight", "-1", *COMMON]) != 0
    assert "--comb-weight must lie in 0–100 (got -1.0)" in capsys.readouterr().err
