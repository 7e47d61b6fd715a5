"""Imported released weights see a video as the released sampler shows it: 30-fps frames, token t
of a window gets frame round(linspace(0, 1, n_ctx)[t] · (F − 1)) of the window's frames, the LOW
start vector averages the window's frames and the UP one the whole clip; greedy guided sampling
then gives the tokens the official functions pick. The official rule is written out here, apart
from the package's code."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from helpers_media import make_video

from foley_studio import api, media
from foley_studio.encoders.clip import ClipEncoder
from foley_studio.models.im2wav import convert
from foley_studio.models.im2wav import generator as im2wav_generator
from foley_studio.models.im2wav.generator import Im2WavGenerator
from foley_studio.requests import GenerationRequest, SamplerSettings
from im2wav_official import CLIP, low_x_cond_ref, prior_logits_ref, write_official

LOW_CTX = 256  # hop 8 at 16 kHz: a window of 0.128 s sees all three frames of a 0.1-s clip
FPS, SR, HOP_LOW = 30, 16000, 8


@pytest.fixture(scope="module")
def official(tmp_path_factory):
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("official")
    paths = write_official(folder, low_ctx=LOW_CTX)
    bundle = convert.convert(paths["vqvae"], paths["low"], paths["up"], folder / "bundle",
                             name="im2wav-official-test", log=lambda s: None)
    states = {k: {n.removeprefix("module."): v.float()
                  for n, v in torch.load(p, weights_only=True)["model"].items()}
              for k, p in paths.items()}
    return bundle, states


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("video") / "three.mp4", seconds=3 / FPS, fps=FPS,
                      with_audio=False)


@pytest.fixture
def gen(official, monkeypatch):
    encoder = ClipEncoder.tiny(seed=3, embed_dim=CLIP)  # no download: a local stand-in for ViT-B/32
    monkeypatch.setattr(im2wav_generator, "_load_encoder", lambda bundle, spec: encoder)
    return Im2WavGenerator.from_bundle(official[0], device="cpu", dtype=torch.float32)


def _mlp(sd: dict, prefix: str, x: torch.Tensor) -> torch.Tensor:
    h = torch.relu(x @ sd[f"{prefix}.sequential.0.weight"].T + sd[f"{prefix}.sequential.0.bias"])
    return h @ sd[f"{prefix}.sequential.3.weight"].T + sd[f"{prefix}.sequential.3.bias"]


def _official_frames(gen: Im2WavGenerator, path, seconds: float) -> torch.Tensor:
    """CLIP vectors (F, C) of every frame of the clip at 30 fps, F = int(seconds · 30)."""
    with media.VideoClip(path) as clip:
        pictures = np.stack([clip.frame_at(k / FPS) for k in range(int(seconds * FPS + 1e-9))])
    return gen.encoder.embed_frames(pictures)


def _record(monkeypatch, module, calls: list) -> None:
    real = module.conditioning

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append((args, out))
        return out
    monkeypatch.setattr(module, "conditioning", spy)


def test_the_bundle_records_the_official_convention(official, gen):
    meta = json.loads((official[0] / "bundle.json").read_text())
    assert meta["conditioning"] == {"fps": 30.0, "frames": "official", "up_start": "clip",
                                    "token_frames": "linspace"}
    assert gen.frame_rate == 30.0
    np.testing.assert_allclose(gen.frame_times(0.1), [0.0, 1 / 30, 2 / 30])


def test_a_three_frame_video_is_conditioned_the_official_way(official, gen, video, monkeypatch):
    sd_low, sd_up = official[1]["low"], official[1]["up"]
    low_calls, up_calls, sampled = [], [], []
    _record(monkeypatch, gen.low, low_calls)
    _record(monkeypatch, gen.up, up_calls)
    real_low = gen.sample_low
    monkeypatch.setattr(gen, "sample_low", lambda *a: sampled.append(real_low(*a)) or sampled[-1])
    request = GenerationRequest("foley", str(video), start=0.0, end=0.1, takes=1, seed=0,
                                sampler=SamplerSettings(guidance=3.0, top_k=1))
    takes = api.generate(request, gen)
    assert len(takes) == 1 and len(takes[0].audio) == 1600

    clip = _official_frames(gen, video, 0.1)  # (3, C)
    assert clip.shape[0] == 3
    # the released sampler's LOW window: frames ⌊0·30⌋ … ⌊256·8/16000·30⌋ = 3, cut at the clip
    window = clip[0:min(int(LOW_CTX * HOP_LOW / SR * FPS) + 1, 3)]
    (features, token_frames, total, offset, null, *timing), (start, x_cond) = low_calls[0]
    assert not any(t is not None for t in timing)  # no sync track: no timing condition
    expected_map = np.round(np.linspace(0, 1, LOW_CTX) * (len(window) - 1)).astype(int)
    assert token_frames[0].tolist() == expected_map.tolist()
    torch.testing.assert_close(features[0], window, atol=1e-6, rtol=1e-6)
    start_ref, cond_ref = low_x_cond_ref(sd_low, window, float(total[0]), float(offset[0]), HOP_LOW,
                                         n_ctx=LOW_CTX)
    null_start, null_cond = low_x_cond_ref(sd_low, window, float(total[0]), float(offset[0]), HOP_LOW,
                                           n_ctx=LOW_CTX, null=True)
    torch.testing.assert_close(start[0], start_ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(x_cond[0], cond_ref, atol=1e-5, rtol=1e-5)
    assert bool(null[1]) and not bool(null[0])
    torch.testing.assert_close(start[1], null_start, atol=1e-5, rtol=1e-5)

    up_start = _mlp(sd_up, "y_emb.clip_map", clip.mean(0))  # the UP start: mean over the clip
    assert len(up_calls) > 1
    for _, (start_up, _) in up_calls:
        torch.testing.assert_close(start_up[0], up_start, atol=1e-5, rtol=1e-5)

    tokens = sampled[0][0]  # (200,) greedy guided LOW tokens
    cond = prior_logits_ref(sd_low, tokens, start_ref, cond_ref, LOW_CTX)
    uncond = prior_logits_ref(sd_low, tokens, null_start, null_cond, LOW_CTX)
    assert (3 * cond - 2 * uncond).argmax(-1).tolist() == tokens.tolist()
