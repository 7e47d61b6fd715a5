"""The LOW and UP priors: causal transformers over VQ-VAE tokens with IM2WAV's conditioning.

Input at position ``t`` is ``x_emb(token[t-1])`` (the start vector at ``t = 0``) plus
``pos_emb[t]`` plus ``x_cond[t]``; the output adds ``x_cond`` again and projects with the tied
token embedding: ``logits = (h + x_cond) @ x_emb.weightᵀ``.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
from torch import nn
from torch.nn import functional as F

from foley_studio.models.im2wav.conditioning import LowConditioner, TokenUpsampler, clip_mlp
from foley_studio.models.im2wav.transformer import KVCache, Transformer
from foley_studio.models.timing import TimingEmbedding, drop_timing


class Prior(nn.Module):
    """Token embedding, learned positions, transformer, tied output projection."""

    def __init__(self, bins: int, width: int, depth: int, n_ctx: int, heads: int, attn_order: int,
                 blocks: int, m_attn: float, m_mlp: float) -> None:
        super().__init__()
        self.bins, self.width, self.n_ctx = bins, width, n_ctx
        self.x_emb = nn.Embedding(bins, width)
        nn.init.normal_(self.x_emb.weight, std=0.02)
        self.pos_emb = nn.Parameter(torch.randn(n_ctx, width) * 0.01)
        self.transformer = Transformer(width, depth, n_ctx, heads, attn_order, blocks, m_attn, m_mlp)

    def _inputs(self, tokens: torch.Tensor, start: torch.Tensor, x_cond: torch.Tensor) -> torch.Tensor:
        """Shift right, put ``start`` (B, W) at position 0, add positions and ``x_cond`` (B, T, W)."""
        emb = self.x_emb(tokens[:, :-1])  # (B, T-1, W)
        h = torch.cat([start[:, None].to(emb.dtype), emb], dim=1)
        return h + self.pos_emb[:tokens.shape[1]] + x_cond[:, :tokens.shape[1]]

    def _logits(self, h: torch.Tensor, x_cond: torch.Tensor) -> torch.Tensor:
        return F.linear(h + x_cond, self.x_emb.weight)  # (B, T, V)

    def forward(self, tokens: torch.Tensor, start: torch.Tensor, x_cond: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits (B, T, V) for ``tokens`` (B, T)."""
        t = tokens.shape[1]
        h = self.transformer(self._inputs(tokens, start, x_cond))
        return self._logits(h, x_cond[:, :t])

    def prefill(self, tokens: torch.Tensor, start: torch.Tensor, x_cond: torch.Tensor,
                cache: KVCache) -> None:
        """Write the keys/values of positions ``[0, P)`` for known ``tokens`` (R, P) into ``cache``."""
        self.transformer(self._inputs(tokens, start, x_cond), cache, 0)

    def step(self, prev: Optional[torch.Tensor], pos: int, start: torch.Tensor, x_cond: torch.Tensor,
             cache: KVCache) -> torch.Tensor:
        """Logits (R, V) at ``pos`` given the token before it (R,) (None at ``pos`` 0)."""
        emb = start[:, None] if prev is None else self.x_emb(prev)[:, None]  # (R, 1, W)
        cond = x_cond[:, pos:pos + 1]
        h = self.transformer(emb.to(cond.dtype) + self.pos_emb[pos:pos + 1] + cond, cache, pos)
        return self._logits(h, cond)[:, 0]

    def cross_entropy(self, tokens: torch.Tensor, start: torch.Tensor, x_cond: torch.Tensor) -> torch.Tensor:
        """Mean next-token cross-entropy in bits per token."""
        logits = self(tokens, start, x_cond)
        return F.cross_entropy(logits.reshape(-1, self.bins).float(), tokens.reshape(-1)) / math.log(2.0)


