"""Iterative unmasking (MaskGIT/MAGE decoding) as a pure loop over a logits function.

Each of ``steps`` iterations predicts every unknown token, samples a candidate per position,
and keeps the most confident candidates; the rest are masked again. The number still masked
after step ``t`` (0-based) follows the cosine schedule ``⌊n₀ · cos(π/2 · (t+1)/steps)⌋``, clamped
so that every step reveals at least one token and the last step reveals all. Confidence is
``log p(candidate) + choice_temperature · (1 − (t+1)/steps) · Gumbel`` (annealed to zero).

Randomness comes from one :class:`torch.Generator` per row (on the device that runs the model,
so no noise crosses the bus) and is drawn row by row, so a row's result does not depend on what
else is in the batch (take ``i`` with seed ``s + i`` equals the single take with seed ``s + i``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import torch

from foley_studio.progress import CancelToken, ProgressFn, check_cancel, report

LogitsFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""``(tokens (B, L), unknown (B, L) bool) → logits (B, L, C)`` (guidance already applied)."""


@dataclass(frozen=True)
class UnmaskSettings:
    """Decoding knobs: steps N, choice temperature T, token temperature, top-k / top-p."""

    steps: int = 30
    choice_temperature: float = 9.0
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 0.0


def masked_after_step(n_start: int, n_now: int, step: int, steps: int) -> int:
    """How many tokens stay masked after ``step`` (0-based) of ``steps``."""
    if step >= steps - 1 or n_now == 0:
        return 0
    target = math.floor(n_start * math.cos(math.pi / 2 * (step + 1) / steps))
    return max(min(target, n_now - 1), 1)


def guided_logits(cond: torch.Tensor, uncond: torch.Tensor, scale: float) -> torch.Tensor:
    """Classifier-free guidance on log-probabilities: ``s·log p_c + (1 − s)·log p_u``.

    Tokens impossible under the conditional pass (``-inf``) stay impossible.
    """
    cond = torch.log_softmax(cond.float(), -1)
    if scale == 1.0:
        return cond
    mixed = scale * cond + (1.0 - scale) * torch.log_softmax(uncond.float(), -1)
    return torch.where(torch.isneginf(cond), cond, mixed)


def filter_logits(logits: torch.Tensor, top_k: int = 0, top_p: float = 0.0) -> torch.Tensor:
    """Keep the ``top_k`` largest and/or the smallest set with mass ≥ ``top_p`` (0 = off)."""
    if top_k > 0:
        kth = torch.topk(logits, min(top_k, logits.shape[-1]), -1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if 0.0 < top_p < 1.0:
        sorted_logits, order = torch.sort(logits, -1, descending=True)
        mass = torch.softmax(sorted_logits, -1).cumsum(-1)
        cut = mass - torch.softmax(sorted_logits, -1) >= top_p  # strictly after the nucleus
        logits = logits.masked_fill(cut.scatter(-1, order, cut), float("-inf"))
    return logits


def _gumbel(shape: tuple[int, ...], generators: Sequence[torch.Generator]) -> torch.Tensor:
    """Gumbel(0, 1) noise ``(B, *shape)`` drawn row by row, on each row's generator's device."""
    u = torch.stack([torch.rand(shape, generator=g, device=g.device) for g in generators])
    return -torch.log(-torch.log(u.clamp_min(torch.finfo(u.dtype).tiny)))


def _choose(logits: torch.Tensor, settings: UnmaskSettings,
            generators: Sequence[torch.Generator]) -> tuple[torch.Tensor, torch.Tensor]:
    """Sample a token per position (Gumbel-max) and return it with its log-probability."""
    logits = filter_logits(logits.float() / settings.temperature, settings.top_k, settings.top_p)
    noise = _gumbel(tuple(logits.shape[1:]), generators).to(logits.device)
    sampled = torch.argmax(logits + noise, -1)  # (B, L)
    logp = torch.log_softmax(logits, -1).gather(-1, sampled[..., None]).squeeze(-1)
    return sampled, logp


def unmask(logits_fn: LogitsFn, tokens: torch.Tensor, unknown: torch.Tensor, *,
           settings: UnmaskSettings, generators: Sequence[torch.Generator],
           progress: Optional[ProgressFn] = None,
           cancel: Optional[CancelToken] = None) -> torch.Tensor:
    """Fill the ``unknown`` positions of ``tokens`` ``(B, L)``; known tokens are never changed."""
    if len(generators) != tokens.shape[0]:
        raise ValueError(f"need one generator per row ({tokens.shape[0]}), got {len(generators)}")
    tokens, unknown = tokens.clone(), unknown.clone()
    n_start = unknown.sum(1).tolist()
    for step in range(settings.steps):
        check_cancel(cancel)
        sampled, logp = _choose(logits_fn(tokens, unknown), settings, generators)
        sampled = torch.where(unknown, sampled, tokens)
        ratio = (step + 1) / settings.steps
        noise = _gumbel((tokens.shape[1],), generators).to(logp.device)
        confidence = logp + settings.choice_temperature * (1.0 - ratio) * noise
        confidence = confidence.masked_fill(~unknown, float("inf"))
        keep_masked = torch.tensor([masked_after_step(n0, int(n), step, settings.steps)
                                    for n0, n in zip(n_start, unknown.sum(1).tolist())],
                                   device=tokens.device)
        rank = confidence.argsort(1).argsort(1)
        new_unknown = rank < keep_masked[:, None]
        tokens = torch.where(unknown & ~new_unknown, sampled, tokens)
        unknown = new_unknown
        report(progress, step + 1, settings.steps)
    return tokens
