"""Cached sampling equals recomputation; guidance 1 equals conditional; per-take seeds."""
from __future__ import annotations

import pytest
import torch

from foley_studio.errors import Cancelled, ConfigError
from foley_studio.models.im2wav.generator import TINY_LOW, TINY_UP
from foley_studio.models.im2wav.prior import LowPrior, UpPrior
from foley_studio.models.im2wav.stepper import PriorStepper
from foley_studio.progress import CancelToken
from foley_studio.sampling.autoregressive import TokenSampling, sample_tokens, seeded_generators
from foley_studio.sampling.filters import choose_tokens, filter_logits


@pytest.fixture(scope="module")
def low():
    torch.manual_seed(0)
    return LowPrior(**{**TINY_LOW, "attn_order": 2}).eval()


def _stepper(low: LowPrior, takes: int, guided: bool, frames: int = 3) -> PriorStepper:
    torch.manual_seed(1)
    feats = torch.nn.functional.normalize(torch.randn(1, frames, TINY_LOW["clip_dim"]), dim=-1)
    rows = takes * (2 if guided else 1)
    token_frames = torch.randint(0, frames, (1, low.n_ctx)).expand(rows, -1)
    null = torch.arange(rows) >= takes if guided else None
    start, x_cond = low.conditioning(feats.expand(rows, -1, -1), token_frames,
                                     torch.full((rows,), 64000.0), torch.zeros(rows), null)
    return PriorStepper(low, start.detach(), x_cond.detach())


@pytest.mark.parametrize("guidance", [None, 3.0])
@pytest.mark.parametrize("known", [0, 20])
def test_cached_sampling_equals_uncached(low, guidance, known):
    takes, settings = 2, TokenSampling(temperature=1.0, guidance=guidance)
    prefix = torch.randint(0, low.bins, (takes, known))
    cached = sample_tokens(_stepper(low, takes, guidance is not None), prefix, low.n_ctx,
                           seeded_generators(7, takes), settings)
    uncached = sample_tokens(_stepper(low, takes, guidance is not None), prefix, low.n_ctx,
                             seeded_generators(7, takes), settings, cached=False)
    assert torch.equal(cached, uncached)
    assert torch.equal(cached[:, :known], prefix)
    assert len(set(cached[0].tolist())) > 5  # really sampled, not a constant


def test_guidance_one_equals_conditional(low):
    takes = 3
    guided = sample_tokens(_stepper(low, takes, True), torch.zeros(takes, 0, dtype=torch.long),
                           low.n_ctx, seeded_generators(11, takes), TokenSampling(guidance=1.0))
    plain = sample_tokens(_stepper(low, takes, False), torch.zeros(takes, 0, dtype=torch.long),
                          low.n_ctx, seeded_generators(11, takes), TokenSampling(guidance=None))
    assert torch.equal(guided, plain)
    stronger = sample_tokens(_stepper(low, takes, True), torch.zeros(takes, 0, dtype=torch.long),
                             low.n_ctx, seeded_generators(11, takes), TokenSampling(guidance=4.0))
    assert not torch.equal(stronger, plain)


def test_take_i_equals_single_take_with_seed_plus_i(low):
    settings = TokenSampling(guidance=3.0, top_k=20)
    batch = sample_tokens(_stepper(low, 3, True), torch.zeros(3, 0, dtype=torch.long), 40,
                          seeded_generators(5, 3), settings)
    for i in range(3):
        single = sample_tokens(_stepper(low, 1, True), torch.zeros(1, 0, dtype=torch.long), 40,
                               seeded_generators(5 + i, 1), settings)
        assert torch.equal(batch[i], single[0])


def test_up_prior_cached_equals_uncached():
    torch.manual_seed(2)
    up = UpPrior(**TINY_UP).eval()
    low_tokens = torch.randint(0, up.bins, (2, up.n_ctx // up.ratio))
    start, x_cond = up.conditioning(torch.randn(2, TINY_UP["clip_dim"]), low_tokens)
    prefix = torch.randint(0, up.bins, (2, 37))
    args = (prefix, up.n_ctx, TokenSampling())
    a = sample_tokens(PriorStepper(up, start, x_cond), args[0], args[1], seeded_generators(0, 2), args[2])
    b = sample_tokens(PriorStepper(up, start, x_cond), args[0], args[1], seeded_generators(0, 2), args[2],
                      cached=False)
    assert torch.equal(a, b)


def test_progress_every_step_and_cancel(low):
    seen = []
    token = CancelToken()

    def progress(done, total):
        seen.append((done, total))
        if done == 10:
            token.cancel()

    with pytest.raises(Cancelled):
        sample_tokens(_stepper(low, 1, False), torch.zeros(1, 0, dtype=torch.long), 30,
                      seeded_generators(0, 1), TokenSampling(), progress=progress, cancel=token)
    assert seen == [(i, 30) for i in range(1, 11)]


def test_filters():
    logits = torch.tensor([[3.0, 2.0, 1.0, 0.0]])
    assert torch.isinf(filter_logits(logits, top_k=2)[0, 2:]).all()
    assert not torch.isinf(filter_logits(logits, top_k=2)[0, :2]).any()
    kept = ~torch.isinf(filter_logits(logits, top_p=0.7))
    assert kept.tolist() == [[True, True, False, False]]  # 0.64 < 0.7, so the second is kept too
    for u in torch.linspace(0, 0.999, 50):
        assert choose_tokens(logits, u[None], top_k=2).item() in (0, 1)
    assert choose_tokens(logits, torch.tensor([0.0]), temperature=0.01).item() == 0


class _GroupLogits:
    """A step model whose logits depend only on the row group: "picture and sync" favours
    token 2, "picture alone" token 1, "neither" token 0."""

    def __init__(self, takes: int) -> None:
        self.takes = takes

    def prefill(self, tokens: torch.Tensor) -> None:
        pass

    def step(self, prev, pos: int) -> torch.Tensor:
        per_group = torch.tensor([[0.0, 0.0, 2.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
        return per_group.repeat_interleave(self.takes, 0)  # (3·N, 3)


@pytest.mark.parametrize("sync_guidance,token", [(3.0, 2), (0.0, 1)])
def test_sync_guidance_weighs_the_sync_rows_apart_from_the_picture(sync_guidance, token):
    # 3·both + 0·picture − 2·neither → token 2; 0·both + 3·picture − 2·neither → token 1
    settings = TokenSampling(temperature=0.01, guidance=3.0, sync_guidance=sync_guidance)
    assert settings.groups == 3 and sum(settings.weights) == pytest.approx(1.0)
    out = sample_tokens(_GroupLogits(2), torch.zeros(2, 0, dtype=torch.long), 4,
                        seeded_generators(0, 2), settings)
    assert out.eq(token).all()


def test_sync_guidance_needs_guidance():
    with pytest.raises(ConfigError, match="needs guidance"):
        TokenSampling(sync_guidance=2.0)


def test_away_from_hits_the_sync_rows_share_the_pictures_scale():
    settings = TokenSampling(temperature=0.01, guidance=3.0, sync_guidance=0.0)
    out = sample_tokens(_GroupLogits(1), torch.zeros(1, 0, dtype=torch.long), 4,
                        seeded_generators(0, 1), settings, near_hit=[True, False, True, False])
    assert out[0].tolist() == [1, 2, 1, 2]  # near: σ = 0 leaves the picture; away: one scale
