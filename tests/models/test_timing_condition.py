"""The timing condition: features of a sync track, zero-started embeddings, old bundles, guidance
rows, and both generators steering their takes by it once the embedding is non-zero."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from foley_studio.errors import CheckpointError
from foley_studio.generation import Conditioning
from foley_studio.models.echoes.generator import EchoesGenerator
from foley_studio.models.echoes.train_transformer import TokenItems, freeze_encoder
from foley_studio.models.echoes.transformer import EchoesTransformer, MaskingConfig, masked_loss
from foley_studio.models.im2wav.generator import NEAR_HIT_S, TINY_LOW, Im2WavGenerator
from foley_studio.models.im2wav.prior import LowPrior
from foley_studio.models.im2wav.train_low import PictureShift, shift_pictures, window_timing
from foley_studio.models.im2wav.train_prior import init_prior
from foley_studio.models.timing import (FEATURES, TimingEmbedding, drop_timing, envelope_levels,
                                        load_with_new_timing, padded_events, param_groups, rms_db,
                                        timing_features)
from foley_studio.models.weights import save_state
from foley_studio.requests import SamplerSettings
from foley_studio.sync import Envelope, SyncTrack

SAMPLER = SamplerSettings(steps=2, guidance=3.0)


def _randomise(module: torch.nn.Module) -> None:
    """Give every timing parameter non-zero values (as fine-tuning would)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "timing" in name:
                p.normal_(std=0.5)


# ---- features -------------------------------------------------------------------------------

def test_a_hit_lands_in_its_cell_with_its_offset_inside_it() -> None:
    f = timing_features([(0.25, 0.8)], cells=5, cell=0.1)
    assert f.shape == (5, FEATURES) and (f[:, 0] == 1).all()
    assert f[2, 1] == pytest.approx(0.8) and f[2, 2] == pytest.approx(0.5)
    assert f[[0, 1, 3, 4], 1].sum() == 0 and f[:, 3].sum() == 0
    assert f[2, 4] == pytest.approx(np.exp(-0.05 / 0.03))  # next hit 50 ms after the cell start
    assert f[3, 6] == pytest.approx(np.exp(-0.05 / 0.03))  # 50 ms since the hit
    assert f[0, 6] == 0 and f[3, 4] == 0  # nothing before the hit, nothing after it


def test_shifting_the_hits_by_a_cell_shifts_the_features() -> None:
    hits = [(0.12, 1.0), (0.31, 0.5)]
    a = timing_features(hits, 8, 0.05)
    b = timing_features([(t + 0.05, s) for t, s in hits], 8, 0.05)
    np.testing.assert_allclose(a[:-1], b[1:], atol=1e-6)


def test_two_hits_in_one_cell_and_a_window_start() -> None:
    f = timing_features([(1.03, 0.2), (1.07, 0.9)], 4, 0.1, start=1.0)
    assert f[0, 1] == pytest.approx(0.9) and f[0, 2] == pytest.approx(0.3) and f[0, 3] == 1


def test_the_envelope_is_optional_and_read_per_cell() -> None:
    env = Envelope(start=0.0, rate=10.0, db=(-80.0, -40.0, 0.0))
    levels = envelope_levels(env, 3, 0.1)
    np.testing.assert_allclose(levels, [-80, -40, 0])
    f = timing_features([], 3, 0.1, levels_db=levels)
    np.testing.assert_allclose(f[:, 8], 1) and np.testing.assert_allclose(f[:, 9], [0, 0.5, 1])
    assert envelope_levels(None, 3, 0.1) is None and timing_features([], 3, 0.1)[:, 8].sum() == 0


def test_rms_db_and_padded_events() -> None:
    audio = np.concatenate([np.zeros(100), np.full(100, 0.1)]).astype(np.float32)
    np.testing.assert_allclose(rms_db(audio, 100), [-80, -20], atol=1e-4)
    ev = padded_events([[0.5], [], [0.1, 0.2]])
    assert ev.shape == (3, 2) and ev[0, 0] == 0.5 and torch.isnan(ev[1]).all()


def test_the_embedding_starts_at_zero_and_the_null_condition_adds_nothing() -> None:
    emb = TimingEmbedding(16)
    feats = torch.from_numpy(timing_features([(0.1, 1.0)], 6, 0.05))[None]
    assert emb(feats).abs().sum() == 0
    _randomise(torch.nn.ModuleDict({"timing": emb}))
    assert emb(feats).abs().sum() > 0
    nulled = drop_timing(feats.repeat(2, 1, 1), torch.tensor([False, True]), torch.tensor([True, False]))
    assert emb(nulled[1:]).abs().sum() == 0 and nulled[0, :, 8:].abs().sum() == 0


# ---- IM2WAV LOW prior -------------------------------------------------------------------------

