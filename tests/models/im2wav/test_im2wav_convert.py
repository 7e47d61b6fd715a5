"""The converter reads the released layout, rejects a wrong file by tensor name, and the
converted priors compute the official function (checked against a direct re-computation)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from foley_studio.errors import CheckpointError
from foley_studio.models.im2wav import convert
from foley_studio.models.im2wav.conditioning import official_token_frames
from foley_studio.models.im2wav.prior import LowPrior, UpPrior
from foley_studio.models.im2wav.vqvae import VQVAE
from foley_studio.models.weights import load_module
from im2wav_official import (CLIP, LOW_CTX, UP_CTX, low_x_cond_ref, prior_logits_ref, up_x_cond_ref,
                             write_official)


@pytest.fixture(scope="module")
def official(tmp_path_factory):
    torch.manual_seed(0)
    return write_official(tmp_path_factory.mktemp("official"))


@pytest.fixture(scope="module")
def bundle(official, tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "im2wav"
    convert.convert(official["vqvae"], official["low"], official["up"], out, name="im2wav-test", log=lambda s: None)
    return out


def _official_state(path):
    state = torch.load(path, weights_only=True)["model"]
    return {k.removeprefix("module."): v.float() for k, v in state.items()}


def test_bundle_is_written_and_loadable(bundle):
    meta = json.loads((bundle / "bundle.json").read_text())
    assert meta["kind"] == "im2wav" and meta["name"] == "im2wav-test"
    assert meta["encoder"] == {"type": "open_clip", "model": "ViT-B-32", "pretrained": "openai"}
    vq = load_module(VQVAE, bundle / "vqvae", kind="im2wav-vqvae")
    low = load_module(LowPrior, bundle / "low", kind="im2wav-low")
    up = load_module(UpPrior, bundle / "up", kind="im2wav-up")
    assert vq.hops == [2, 8] and low.hop == 8 and up.hop == 2 and up.ratio == 4
    assert low.n_ctx == LOW_CTX and up.n_ctx == UP_CTX and low.guidance


def test_vqvae_weights_are_the_official_ones(official, bundle):
    vq = load_module(VQVAE, bundle / "vqvae", kind="im2wav-vqvae")
    ref = _official_state(official["vqvae"])
    mine = vq.state_dict()
    for key, value in ref.items():
        assert torch.equal(mine[key], value), key


def test_low_prior_computes_the_official_function(official, bundle):
    low = load_module(LowPrior, bundle / "low", kind="im2wav-low").eval()
    sd = _official_state(official["low"])
    torch.manual_seed(1)
    clip = torch.nn.functional.normalize(torch.randn(5, CLIP), dim=-1)  # 5 frames
    tokens = torch.randint(0, low.bins, (LOW_CTX,))
    total, offset = 160000.0, 64.0
    start_ref, cond_ref = low_x_cond_ref(sd, clip, total, offset, low.hop)
    expected = prior_logits_ref(sd, tokens, start_ref, cond_ref, LOW_CTX)
    start, x_cond = low.conditioning(clip[None], official_token_frames(LOW_CTX, 5)[None],
                                     torch.tensor([total]), torch.tensor([offset]))
    torch.testing.assert_close(start[0], start_ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(x_cond[0], cond_ref, atol=1e-5, rtol=1e-5)
    got = low(tokens[None], start, x_cond)[0]
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("known", [0, 2, 6])
def test_cached_steps_compute_the_official_function(official, bundle, known):
    low = load_module(LowPrior, bundle / "low", kind="im2wav-low").eval()
    sd = _official_state(official["low"])
    clip = torch.nn.functional.normalize(torch.randn(1, CLIP), dim=-1)
    tokens = torch.randint(0, low.bins, (LOW_CTX,))
    start_ref, cond_ref = low_x_cond_ref(sd, clip, 160000.0, 0.0, low.hop)
    expected = prior_logits_ref(sd, tokens, start_ref, cond_ref, LOW_CTX)
    start, x_cond = start_ref[None], cond_ref[None]
    cache = low.transformer.allocate_cache(1, device=torch.device("cpu"), dtype=torch.float32)
    with torch.no_grad():
        if known:
            low.prefill(tokens[None, :known], start, x_cond, cache)  # positions [0, known) in one pass
        steps = [low.step(None if pos == 0 else tokens[None, pos - 1], pos, start, x_cond, cache)[0]
                 for pos in range(known, LOW_CTX)]
    torch.testing.assert_close(torch.stack(steps), expected[known:], atol=1e-4, rtol=1e-4)


def test_up_prior_computes_the_official_function(official, bundle):
    up = load_module(UpPrior, bundle / "up", kind="im2wav-up").eval()
    sd = _official_state(official["up"])
    low_tokens = torch.randint(0, up.bins, (UP_CTX // 4,))
    tokens = torch.randint(0, up.bins, (UP_CTX,))
    mean_clip = torch.randn(CLIP)
    start, x_cond = up.conditioning(mean_clip[None], low_tokens[None])
    cond_ref = up_x_cond_ref(sd, low_tokens)
    torch.testing.assert_close(x_cond[0], cond_ref, atol=1e-5, rtol=1e-5)
    start_ref = torch.relu(mean_clip @ sd["y_emb.clip_map.sequential.0.weight"].T
                           + sd["y_emb.clip_map.sequential.0.bias"]) @ sd["y_emb.clip_map.sequential.3.weight"].T \
        + sd["y_emb.clip_map.sequential.3.bias"]
    expected = prior_logits_ref(sd, tokens, start_ref, cond_ref, UP_CTX)
    torch.testing.assert_close(up(tokens[None], start, x_cond)[0], expected, atol=1e-4, rtol=1e-4)


def test_wrong_shape_is_rejected_naming_the_tensor(official, tmp_path):
    data = torch.load(official["low"], weights_only=True)
    key = "module.prior.transformer._attn_mods.1.mlp.c_fc.w"
    data["model"][key] = torch.zeros(3, 3).half()
    bad = tmp_path / "low.tar"
    torch.save(data, bad)
    with pytest.raises(CheckpointError, match=r"prior\.transformer\._attn_mods\.1\.mlp\.c_fc\.w"):
        convert.convert(official["vqvae"], bad, official["up"], tmp_path / "out", log=lambda s: None)


def test_swapped_files_are_rejected_naming_a_tensor(official, tmp_path):
    with pytest.raises(CheckpointError, match=r"y_emb\.video_map"):
        convert.convert(official["vqvae"], official["up"], official["low"], tmp_path / "out", log=lambda s: None)


def test_untied_output_is_rejected(official, tmp_path):
    data = torch.load(official["up"], weights_only=True)
    data["model"]["module.prior.x_out.weight"] = data["model"]["module.prior.x_out.weight"].clone() + 1
    bad = tmp_path / "up.tar"
    torch.save(data, bad)
    with pytest.raises(CheckpointError, match=r"prior\.x_out\.weight"):
        convert.convert(official["vqvae"], official["low"], bad, tmp_path / "out", log=lambda s: None)


class _Opaque:
    """Stands in for an arbitrary pickled object."""


def test_arbitrary_pickles_are_refused_unless_trusted(tmp_path):
    path = tmp_path / "odd.tar"
    torch.save({"hps": {}, "model": {"x": torch.zeros(1)}, "extra": _Opaque()}, path)
    with pytest.raises(CheckpointError, match="--trust-pickle"):
        convert.read_checkpoint(path)
    assert "x" in convert.read_checkpoint(path, trust_pickle=True)["state"]


def test_numpy_metrics_load_without_trusting(tmp_path):
    path = tmp_path / "metrics.tar"
    torch.save({"hps": {"sr": 16000}, "model": {"x": torch.zeros(1)}, "loss": np.float64(1.5)}, path)
    assert convert.read_checkpoint(path)["hps"] == {"sr": 16000}


def test_cli_import(official, tmp_path):
    from foley_studio.cli import main

    out = tmp_path / "cli_bundle"
    code = main(["weights", "import", "im2wav", "--vqvae", str(official["vqvae"]), "--low",
                 str(official["low"]), "--up", str(official["up"]), "--out", str(out)])
    assert code == 0 and (out / "bundle.json").is_file() and (out / "low.safetensors").is_file()
