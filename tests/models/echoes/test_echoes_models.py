"""Transformer masking and training steps; VQGAN and MelGAN shapes and gradients."""
from __future__ import annotations

import pytest
import torch

from foley_studio.errors import ConfigError
from foley_studio.models.echoes.melgan import (GriffinLimVocoder, MelGANConfig, MelGANGenerator,
                                               MultiScaleDiscriminator)
from foley_studio.models.echoes.transformer import (EchoesConfig, EchoesTransformer, MaskingConfig,
                                                    drop_from_masked, masked_loss, random_mask,
                                                    sample_masks, truncated_normal)
from foley_studio.models.echoes.vqgan import VQGAN, VQGANConfig

TINY = EchoesConfig(audio_vocab=32, image_vocab=24, audio_rows=5, audio_cols=8, image_tokens=16,
                    dim=32, depth=2, heads=2, decoder_dim=16, decoder_depth=1, decoder_heads=2,
                    dropout=0.0)


def test_truncated_normal_stays_in_range_with_the_right_mean() -> None:
    draws = truncated_normal(20000, 0.7, 0.25, 0.2, 1.0, torch.Generator().manual_seed(0))
    assert draws.min() >= 0.2 and draws.max() <= 1.0
    assert 0.64 < float(draws.mean()) < 0.69  # truncation at 1 pulls the mean below 0.7


def test_drop_only_masked_and_at_most_half() -> None:
    g = torch.Generator().manual_seed(1)
    mask = random_mask(torch.tensor([0.2, 0.45, 0.9, 1.0]), 40, g)
    assert mask.sum(1).tolist() == [8, 18, 36, 40]
    drop = drop_from_masked(mask, 0.5, g)
    assert not (drop & ~mask).any()
    assert drop.sum(1).tolist() == [8, 18, 20, 20]


def test_masks_are_drawn_independently_per_modality() -> None:
    audio_mask, image_mask, drop = sample_masks(64, TINY, MaskingConfig(), torch.Generator().manual_seed(2))
    ratio_a = audio_mask.float().mean(1)
    ratio_v = image_mask.float().mean(1)
    assert not torch.allclose(ratio_a, ratio_v, atol=0.05)
    assert drop.shape == (64, TINY.audio_len + TINY.image_len)


def test_whole_modality_rows_follow_their_shares() -> None:
    masking = MaskingConfig(cond_prob=0.3, null_prob=0.2)
    cfg = EchoesConfig(**{**TINY.to_dict(), "audio_cols": 40, "image_tokens": 256})  # rarely whole by chance
    audio_mask, image_mask, drop = sample_masks(4000, cfg, masking, torch.Generator().manual_seed(4))
    shown = (~audio_mask).all(1) | (~image_mask).all(1)
    hidden = audio_mask.all(1) | image_mask.all(1)
    assert abs(shown.float().mean().item() - 0.3) < 0.03
    assert abs(hidden.float().mean().item() - 0.2) < 0.03
    assert audio_mask.all(1).sum() > 300 and image_mask.all(1).sum() > 300  # both modalities
    assert not drop[:, :cfg.audio_len][(~audio_mask).all(1)].any()  # nothing to drop when shown
    plain = sample_masks(4000, cfg, MaskingConfig(), torch.Generator().manual_seed(4))
    assert (~plain[0]).all(1).sum() == 0 and (~plain[1]).all(1).sum() == 0  # paper: never whole


def test_whole_modality_shares_are_checked() -> None:
    from argparse import Namespace

    from foley_studio.models.echoes.train_transformer import masking_config

    masking = masking_config(Namespace(mask_mean=0.7, cond_prob=0.25, null_prob=0.1, timing_null_prob=0.3))
    assert masking.null_prob == 0.1 and masking.timing_null_prob == 0.3
    with pytest.raises(ConfigError, match="add up to at most 1"):
        masking_config(Namespace(mask_mean=0.7, cond_prob=0.8, null_prob=0.3, timing_null_prob=0.2))


