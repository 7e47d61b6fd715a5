"""Token-by-token sampling with a KV cache, batched classifier-free guidance and per-row seeds.

A :class:`StepModel` computes logits for ``R`` rows: the ``N`` takes, or, with guidance, ``G``
groups of ``N`` rows (the conditional rows first, the null rows last), all in one forward pass.
Guided logits are ``s·cond + (1 − s)·null``; with a separate sync guidance ``σ`` the groups are
"picture and sync", "picture alone" and "neither", weighted ``σ``, ``s − σ`` and ``1 − s``
(compositional guidance: ``null + s·(picture − null) + σ·(both − picture)``). Then temperature,
top-k and top-p apply. Each take draws its random
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
    """How tokens are drawn; ``guidance`` None means the model's rows are conditional only;
    ``sync_guidance`` (with ``guidance``) weighs the sync track apart from the picture."""

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 0.0
    guidance: Optional[float] = None
    sync_guidance: Optional[float] = None

    def __post_init__(self) -> None:
        if self.temperature <= 0:
            raise ConfigError(f"Temperature must be above 0 (got {self.temperature}).")
        if self.sync_guidance is not None and self.guidance is None:
            raise ConfigError("Sync guidance needs guidance: the null rows carry no sync.")

    @property
    def weights(self) -> Optional[tuple[float, ...]]:
        """The weight of each row group (they sum to 1), or None when unguided."""
        if self.guidance is None:
            return None
        s, sigma = self.guidance, self.sync_guidance
        return (s, 1.0 - s) if sigma is None else (sigma, s - sigma, 1.0 - s)

    def weights_at(self, near_hit: bool) -> Optional[tuple[float, ...]]:
        """:attr:`weights` at a position near a hit; elsewhere the sync track is guided with the
        picture at the one scale (its rows weighted ``s``, ``0``, ``1 − s``)."""
        if near_hit or self.sync_guidance is None or self.guidance is None:
            return self.weights
        return (self.guidance, 0.0, 1.0 - self.guidance)

    @property
    def groups(self) -> int:
        """How many row groups the model computes per take (1 when unguided)."""
        return len(self.weights or (None,))


def seeded_generators(seed: int, takes: int) -> list[torch.Generator]:
    """One CPU generator per take, seeded ``seed + i``."""
    return [torch.Generator().manual_seed(seed + i) for i in range(takes)]


def _rows(tokens: torch.Tensor, groups: int) -> torch.Tensor:
    return torch.cat([tokens] * groups) if groups > 1 else tokens  # (G·N, ...)


def _combine(logits: torch.Tensor, weights: Optional[tuple[float, ...]], takes: int) -> torch.Tensor:
    """Logits (G·N, V) → (N, V): the weighted sum of the row groups."""
    if weights is None:
        return logits
    return sum(w * logits[i * takes:(i + 1) * takes].float() for i, w in enumerate(weights))


def sample_tokens(model: StepModel, prefix: torch.Tensor, length: int,
                  generators: Sequence[torch.Generator], settings: TokenSampling, *,
                  cached: bool = True, progress: Optional[ProgressFn] = None,
                  cancel: Optional[CancelToken] = None,
                  near_hit: Optional[Sequence[bool]] = None) -> torch.Tensor:
    """Continue ``prefix`` (N, P) to ``length`` tokens: (N, length).

    ``cached=False`` recomputes the whole sequence at every step (the reference the cache is
    tested against). ``progress(done, total)`` and the cancel token are checked every token.
    ``near_hit`` (length,) marks the positions where the sync guidance applies (None: all).
    """
    takes, known = prefix.shape
    if len(generators) != takes:
        raise ConfigError(f"Need one generator per take ({takes}), got {len(generators)}.")
    groups = settings.groups
    tokens = torch.zeros(takes, length, dtype=torch.long, device=prefix.device)
    tokens[:, :known] = prefix
    if cached and known > 0:
        model.prefill(_rows(prefix, groups))
    uniforms = draw_uniforms(generators, length - known, prefix.device)  # (N, new tokens)
    for pos in range(known, length):
        check_cancel(cancel)
        if cached:
            prev = None if pos == 0 else _rows(tokens[:, pos - 1], groups)
            logits = model.step(prev, pos)
        else:
            logits = model.full(_rows(tokens[:, :pos], groups))
        near = near_hit is None or bool(near_hit[pos])
        logits = _combine(logits, settings.weights_at(near), takes)
        tokens[:, pos] = choose_tokens(logits, uniforms[:, pos - known], temperature=settings.temperature,
                                       top_k=settings.top_k, top_p=settings.top_p)
        report(progress, pos - known + 1, length - known)
    return tokens
