"""Tiny-configuration forward and backward passes of the VQ-VAE and both priors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_studio.errors import CheckpointError, ConfigError
from foley_studio.models.im2wav.generator import TINY_LOW, TINY_UP, TINY_VQVAE
from foley_studio.models.im2wav.layers import dilations
from foley_studio.models.im2wav.prior import LowPrior, UpPrior
from foley_studio.models.im2wav.transformer import Transformer, layer_patterns
from foley_studio.models.im2wav.vqvae import VQVAE
from foley_studio.models.im2wav.windows import (OFFICIAL, TRAINER, FrameConvention, plan_windows,
                                                shown_frames)


def _grads_everywhere(model: torch.nn.Module, skip: tuple[str, ...] = ()) -> list[str]:
    return [n for n, p in model.named_parameters()
            if not n.startswith(skip) and (p.grad is None or not torch.isfinite(p.grad).all())]


def test_vqvae_forward_backward_and_codes():
    torch.manual_seed(0)
    vq = VQVAE(**TINY_VQVAE).train()
    audio = torch.randn(2, 3000) * 0.3  # padded to a multiple of the LOW hop
    out = vq(audio)
    out["loss"].backward()
    assert torch.isfinite(out["loss"]) and bool(vq.bottleneck.level_blocks[0].initialised)
    assert _grads_everywhere(vq) == []
    tokens = vq.encode(audio)
    assert [t.shape for t in tokens] == [(2, 3072 // 64), (2, 3072 // 256)]
    assert vq.decode(tokens[0], level=0).shape == (2, 3072)
    assert vq.decode(tokens[1], level=1).shape == (2, 3072)


def test_codebook_restarts_unused_codes():
    torch.manual_seed(0)
    vq = VQVAE(**TINY_VQVAE).train()
    book = vq.bottleneck.level_blocks[1]
    for _ in range(3):
        vq(torch.randn(2, 4096) * 0.3)
    assert book.k_elem.min() >= 0 and torch.isfinite(book.k).all()
    assert len(torch.unique(book.k, dim=0)) == book.k.shape[0]  # dead codes were re-seeded


def test_decoder_dilations_reverse():
    assert dilations(4, 3, None, reverse=True) == [27, 9, 3, 1]
    assert dilations(10, 3, 8, reverse=False)[8:] == [1, 3]


def test_low_prior_forward_backward():
    torch.manual_seed(0)
    low = LowPrior(**TINY_LOW).train()
    tokens = torch.randint(0, low.bins, (3, low.n_ctx))
    feats = torch.nn.functional.normalize(torch.randn(3, 5, TINY_LOW["clip_dim"]), dim=-1)
    frames = torch.randint(0, 5, (3, low.n_ctx))
    loss = low.loss(tokens, feats, frames, torch.full((3,), 64000.0), torch.tensor([0.0, 256.0, 512.0]))
    loss.backward()
    assert torch.isfinite(loss) and _grads_everywhere(low) == []


def test_null_rows_ignore_the_picture():
    torch.manual_seed(0)
    low = LowPrior(**TINY_LOW).eval()
    frames = torch.zeros(2, low.n_ctx, dtype=torch.long)
    args = (frames, torch.full((2,), 64000.0), torch.zeros(2), torch.tensor([True, True]))
    s1, c1 = low.conditioning(torch.randn(2, 1, 32), *args)
    s2, c2 = low.conditioning(torch.randn(2, 1, 32), *args)
    assert torch.equal(s1, s2) and torch.equal(c1, c2)
    s3, _ = low.conditioning(torch.randn(2, 1, 32), *args[:3], torch.tensor([False, False]))
    assert not torch.equal(s1, s3)


def test_up_prior_forward_backward():
    torch.manual_seed(0)
    up = UpPrior(**TINY_UP).train()
    tokens = torch.randint(0, up.bins, (2, up.n_ctx))
    low_tokens = torch.randint(0, up.bins, (2, up.n_ctx // up.ratio))
    loss = up.loss(tokens, torch.randn(2, TINY_UP["clip_dim"]), low_tokens)
    loss.backward()
    assert torch.isfinite(loss) and _grads_everywhere(up) == []


def test_attention_is_causal_in_every_pattern():
    torch.manual_seed(0)
    for order in (0, 1, 2):
        net = Transformer(16, 3, 32, heads=2, attn_order=order, blocks=4).eval()
        x = torch.randn(1, 32, 16, requires_grad=True)
        net(x)[0, 13].sum().backward()
        assert (x.grad[0, 14:] == 0).all(), order


def test_patterns_and_bad_orders():
    assert layer_patterns(4, 2) == ["row", "column", "prev_row", "row"]
    with pytest.raises(ConfigError):
        layer_patterns(4, 7)
    with pytest.raises(ConfigError):
        Transformer(16, 1, 30, blocks=4)


def test_windows_and_frames():
    assert plan_windows(10, 16, 8) == plan_windows(10, 16, 16)
    windows = plan_windows(40, 16, 8)
    assert [(w.start, w.end, w.known) for w in windows] == [(0, 16, 0), (8, 24, 8), (16, 32, 8), (24, 40, 8)]
    idx = shown_frames(np.array([0.0, 0.5, 1.0]), np.array([-1.0, 0.1, 0.5, 0.9, 5.0]))
    assert idx.tolist() == [0, 0, 1, 1, 2]


def test_official_frames_per_window():
    assert len(OFFICIAL.times(4.096)) == 122 and OFFICIAL.times(0.1).tolist() == [0.0, 1 / 30, 2 / 30]
    assert OFFICIAL.window(122, 0.0, 4.096).tolist() == list(range(122))  # [0, 122] cut at the clip
    # from ⌊61.44⌋ to ⌊61 + 122.88⌋, both included
    assert OFFICIAL.window(300, 2.048, 4.096).tolist() == list(range(61, 184))
    held = OFFICIAL.window(60, 0.0, 4.096)  # a 2-s region: the window's second half holds the last frame
    assert len(held) == 122 and held[:60].tolist() == list(range(60)) and set(held[60:]) == {59}


def test_trainer_frames_per_window():
    assert TRAINER.times(4.0).tolist() == ((np.arange(100) + 0.5) / 25).tolist()
    assert TRAINER.window(100, 0.0, 2.048).tolist() == list(range(51))
    assert TRAINER.window(100, 1.0, 2.048).tolist() == list(range(25, 76))  # first centre ≥ 1 s
    assert TRAINER.window(100, 3.0, 2.048).tolist() == list(range(49, 100))  # moved back to fit


def test_conventions_round_trip_and_refuse_unknown_rules():
    assert FrameConvention.from_dict(OFFICIAL.to_dict()) == OFFICIAL
    with pytest.raises(CheckpointError, match="up_start"):
        FrameConvention.from_dict({**TRAINER.to_dict(), "up_start": "middle"})
    with pytest.raises(CheckpointError, match="needs fps"):
        FrameConvention.from_dict({"fps": 30})


@pytest.mark.parametrize("upsample", ["transpose", "linear", "nearest"])
def test_long_sequences_decode_in_chunks_exactly_as_whole(upsample) -> None:
    vq = VQVAE(**TINY_VQVAE, upsample=upsample).eval()
    tokens = torch.randint(0, vq.bottleneck.level_blocks[0].k.shape[0], (2, 300))  # (B, T)
    with torch.no_grad():
        whole = vq.decode(tokens, level=0, chunk=10_000)  # one span
        chunked = vq.decode(tokens, level=0, chunk=64, context=16)
    assert chunked.shape == whole.shape == (2, 300 * vq.hops[0])
    torch.testing.assert_close(chunked, whole, atol=1e-5, rtol=0)


def test_comb_loss_sees_a_token_rate_comb_that_noise_of_the_same_power_does_not_make():
    from foley_studio.models.im2wav.losses import comb_loss

    gen = torch.Generator().manual_seed(0)
    target = torch.randn(2, 4096, generator=gen)
    stamp = torch.randn(32, generator=gen).repeat(128)[None] * 0.3  # one 32-sample shape per token
    noise = torch.randn(2, 4096, generator=gen) * stamp.std()
    assert comb_loss(target, target, 32).item() == 0.0
    assert comb_loss(target, 0.5 * target, 32).item() < 1e-5  # level is not contrast
    assert comb_loss(target, target + stamp, 32) > 2 * comb_loss(target, target + noise, 32)
    with pytest.raises(ValueError, match="32 hops"):
        comb_loss(target[:, :512], target[:, :512], 32)


def test_comb_weight_is_off_by_default_and_adds_a_logged_term_when_on():
    torch.manual_seed(0)
    audio = torch.randn(2, 16384) * 0.1
    plain = VQVAE(**TINY_VQVAE).eval()  # eval: the codebooks stay as they are between passes
    assert plain.comb_weight == 0.0 and "comb_l0" not in plain(audio)["metrics"]
    weighted = VQVAE(**{**TINY_VQVAE, "comb_weight": 1.0}).eval()
    weighted.load_state_dict(plain.state_dict())
    out = weighted(audio)["metrics"]
    assert "comb_l0" in out and "comb_l1" in out and out["spectral"] > plain(audio)["metrics"]["spectral"]


def _steady_sound(upsample: str) -> tuple[torch.Tensor, int]:
    """One latent held for 64 tokens through a fresh level-0 decoder: the middle 32 tokens' samples."""
    torch.manual_seed(0)
    vq = VQVAE(**TINY_VQVAE, upsample=upsample).eval()
    latent = torch.randn(1, TINY_VQVAE["emb_width"], 1).expand(-1, -1, 64)  # (B, E, T)
    hop = vq.hops[0]
    with torch.no_grad():
        return vq.decoders[0](latent)[0, 0, 16 * hop:48 * hop], hop  # (32·hop,)