class LowPrior(Prior):
    """LOW-level prior (hop 32) conditioned on CLIP frames and time, with CFG null embeddings.

    ``total_length`` is the clip length (samples) the time signal is given at generation time
    when the request is shorter: 160000 for the released model (its sampler always feeds 10 s),
    the training clips' length for models trained here.

    With ``timing`` the prior also follows a sync track: every token adds a
    :class:`~foley_studio.models.timing.TimingEmbedding` of its timing features beside its frame
    (a bundle without the key in its config has none). In training a row's timing is the null
    one whenever its frames are (so the guidance pair is "everything" against "nothing") and
    otherwise with ``timing_null_prob``; half the rows lose the envelope.
    """

    def __init__(self, bins: int = 2048, width: int = 1024, depth: int = 48, n_ctx: int = 2048,
                 heads: int = 1, attn_order: int = 2, blocks: int = 64, m_attn: float = 0.25,
                 m_mlp: float = 1.0, clip_dim: int = 512, t_bins: int = 64, sample_rate: int = 16000,
                 min_duration: float = 2.05, max_duration: float = 600.0, guidance: bool = True,
                 null_prob: float = 0.5, hop: int = 32, total_length: int = 160000,
                 timing: bool = False, timing_null_prob: float = 0.2) -> None:
        config = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        super().__init__(bins, width, depth, n_ctx, heads, attn_order, blocks, m_attn, m_mlp)
        self.config = config  # constructor arguments, saved with the weights
        self.null_prob, self.hop, self.guidance = null_prob, hop, guidance
        self.total_length = total_length  # clip length (samples) the time signal saw in training
        self.y_emb = LowConditioner(clip_dim, width, n_ctx, t_bins, sample_rate, min_duration,
                                    max_duration, guidance)
        self.timing_null_prob = timing_null_prob
        self.timing = TimingEmbedding(width) if timing else None

    @property
    def follows_sync(self) -> bool:
        """Whether this prior has a timing condition."""
        return self.timing is not None

    def conditioning(self, features: torch.Tensor, token_frames: torch.Tensor,
                     total_length: torch.Tensor, offset: torch.Tensor,
                     null: Optional[torch.Tensor] = None,
                     timing: Optional[torch.Tensor] = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Start (B, W) and x_cond (B, T, W) for a window of ``n_ctx`` tokens starting at ``offset``;
        ``timing`` (B, T, FEATURES) are the tokens' timing features (None: no sync)."""
        sample_length = torch.full_like(offset, self.n_ctx * self.hop, dtype=torch.float32)
        start, x_cond = self.y_emb(features, token_frames, total_length, offset, sample_length, null)
        if timing is not None and self.timing is not None:
            x_cond = x_cond + self.timing(timing.to(x_cond.dtype))  # (B, T, W)
        return start, x_cond

    def loss(self, tokens: torch.Tensor, features: torch.Tensor, token_frames: torch.Tensor,
             total_length: torch.Tensor, offset: torch.Tensor,
             timing: Optional[torch.Tensor] = None,
             keep_timing: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Training loss; each row's conditioning is swapped for the null one with ``null_prob``.
        Rows marked in ``keep_timing`` (B,) bool lose their timing only with their pictures."""
        null = torch.rand(tokens.shape[0], device=tokens.device) < self.null_prob if self.guidance else None
        if timing is not None:
            timing = self._timing_dropout(timing, null, keep_timing)
        start, x_cond = self.conditioning(features, token_frames, total_length, offset, null, timing)
        return self.cross_entropy(tokens, start, x_cond)

    def _timing_dropout(self, timing: torch.Tensor, null: Optional[torch.Tensor],
                        keep: Optional[torch.Tensor] = None) -> torch.Tensor:
        rows = timing.shape[0]
        drop = torch.rand(rows, device=timing.device) < self.timing_null_prob
        if keep is not None:
            drop = drop & ~keep
        if null is not None:
            drop = drop | null
        return drop_timing(timing, drop, torch.rand(rows, device=timing.device) < 0.5)


class UpPrior(Prior):
    """UP-level prior (hop 8) conditioned on the LOW tokens (upsampled ×4) and the mean CLIP vector."""

    def __init__(self, bins: int = 2048, width: int = 1024, depth: int = 48, n_ctx: int = 8192,
                 heads: int = 1, attn_order: int = 2, blocks: int = 64, m_attn: float = 0.25,
                 m_mlp: float = 1.0, clip_dim: int = 512, cond_width: int = 512, cond_depth: int = 16,
                 cond_down: int = 2, cond_stride: int = 2, cond_dilation_growth_rate: int = 3,
                 cond_dilation_cycle: Optional[int] = 8, hop: int = 8) -> None:
        config = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        super().__init__(bins, width, depth, n_ctx, heads, attn_order, blocks, m_attn, m_mlp)
        self.config = config  # constructor arguments, saved with the weights
        self.hop, self.ratio = hop, cond_stride ** cond_down
        self.clip_map = clip_mlp(clip_dim, width)
        self.upsampler = TokenUpsampler(bins, width, cond_width, cond_depth, cond_down, cond_stride,
                                        cond_dilation_growth_rate, cond_dilation_cycle)

    def conditioning(self, mean_feature: torch.Tensor,
                     low_tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Start (B, W) from the mean CLIP vector (B, C); x_cond (B, 4·T_low, W) from LOW tokens."""
        return self.clip_map(mean_feature), self.upsampler(low_tokens)

    def loss(self, tokens: torch.Tensor, mean_feature: torch.Tensor,
             low_tokens: torch.Tensor) -> torch.Tensor:
        """Training loss (no guidance dropout: the UP model has no null embedding)."""
        start, x_cond = self.conditioning(mean_feature, low_tokens)
        return self.cross_entropy(tokens, start, x_cond)
