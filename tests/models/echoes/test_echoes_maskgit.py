"""Iterative unmasking: the schedule's counts, known tokens, guidance and per-row seeds."""
from __future__ import annotations

import math

import pytest
import torch

from foley_studio.errors import Cancelled
from foley_studio.progress import CancelToken
from foley_studio.sampling.maskgit import (UnmaskSettings, filter_logits, guided_logits,
                                           masked_after_step, unmask)

VOCAB = 7


def _random_logits(tokens: torch.Tensor, unknown: torch.Tensor) -> torch.Tensor:
    """A deterministic function of the visible tokens, so the loop's feedback matters."""
    seed = int((tokens * (~unknown)).sum()) + 17 * int(unknown.sum())
    g = torch.Generator().manual_seed(seed)
    return torch.randn(tokens.shape[0], tokens.shape[1], VOCAB, generator=g)


def _row_logits(tokens: torch.Tensor, unknown: torch.Tensor) -> torch.Tensor:
    """Like :func:`_random_logits` but row by row, so a row's logits ignore the other rows."""
    return torch.cat([_random_logits(t[None], u[None]) for t, u in zip(tokens, unknown)])


@pytest.mark.parametrize("n, steps", [(265, 30), (40, 12), (5, 8), (1, 3)])
def test_schedule_reveals_cosine_counts_and_everything_at_the_end(n: int, steps: int) -> None:
    remaining, revealed = n, []
    for step in range(steps):
        after = masked_after_step(n, remaining, step, steps)
        revealed.append(remaining - after)
        remaining = after
    assert remaining == 0 and sum(revealed) == n
    for step in range(steps - 1):
        expected = math.floor(n * math.cos(math.pi / 2 * (step + 1) / steps))
        left = n - sum(revealed[: step + 1])
        assert left == 0 or left == max(1, min(expected, left + revealed[step] - 1))


def test_paper_schedule_counts() -> None:
    """N = 30 over 265 audio tokens: slow start (cos ≈ 1), 13 tokens left for the last step."""
    remaining, revealed = 265, []
    for step in range(30):
        after = masked_after_step(265, remaining, step, 30)
        revealed.append(remaining - after)
        remaining = after
    assert revealed[:3] == [1, 1, 2] and revealed[-1] == 13 and sum(revealed) == 265


def test_unmask_reveals_per_schedule_and_keeps_known_tokens() -> None:
    tokens = torch.randint(0, VOCAB, (2, 30))
    unknown = torch.zeros(2, 30, dtype=torch.bool)
    unknown[:, 5:25] = True
    seen = []

    def logits_fn(t: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        seen.append(int(u[0].sum()))
        return _random_logits(t, u)

    gens = [torch.Generator().manual_seed(i) for i in range(2)]
    out = unmask(logits_fn, tokens, unknown, settings=UnmaskSettings(steps=6), generators=gens)
    assert torch.equal(out[~unknown], tokens[~unknown])
    assert ((out >= 0) & (out < VOCAB)).all()
    expected, remaining = [20], 20
    for step in range(5):
        remaining = masked_after_step(20, remaining, step, 6)
        expected.append(remaining)
    assert seen == expected


def test_guidance_scale_one_equals_conditional_sampling() -> None:
    cond = torch.randn(3, 10, VOCAB)
    uncond = torch.randn(3, 10, VOCAB)
    assert torch.equal(guided_logits(cond, uncond, 1.0), torch.log_softmax(cond, -1))
    mixed = guided_logits(cond, uncond, 3.0)
    assert torch.allclose(mixed, 3 * torch.log_softmax(cond, -1) - 2 * torch.log_softmax(uncond, -1))


def test_guidance_keeps_impossible_tokens_impossible() -> None:
    cond = torch.zeros(1, 1, 4)
    cond[..., 3] = float("-inf")
    out = guided_logits(cond, cond.clone(), 3.0)
    assert torch.isneginf(out[..., 3]).all() and torch.isfinite(out[..., :3]).all()


def test_row_result_does_not_depend_on_the_batch() -> None:
    tokens = torch.zeros(3, 16, dtype=torch.long)
    unknown = torch.ones(3, 16, dtype=torch.bool)
    settings = UnmaskSettings(steps=5)
    batch = unmask(_row_logits, tokens, unknown, settings=settings,
                   generators=[torch.Generator().manual_seed(10 + i) for i in range(3)])
    alone = unmask(_row_logits, tokens[:1], unknown[:1], settings=settings,
                   generators=[torch.Generator().manual_seed(12)])
    assert torch.equal(batch[2], alone[0])
    assert not torch.equal(batch[0], batch[1])


def test_progress_and_cancel() -> None:
    calls = []
    tokens, unknown = torch.zeros(1, 8, dtype=torch.long), torch.ones(1, 8, dtype=torch.bool)
    unmask(_random_logits, tokens, unknown, settings=UnmaskSettings(steps=4),
           generators=[torch.Generator()], progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        unmask(_random_logits, tokens, unknown, settings=UnmaskSettings(steps=4),
               generators=[torch.Generator()], cancel=token)


def test_filter_logits_top_k_and_top_p() -> None:
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    assert torch.isinf(filter_logits(logits, top_k=2)).tolist() == [[False, False, True, True]]
    assert torch.isinf(filter_logits(logits, top_p=0.7)).tolist() == [[False, False, True, True]]