@pytest.mark.parametrize("frames", [1, 3])
def test_training_step_loss_finite_and_gradients_flow(frames: int) -> None:
    torch.manual_seed(0)
    cfg = EchoesConfig(**{**TINY.to_dict(), "frames": frames})
    model = EchoesTransformer(cfg)
    audio = torch.randint(0, cfg.audio_vocab, (4, cfg.audio_len))
    image = torch.randint(0, cfg.image_vocab, (4, cfg.image_len))
    loss = masked_loss(model, audio, image, MaskingConfig(), label_smoothing=0.1,
                       generator=torch.Generator().manual_seed(0))
    assert torch.isfinite(loss) and loss.item() > 0
    loss.backward()
    for name in ("audio_emb.weight", "image_emb.weight", "mask_embed", "encoder.0.qkv.weight",
                 "decoder.0.qkv.weight", "audio_head.bias", "enc_side.audio_pos"):
        grad = dict(model.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name
    if frames > 1:
        assert model.enc_side.time.grad.abs().sum() > 0


def test_loss_ignores_unmasked_positions() -> None:
    torch.manual_seed(0)
    model = EchoesTransformer(TINY)
    audio = torch.randint(0, 32, (2, TINY.audio_len))
    image = torch.randint(0, 24, (2, TINY.image_len))
    audio_mask = torch.zeros_like(audio, dtype=torch.bool)
    audio_mask[:, :3] = True
    image_mask = torch.zeros_like(image, dtype=torch.bool)
    la, _ = model(audio, image, audio_mask, image_mask)
    changed = audio.clone()
    changed[:, :3] = (changed[:, :3] + 1) % 32  # masked inputs are invisible to the model
    lb, _ = model(changed, image, audio_mask, image_mask)
    assert torch.allclose(la, lb, atol=1e-6)


def test_forward_with_dropping_gives_logits_everywhere() -> None:
    """Dropped positions are padded with the mask embedding, so the output stays defined there."""
    torch.manual_seed(0)
    model = EchoesTransformer(TINY).eval()
    audio = torch.randint(0, 32, (2, TINY.audio_len))
    image = torch.randint(0, 24, (2, TINY.image_len))
    am, vm, drop = sample_masks(2, TINY, MaskingConfig(), torch.Generator().manual_seed(3))
    la, lv = model(audio, image, am, vm, drop)
    assert torch.isfinite(la).all() and torch.isfinite(lv).all()
    assert la.shape == (2, TINY.audio_len, 32) and lv.shape == (2, TINY.image_len, 24)


def test_logits_are_tied_to_the_embeddings() -> None:
    model = EchoesTransformer(TINY).eval()
    audio = torch.zeros(1, TINY.audio_len, dtype=torch.long)
    image = torch.zeros(1, TINY.image_len, dtype=torch.long)
    masks = torch.ones_like(audio, dtype=torch.bool), torch.ones_like(image, dtype=torch.bool)
    before, _ = model(audio, image, *masks)
    with torch.no_grad():
        model.audio_emb.weight[5] += 1.0
    after, _ = model(audio, image, *masks)
    assert not torch.allclose(before[..., 5], after[..., 5])
    assert torch.allclose(before[..., 6], after[..., 6])


def test_transformer_rejects_wrong_lengths() -> None:
    model = EchoesTransformer(TINY)
    with pytest.raises(ConfigError, match="40 audio"):
        model(torch.zeros(1, 3, dtype=torch.long), torch.zeros(1, 16, dtype=torch.long),
              torch.ones(1, 3, dtype=torch.bool), torch.ones(1, 16, dtype=torch.bool))


def test_spectrogram_vqgan_geometry_and_gradients() -> None:
    cfg = VQGANConfig(ch=8, ch_mult=(1, 2, 2, 2, 2), num_res_blocks=1, attn_resolutions=(8,),
                      resolution=128, z_channels=8, embed_dim=8, n_embed=16)
    vq = VQGAN(cfg)
    x = torch.rand(2, 1, 80, 128) * 2 - 1
    rec, qloss, idx = vq(x)
    assert rec.shape == x.shape and idx.shape == (2, 5, 8)
    ((rec - x).abs().mean() + qloss).backward()
    assert vq.encoder.conv_in.weight.grad.abs().sum() > 0
    assert vq.quantize.embedding.weight.grad.abs().sum() > 0
    assert torch.equal(vq.tokenize(x), idx)
    with pytest.raises(ConfigError, match="multiples of 16"):
        vq.tokenize(torch.zeros(1, 1, 80, 100))


def test_paper_vqgan_key_names() -> None:
    keys = VQGAN(VQGANConfig.spectrogram()).state_dict()
    for key, shape in [("encoder.down.4.attn.1.proj_out.weight", (512, 512, 1, 1)),
                       ("encoder.down.2.block.0.nin_shortcut.weight", (256, 128, 1, 1)),
                       ("decoder.up.4.attn.2.q.weight", (512, 512, 1, 1)),
                       ("decoder.up.1.upsample.conv.weight", (128, 128, 3, 3)),
                       ("quantize.embedding.weight", (1024, 256)),
                       ("encoder.conv_out.weight", (256, 512, 3, 3))]:
        assert tuple(keys[key].shape) == shape, key
    assert "encoder.down.4.downsample.conv.weight" not in keys
    assert "decoder.up.0.upsample.conv.weight" not in keys
    assert "encoder.down.3.attn.0.q.weight" not in keys


def test_melgan_geometry_keys_and_discriminator() -> None:
    gen = MelGANGenerator(MelGANConfig(ngf=4, n_residual_layers=2))
    mel = torch.rand(2, 80, 6)
    wave = gen(mel)
    assert wave.shape == (2, 6 * 256) and wave.abs().max() <= 1
    keys = MelGANGenerator().state_dict()
    assert tuple(keys["model.1.weight_v"].shape) == (512, 80, 7)
    assert tuple(keys["model.1.weight_g"].shape) == (512, 1, 1)
    assert tuple(keys["model.3.weight_g"].shape) == (512, 1, 1)  # transposed conv: dim 0 is input
    assert tuple(keys["model.4.block.2.weight_v"].shape) == (256, 256, 3)
    assert "model.4.shortcut.bias" in keys and "model.24.weight_v" in keys
    feats = MultiScaleDiscriminator(num_d=2, ndf=4, n_layers=2)(wave)
    assert len(feats) == 2 and all(f[-1].shape[1] == 1 for f in feats)


def test_griffin_lim_fallback_makes_sound_of_the_right_length() -> None:
    spec = torch.full((1, 80, 10), 0.5)
    wave = GriffinLimVocoder(n_iter=2)(spec)
    assert wave.shape == (1, 10 * 256) and wave.abs().max() > 0
