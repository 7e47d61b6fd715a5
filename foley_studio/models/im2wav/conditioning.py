"""What the IM2WAV priors are conditioned on: CLIP features, time signals and LOW tokens.

LOW prior (:class:`LowConditioner`): the start token is ``clip_map(mean of the frames' CLIP
vectors)`` (the mean is not re-normalised); every token adds ``video_map`` of its time-aligned
frame plus three time embeddings (total length, absolute and relative position). For
classifier-free guidance the null rows replace both MLP outputs by learned vectors and keep the
time signals. UP prior (:class:`TokenUpsampler`): the LOW tokens are embedded, upsampled ×4 by a
conv stack and layer-normalised, one vector per UP token.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from foley_studio.models.im2wav.layers import FP32LayerNorm, UpStack
from foley_studio.models.im2wav.windows import token_frames


def clip_mlp(in_dim: int, width: int) -> nn.Sequential:
    """Linear(in, in) → ReLU → Dropout(0.1) → Linear(in, width) (the paper's "3-layer" MLP)."""
    return nn.Sequential(nn.Linear(in_dim, in_dim), nn.ReLU(), nn.Dropout(0.1), nn.Linear(in_dim, width))


def official_token_frames(n_tokens: int, n_frames: int) -> torch.Tensor:
    """Frame of each token as the official code picks it: ``round(linspace(0,1,n)·(F−1))``."""
    return torch.from_numpy(token_frames(n_tokens, n_frames))


class RangeEmbedding(nn.Module):
    """Embed ``n_time`` positions interpolated over ``[start, end)``, binned on ``[lo, hi)``."""

    def __init__(self, n_time: int, bins: int, lo: float, hi: float, width: int,
                 clamp: bool = False) -> None:
        super().__init__()
        self.n_time, self.bins, self.lo, self.hi, self.clamp = n_time, bins, lo, hi, clamp
        self.emb = nn.Embedding(bins, width)
        nn.init.normal_(self.emb.weight, std=0.01)

    def forward(self, start: torch.Tensor, end: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``start``/``end`` (B,) → (B, n_time, W)."""
        position = start.float()[:, None]  # (B, 1), float32 like the released code
        if self.n_time != 1:
            if self.clamp:
                end = end.clamp(self.lo, self.hi)
            step = torch.arange(self.n_time, dtype=torch.float32, device=start.device)[None] / self.n_time
            position = position + (end.float()[:, None] - position) * step  # (B, n_time)
        bins = (self.bins * (position - self.lo) / (self.hi - self.lo)).floor().long()
        return self.emb(bins.clamp(0, self.bins - 1))


class LowConditioner(nn.Module):
    """Start token and per-token conditioning of the LOW prior."""

    def __init__(self, clip_dim: int, width: int, n_ctx: int, t_bins: int = 64,
                 sample_rate: int = 16000, min_duration: float = 2.05,
                 max_duration: float = 600.0, guidance: bool = True) -> None:
        super().__init__()
        self.clip_map = clip_mlp(clip_dim, width)
        self.video_map = clip_mlp(clip_dim, width)
        self.guidance = guidance
        if guidance:
            self.null_start = nn.Parameter(torch.randn(width) * 0.01)
            self.null_frame = nn.Parameter(torch.randn(width) * 0.01)
        lo, hi = min_duration * sample_rate, max_duration * sample_rate
        self.total_length_emb = RangeEmbedding(1, t_bins, lo, hi, width)
        self.absolute_pos_emb = RangeEmbedding(n_ctx, t_bins, 0.0, hi, width)
        self.relative_pos_emb = RangeEmbedding(n_ctx, t_bins, 0.0, 1.0, width, clamp=True)

    def time_signal(self, total_length: torch.Tensor, offset: torch.Tensor,
                    sample_length: torch.Tensor) -> torch.Tensor:
        """(B,) samples each → (B, n_ctx, W); the total-length term is broadcast to every token."""
        total_length, offset = total_length.float(), offset.float()
        end = offset + sample_length.float()
        return (self.total_length_emb(total_length) + self.absolute_pos_emb(offset, end)
                + self.relative_pos_emb(offset / total_length, end / total_length))

    def forward(self, features: torch.Tensor, token_frames: torch.Tensor, total_length: torch.Tensor,
                offset: torch.Tensor, sample_length: torch.Tensor,
                null: Optional[torch.Tensor] = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``features`` (B, F, C) L2-normalised CLIP vectors; ``token_frames`` (B, T) frame indices.

        Returns the start vector (B, W) and the per-token conditioning (B, T, W); rows where
        ``null`` (B,) is true get the null embeddings instead of the CLIP terms.
        """
        start = self.clip_map(features.mean(dim=1))  # (B, W)
        frames = self.video_map(features)  # (B, F, W)
        per_token = torch.gather(frames, 1, token_frames[..., None].expand(-1, -1, frames.shape[-1]))
        if null is not None and self.guidance:
            start = torch.where(null[:, None], self.null_start, start)
            per_token = torch.where(null[:, None, None], self.null_frame, per_token)
        time = self.time_signal(total_length, offset, sample_length)[:, :token_frames.shape[1]]
        return start, per_token + time


class TokenUpsampler(nn.Module):
    """LOW tokens (B, T) → conditioning (B, T·stride**down, W) for the UP prior."""

    def __init__(self, bins: int, width: int, cond_width: int = 512, cond_depth: int = 16,
                 down: int = 2, stride: int = 2, growth: int = 3, cycle: Optional[int] = 8) -> None:
        super().__init__()
        self.x_emb = nn.Embedding(bins, width)
        nn.init.normal_(self.x_emb.weight, std=0.02)
        self.cond = UpStack(width, width, down, stride, cond_width, cond_depth, 1.0, growth, cycle,
                            reverse=False, list_layout=True)
        self.ln = FP32LayerNorm(width)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.x_emb(tokens).permute(0, 2, 1)  # (B, W, T)
        return self.ln(self.cond(x).permute(0, 2, 1))  # (B, 4T, W)
