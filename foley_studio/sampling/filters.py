"""Temperature, top-k and top-p (nucleus) filtering, and seeded per-row token draws."""
from __future__ import annotations

from typing import Sequence

import torch


def filter_logits(logits: torch.Tensor, top_k: int = 0, top_p: float = 0.0) -> torch.Tensor:
    """Set to -inf every logit outside the ``top_k`` best and outside the smallest set of
    tokens whose probability reaches ``top_p`` (0 disables each). ``logits`` is (N, V)."""
    out = logits.clone()
    if 0 < top_k < out.shape[-1]:
        kth = torch.topk(out, top_k, dim=-1).values[..., -1:]
        out[out < kth] = float("-inf")
    if 0.0 < top_p < 1.0:
        sorted_logits, order = torch.sort(out, descending=True, dim=-1)
        cumulative = torch.softmax(sorted_logits.float(), dim=-1).cumsum(-1)
        drop = cumulative > top_p
        drop[..., 1:] = drop[..., :-1].clone()  # keep the token that crosses the threshold
        drop[..., 0] = False
        out[torch.zeros_like(drop).scatter(-1, order, drop)] = float("-inf")
    return out


def draw_uniforms(generators: Sequence[torch.Generator], count: int,
                  device: torch.device) -> torch.Tensor:
    """``count`` uniform numbers in [0, 1) per row, each row from its own generator: (N, count)."""
    return torch.stack([torch.rand(count, generator=g) for g in generators]).to(device)


def choose_tokens(logits: torch.Tensor, uniforms: torch.Tensor, *, temperature: float = 1.0,
                  top_k: int = 0, top_p: float = 0.0) -> torch.Tensor:
    """Sample one token per row of ``logits`` (N, V) by inverting the filtered CDF at ``uniforms``."""
    probs = torch.softmax(filter_logits(logits.float() / temperature, top_k, top_p), dim=-1)
    cdf = probs.cumsum(-1)  # (N, V)
    target = (uniforms.float() * cdf[:, -1])[:, None]
    picked = torch.searchsorted(cdf, target, right=True)[:, 0]
    return picked.clamp_max(logits.shape[-1] - 1)
