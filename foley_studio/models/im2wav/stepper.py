"""Binds a prior to one window's conditioning so the token sampler can drive it."""
from __future__ import annotations

from typing import Optional

import torch

from foley_studio.models.im2wav.prior import Prior
from foley_studio.models.im2wav.transformer import KVCache


class PriorStepper:
    """A :class:`~foley_studio.sampling.autoregressive.StepModel` over ``R`` rows of one window.

    ``start`` (R, W) and ``x_cond`` (R, L, W) are fixed for the window; the KV cache is allocated
    once, at the first prefill or step, for the prior's whole context.
    """

    def __init__(self, prior: Prior, start: torch.Tensor, x_cond: torch.Tensor) -> None:
        self.prior, self.start, self.x_cond = prior, start, x_cond
        self.cache: Optional[KVCache] = None

    def _cache(self) -> KVCache:
        if self.cache is None:
            self.cache = self.prior.transformer.allocate_cache(
                self.start.shape[0], device=self.x_cond.device, dtype=self.x_cond.dtype)
        return self.cache

    @torch.no_grad()
    def prefill(self, tokens: torch.Tensor) -> None:
        """Cache positions ``[0, P)`` of ``tokens`` (R, P)."""
        self.prior.prefill(tokens, self.start, self.x_cond, self._cache())

    @torch.no_grad()
    def step(self, prev: Optional[torch.Tensor], pos: int) -> torch.Tensor:
        """Logits (R, V) at ``pos``."""
        return self.prior.step(prev, pos, self.start, self.x_cond, self._cache())

    @torch.no_grad()
    def full(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits (R, V) at ``tokens.shape[1]``, recomputing every position (no cache)."""
        padded = torch.nn.functional.pad(tokens, (0, 1))  # the last input is never read
        return self.prior(padded, self.start, self.x_cond)[:, -1]