def _low(timing: bool) -> LowPrior:
    torch.manual_seed(0)
    return LowPrior(**TINY_LOW, total_length=4 * 16000, timing=timing).eval()


def _low_inputs(prior: LowPrior):
    feats = torch.nn.functional.normalize(torch.randn(2, 5, 32), dim=-1)
    frames = torch.randint(0, 5, (2, prior.n_ctx))
    full = torch.full((2,), 64000.0)
    timing = torch.from_numpy(timing_features([(0.3, 1.0)], prior.n_ctx, prior.hop / 16000))[None].repeat(2, 1, 1)
    return feats, frames, full, torch.zeros(2), timing


def test_an_old_low_prior_loads_and_gains_a_zero_timing_condition(tmp_path) -> None:
    old = _low(False)
    assert not old.follows_sync
    config = {k: v for k, v in old.config.items() if k not in ("timing", "timing_null_prob")}
    save_state(old.state_dict(), config, tmp_path / "low", kind="im2wav-low")  # as shipped before
    new = init_prior(LowPrior, tmp_path / "low", "im2wav-low", timing=True).eval()
    assert new.follows_sync and new.config["timing"] is True
    args = _low_inputs(new)
    _, before = old.conditioning(*args[:4])
    _, after = new.conditioning(*args[:4], timing=args[4])
    torch.testing.assert_close(before, after)  # a fine-tune starts exactly where the starter was
    _randomise(new)
    assert (new.conditioning(*args[:4], timing=args[4])[1] - before).abs().max() > 1e-3
    torch.testing.assert_close(new.conditioning(*args[:4])[1], before)  # without sync: unchanged


def test_only_timing_parameters_may_be_missing() -> None:
    state = _low(False).state_dict()
    state.pop("x_emb.weight")
    with pytest.raises(CheckpointError, match="x_emb"):
        load_with_new_timing(_low(True), state, source="test")


def test_the_low_loss_trains_the_timing_embedding() -> None:
    prior = _low(True).train()
    feats, frames, full, offset, timing = _low_inputs(prior)
    tokens = torch.randint(0, prior.bins, (2, prior.n_ctx))
    prior.null_prob, prior.timing_null_prob = 0.0, 0.0
    prior.loss(tokens, feats, frames, full, offset, timing).backward()
    assert prior.timing.net[-1].weight.grad.abs().sum() > 0


def test_training_windows_carry_their_events_and_envelope() -> None:
    events = torch.tensor([[0.5, 1.0, float("nan")]])
    levels = torch.full((1, 64), -30.0)
    f = window_timing(events, levels, torch.tensor([0.4]), 0.008)
    assert f.shape == (1, 64, FEATURES)
    hit = int(np.flatnonzero(f[0, :, 1].numpy())[0])
    assert abs(0.4 + hit * 0.008 - 0.5) < 0.008 and f[0, :, 9].mean() == pytest.approx(50 / 80)


def test_moved_pictures_shift_within_range_and_keep_their_timing() -> None:
    index = torch.arange(10, 20)[None].repeat(2000, 1)  # (B, K) frames 10…19 of a 25-frame clip
    gen = torch.Generator().manual_seed(0)
    moved_index, moved = shift_pictures(index, 25, 25.0, PictureShift(0.2, 0.3), gen)
    steps = (moved_index - index)[:, 0]  # (B,)
    assert 0.25 < moved.float().mean() < 0.35
    assert (steps[~moved] == 0).all() and (steps[moved] != 0).all()
    assert steps.abs().max() == 5 and (steps < 0).any() and (steps > 0).any()  # 0.2 s at 25 fps
    assert moved_index.max() == 24  # clamped to the clip's last frame

    prior = _low(True).train()
    feats, frames, full, offset, timing = _low_inputs(prior)
    prior.null_prob, prior.timing_null_prob = 0.0, 1.0  # timing dropped wherever it may be
    tokens = torch.randint(0, prior.bins, (2, prior.n_ctx))
    prior.loss(tokens, feats, frames, full, offset, timing).backward()
    assert prior.timing.net[-1].weight.grad is None or prior.timing.net[-1].weight.grad.abs().sum() == 0
    prior.loss(tokens, feats, frames, full, offset, timing, keep_timing=torch.tensor([True, False])).backward()
    assert prior.timing.net[-1].weight.grad.abs().sum() > 0  # the moved row kept its sync track


# ---- IM2WAV generator ---------------------------------------------------------------------------

def _video(seconds: float = 0.6, sync: SyncTrack | None = None) -> Conditioning:
    frames = np.random.default_rng(0).integers(0, 255, (4, 32, 32, 3), dtype=np.uint8)
    return Conditioning(duration=seconds, frames=frames, frame_times=np.arange(4) * seconds / 4, sync=sync)


