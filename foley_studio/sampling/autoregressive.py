"""Token-by-token sampling with a KV cache, batched classifier-free guidance and per-row seeds.

A :class:`StepModel` computes logits for ``R`` rows: the ``N`` takes, or, with guidance, the
``N`` conditional rows followed by their ``N`` null rows, all in one forward pass. Guided logits
are ``s·cond + (1 − s)·null``; then temperature, top-k and top-p apply. Each take draws its random
numbers from its own :class:`torch.Generator`, so take ``i`` of a batch seeded ``s`` equals the
single take seeded ``s + i``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol, Sequence

import torch

from foley_studio.errors import ConfigError
from foley_studio.progress import CancelToken, ProgressFn, check_cancel, report
from foley_studio.sampling.filters import choose_tokens, draw_uniforms


class StepModel(Protocol):
    """What the sampler drives: logits for ``rows`` sequences, cached or recomputed."""

    def prefill(self, tokens: torch.Tensor) -> None:
        """Cache the known tokens (R, P)."""

    def step(self, prev: Optional[torch.Tensor], pos: int) -> torch.Tensor:
        """Logits (R, V) at ``pos`` given the token (R,) at ``pos − 1`` (None at 0), using the cache."""

    def full(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits (R, V) at position ``tokens.shape[1]`` recomputed from scratch (no cache)."""


@dataclass(frozen=True)
class TokenSampling:
    """How tokens are drawn; ``guidance`` None means the model's rows are conditional only."""

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 0.0
    guidance: Optional[float] = None

    def __post_init__(self) -> None:
        if self.temperature <= 0:
            raise ConfigError(f"Temperature must be above 0 (got {self.temperature}).")


def seeded_generators(seed: int, takes: int) -> list[torch.Generator]:
    """One CPU generator per take, seeded ``seed + i``."""
    return [torch.Generator().manual_seed(seed + i) for i in range(takes)]


def _rows(tokens: torch.Tensor, guided: bool) -> torch.Tensor:
    return torch.cat([tokens, tokens]) if guided else tokens


def _combine(logits: torch.Tensor, guidance: Optional[float], takes: int) -> torch.Tensor:
    if guidance is None:
        return logits
    cond, null = logits[:takes].float(), logits[takes:].float()
    return guidance * cond + (1.0 - guidance) * null


def sample_tokens(model: StepModel, prefix: torch.Tensor, length: int,
                  generators: Sequence[torch.Generator], settings: TokenSampling, *,
                  cached: bool = True, progress: Optional[ProgressFn] = None,
                  cancel: Optional[CancelToken] = None) -> torch.Tensor:
    """Continue ``prefix`` (N, P) to ``length`` tokens: (N, length).

    ``cached=False`` recomputes the whole sequence at every step (the reference the cache is
    tested against). ``progress(done, total)`` and the cancel token are checked every token.
    """
    takes, known = prefix.shape
    if len(generators) != takes:
        raise ConfigError(f"Need one generator per take ({takes}), got {len(generators)}.")
    guided = settings.guidance is not None
    tokens = torch.zeros(takes, length, dtype=torch.long, device=prefix.device)
    tokens[:, :known] = prefix
    if cached and known > 0:
        model.prefill(_rows(prefix, guided))
    uniforms = draw_uniforms(generators, length - known, prefix.device)  # (N, new tokens)
    for pos in range(known, length):
        check_cancel(cancel)
        if cached:
            prev = None if pos == 0 else _rows(tokens[:, pos - 1], guided)
            logits = model.step(prev, pos)
        else:
            logits = model.full(_rows(tokens[:, :pos], guided))
        logits = _combine(logits, settings.guidance, takes)
        tokens[:, pos] = choose_tokens(logits, uniforms[:, pos - known], temperature=settings.temperature,
                                       top_k=settings.top_k, top_p=settings.top_p)
        report(progress, pos - known + 1, length - known)
    return tokens