def test_transposed_conv_decoders_stamp_the_hop_on_a_steady_latent():
    stamped, hop = _steady_sound("transpose")
    shapes = stamped.reshape(-1, hop)  # one row per token
    torch.testing.assert_close(shapes, shapes[:1].expand_as(shapes))  # the same shape every token...
    assert shapes[0].std() > 0.1 * shapes[0].abs().mean()  # ...and not a flat one: a comb at sr / hop


@pytest.mark.parametrize("upsample", ["linear", "nearest"])
def test_interpolating_decoders_keep_a_steady_latent_steady(upsample):
    steady, _ = _steady_sound(upsample)
    torch.testing.assert_close(steady, steady[:1].expand_as(steady), atol=1e-6, rtol=0)


def test_unknown_upsampler_is_refused_by_name():
    with pytest.raises(ConfigError, match="upsample 'cubic' is not one of transpose, linear, nearest"):
        VQVAE(**TINY_VQVAE, upsample="cubic")


def test_rebuilding_the_upsamplers_keeps_the_tokens_and_every_weight_that_still_fits():
    from foley_studio.models.im2wav.train_vqvae import with_upsampler

    torch.manual_seed(0)
    old = VQVAE(**TINY_VQVAE).eval()
    new = with_upsampler(old, "linear").eval()
    assert new.config["upsample"] == "linear" and with_upsampler(old, "transpose") is old
    audio = torch.randn(2, 4096) * 0.3
    assert all(torch.equal(a, b) for a, b in zip(old.encode(audio), new.encode(audio)))
    before, after = old.state_dict(), new.state_dict()
    shared = [k for k in after if k in before and before[k].shape == after[k].shape]
    assert shared and all(torch.equal(before[k], after[k]) for k in shared)
    assert any(k.startswith("decoders.") and k.endswith(".2.weight") for k in set(after) - set(before))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_layer_norm_of_reduced_precision_input_is_the_float32_result_rounded_once(dtype):
    from foley_studio.models.im2wav.layers import FP32LayerNorm

    torch.manual_seed(0)
    ln = FP32LayerNorm(512)
    torch.nn.init.normal_(ln.weight)
    torch.nn.init.normal_(ln.bias)
    ln = ln.to(dtype).requires_grad_(False)  # the weights as a reduced-precision storage keeps them
    x = (torch.randn(64, 512) * 3 + 1).to(dtype)  # (N, W), a large mean as residual streams have
    exact = torch.nn.functional.layer_norm(x.float(), (512,), ln.weight.float(), ln.bias.float()).to(dtype)
    got = ln(x)
    assert got.dtype == dtype
    ulp = torch.finfo(dtype).eps * exact.float().abs().clamp_min(1.0)
    assert ((got.float() - exact.float()).abs() <= ulp).all()  # within one rounding step
    assert (got != exact).float().mean() < 0.001