def test_im2wav_follows_sync_only_with_a_timing_condition() -> None:
    gen = Im2WavGenerator.tiny()
    assert gen.follows_sync is False
    sync = SyncTrack.from_times([0.2])
    np.testing.assert_array_equal(gen.generate(_video(), takes=1, seed=0, sampler=SAMPLER),
                                  gen.generate(_video(sync=sync), takes=1, seed=0, sampler=SAMPLER))


def test_im2wav_timing_moves_the_takes_and_guidance_pairs_it_with_the_null() -> None:
    gen = Im2WavGenerator.tiny()
    old = gen.low
    gen.low = LowPrior(**{**old.config, "timing": True}).eval()
    load_with_new_timing(gen.low, old.state_dict(), source="tiny")
    plain = gen.generate(_video(), takes=1, seed=0, sampler=SAMPLER)
    sync = SyncTrack.from_times([0.1, 0.4])
    np.testing.assert_array_equal(plain, gen.generate(_video(sync=sync), takes=1, seed=0, sampler=SAMPLER))
    _randomise(gen.low)
    assert gen.follows_sync
    np.testing.assert_array_equal(plain, gen.generate(_video(), takes=1, seed=0, sampler=SAMPLER))
    assert not np.array_equal(plain, gen.generate(_video(sync=sync), takes=1, seed=0, sampler=SAMPLER))
    job = gen._job(*gen.condition_features(_video()), 0.6, 2, 0, None, None)[0]
    job.sync = sync
    rows = gen._low_timing(job, gen.plans(10)[0][0], groups=2)
    assert rows.shape == (4, gen.low.n_ctx, FEATURES) and rows[2:].abs().sum() == 0 and rows[:2, :, 1].sum() == 2 * 2  # two takes, two hits


# ---- Visual Echoes ------------------------------------------------------------------------------

def _echoes(timing: bool) -> EchoesGenerator:
    gen = EchoesGenerator.tiny(frames=2)
    if timing:
        old = gen.model
        gen.model = EchoesTransformer(dataclasses.replace(old.config, timing=True)).eval()
        load_with_new_timing(gen.model, old.state_dict(), source="tiny")
    return gen


def test_echoes_timing_starts_at_zero_then_moves_the_takes() -> None:
    assert _echoes(False).follows_sync is False
    gen = _echoes(True)
    sync = SyncTrack.from_times([0.1, 0.35], envelope=Envelope(0.0, 10.0, (-20.0,) * 8))
    plain = gen.generate(_video(1.0), takes=1, seed=0, sampler=SAMPLER)
    np.testing.assert_array_equal(plain, gen.generate(_video(1.0, sync), takes=1, seed=0, sampler=SAMPLER))
    _randomise(gen.model)
    np.testing.assert_array_equal(plain, gen.generate(_video(1.0), takes=1, seed=0, sampler=SAMPLER))
    assert not np.array_equal(plain, gen.generate(_video(1.0, sync), takes=1, seed=0, sampler=SAMPLER))
    cols = gen.window_timing(_video(1.0, sync), 0.0, 2)
    assert cols.shape == (2, gen.window_cols, FEATURES) and cols[0, :, 1].sum() == 2


def test_echoes_masked_loss_trains_timing_and_nulls_it_with_the_picture() -> None:
    model = _echoes(True).model.train()
    c = model.config
    audio = torch.randint(0, c.audio_vocab, (3, c.audio_len))
    image = torch.randint(0, c.image_vocab, (3, c.image_len))
    timing = torch.from_numpy(timing_features([(0.2, 1.0)], c.audio_cols, 0.09))[None].repeat(3, 1, 1)
    masked_loss(model, audio, image, MaskingConfig(timing_null_prob=0.0), timing=timing).backward()
    assert model.timing_dec.net[-1].weight.grad.abs().sum() > 0


def test_token_items_crop_windows_with_their_frames_events_and_levels() -> None:
    torch.manual_seed(0)
    cache = {"audio": torch.arange(2 * 3 * 10).reshape(2, 3, 10), "frames": torch.zeros(2, 8, 4, dtype=torch.long),
             "frame_times": torch.arange(8.0)[None].repeat(2, 1) * 0.5, "events": torch.tensor([[1.0], [2.0]]),
             "levels": torch.zeros(2, 10) - 40}
    items = TokenItems(cache, frames=2, col_seconds=0.4, cols=4, timing=True)
    seen = set()
    for _ in range(20):
        audio, image, frame_cols, timing = items[0]
        first = int(audio[0]) // 1  # row 0 of column `first` holds the value `first`
        seen.add(first)
        assert audio.shape == (12,) and image.shape == (8,) and timing.shape == (4, FEATURES)
        assert ((frame_cols >= 0) & (frame_cols < 4)).all()
        inside = 0 <= 1.0 - first * 0.4 < 1.6
        assert timing[:, 1].sum() == (1 if inside else 0)
    assert len(seen) > 2
    with pytest.raises(Exception, match="event times"):
        TokenItems({k: v for k, v in cache.items() if k != "events"}, 2, 0.4, 4, timing=True)


def test_timing_parameters_get_their_own_learning_rate() -> None:
    groups = param_groups(_low(True), 1e-3, timing_scale=10.0)
    assert [g["lr"] for g in groups] == [1e-3, 1e-2]
    assert all("timing" not in n for n, p in _low(True).named_parameters()
               if any(p is q for q in groups[0]["params"]))
    assert len(param_groups(_low(False), 1e-3, 10.0)) == 1


def test_tuning_the_decoder_leaves_the_encoder_and_its_timing_alone() -> None:
    model = _echoes(True).model.train()
    freeze_encoder(model)
    c = model.config
    audio = torch.randint(0, c.audio_vocab, (2, c.audio_len))
    image = torch.randint(0, c.image_vocab, (2, c.image_len))
    timing = torch.from_numpy(timing_features([(0.2, 1.0)], c.audio_cols, 0.09))[None].repeat(2, 1, 1)
    masked_loss(model, audio, image, MaskingConfig(timing_null_prob=0.0), timing=timing).backward()
    assert model.timing_enc.net[-1].weight.grad is None and model.encoder[0].qkv.weight.grad is None
    assert model.timing_dec.net[-1].weight.grad.abs().sum() > 0 and model.decoder[0].qkv.weight.grad is not None


def test_the_request_sync_reaches_the_generator_in_region_seconds(tmp_path) -> None:
    import cv2

    from foley_studio.api import conditioning_for
    from foley_studio.requests import GenerationRequest

    picture = tmp_path / "still.png"
    cv2.imwrite(str(picture), np.zeros((16, 16, 3), np.uint8))
    track = SyncTrack.from_times([0.5, 1.2, 2.0])
    request = GenerationRequest("foley", str(picture), 1.0, 3.0, sync=track)
    cond = conditioning_for(request, Im2WavGenerator.tiny())
    assert cond.sync.times == pytest.approx([0.2, 1.0])  # the hit before the region is dropped
    assert conditioning_for(GenerationRequest("foley", str(picture), 1.0, 3.0), Im2WavGenerator.tiny()).sync is None


def test_im2wav_sync_guidance_rows_are_picture_and_sync_picture_alone_and_neither():
    gen = Im2WavGenerator.tiny()
    old = gen.low
    gen.low = LowPrior(**{**old.config, "timing": True}).eval()
    load_with_new_timing(gen.low, old.state_dict(), source="tiny")
    _randomise(gen.low)
    job = gen._job(*gen.condition_features(_video()), 0.6, 2, 0, None, None)[0]
    window = gen.plans(10)[0][0]
    _, plain = gen._low_conditioning(job, window, 2)  # no sync: (picture, neither)
    job.sync = SyncTrack.from_times([0.1, 0.4])
    _, three = gen._low_conditioning(job, window, 3)  # (picture and sync, picture alone, neither)
    assert three.shape[0] == 6
    torch.testing.assert_close(three[2:], plain)
    assert not torch.allclose(three[:2], plain[:2])
    separate = SamplerSettings(guidance=3.0, sync_guidance=8.0, steps=2)
    assert gen.low_sampling(True, separate).groups == 3
    assert gen.low_sampling(True, SamplerSettings(guidance=3.0, sync_guidance=3.0)).groups == 2
    assert gen.low_sampling(True, SamplerSettings(guidance=3.0, sync_guidance=None)).groups == 2
    assert gen.low_sampling(False, separate).groups == 2
    dense = SyncTrack.from_times(list(np.arange(0.05, 0.6, 0.05)))  # most tokens near a hit
    a = gen.generate(_video(sync=dense), takes=1, seed=0, sampler=separate)
    b = gen.generate(_video(sync=dense), takes=1, seed=0,
                     sampler=SamplerSettings(guidance=3.0, sync_guidance=None, steps=2))
    assert not np.array_equal(a, b)
    near = gen.near_hits(job, window)  # hits at 0.1 and 0.4 s: tokens within NEAR_HIT_S of them
    cell = gen.hop_low / gen.sample_rate
    times = np.arange(gen.low.n_ctx) * cell  # token starts
    expect = np.zeros(len(times), bool)
    for hit in (0.1, 0.4):
        expect |= (times > hit - NEAR_HIT_S - 1e-9) & (times < hit + NEAR_HIT_S + cell)
    assert near.shape == times.shape and near.any() and not near.all()
    assert (near == expect).mean() > 0.95  # the edges follow the decaying features
