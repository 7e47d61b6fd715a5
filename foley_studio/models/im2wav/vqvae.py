"""The hierarchical waveform VQ-VAE of IM2WAV (Jukebox layout, 16 kHz mono).

Level 0 ("UP") has hop ``stride**downs[0]`` (8), level 1 ("LOW") hop 32. Each level has its own
full encoder (level ``L`` repeats the stages of the levels below it with its own weights) and its
own decoder; ``decode(tokens, level)`` uses only ``decoders[level]``. Codebooks are EMA-updated
with restarts of unused codes from random encoder outputs.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from foley_studio.errors import ConfigError
from foley_studio.models.im2wav.layers import UPSAMPLERS, DownStack, UpStack
from foley_studio.models.im2wav.losses import comb_loss, lmix_loss, multi_resolution_stft_loss

DECODE_CHUNK = 4096
"""Tokens decoded at once; longer sequences go in chunks, so a minute of audio decodes in
bounded memory."""
DECODE_CONTEXT = 256
"""Tokens decoded on either side of a chunk and dropped: wider than the decoders' receptive
field, so chunked and whole decoding agree."""


class Encoder(nn.Module):
    """The stages of levels ``0..L`` run in sequence: waveform → level-L latents."""

    def __init__(self, emb_width: int, downs: Sequence[int], strides: Sequence[int],
                 block: dict) -> None:
        super().__init__()
        self.level_blocks = nn.ModuleList(
            DownStack(1 if i == 0 else emb_width, emb_width, d, s, **block)
            for i, (d, s) in enumerate(zip(downs, strides)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 1, S) → (B, E, S / hop)
        for stage in self.level_blocks:
            x = stage(x)
        return x


class Decoder(nn.Module):
    """Level-L latents → waveform through the stages ``L..0`` and an output conv."""

    def __init__(self, emb_width: int, downs: Sequence[int], strides: Sequence[int],
                 block: dict, reverse_dilation: bool, upsample: str = "transpose") -> None:
        super().__init__()
        self.level_blocks = nn.ModuleList(
            UpStack(emb_width, emb_width, d, s, reverse=reverse_dilation, upsample=upsample, **block)
            for d, s in zip(downs, strides))
        self.out = nn.Conv1d(emb_width, 1, 3, 1, 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:  # (B, E, T) → (B, 1, T · hop)
        for stage in reversed(self.level_blocks):
            z = stage(z)
        return self.out(z)


class Codebook(nn.Module):
    """An EMA codebook ``k`` [bins, width] with restarts of codes used less than ``threshold``."""

    def __init__(self, bins: int, width: int, mu: float = 0.99, threshold: float = 1.0) -> None:
        super().__init__()
        self.mu, self.threshold = mu, threshold
        self.register_buffer("k", torch.zeros(bins, width))
        self.register_buffer("k_sum", torch.zeros(bins, width))
        self.register_buffer("k_elem", torch.ones(bins))
        self.register_buffer("initialised", torch.zeros((), dtype=torch.bool))

    def quantise(self, x: torch.Tensor) -> torch.Tensor:  # (N, E) → (N,) nearest code (squared L2)
        k = self.k.to(x.dtype)
        dist2 = (x ** 2).sum(-1, keepdim=True) - 2 * x @ k.t() + (k ** 2).sum(-1)[None]
        return dist2.argmin(-1)

    def dequantise(self, idx: torch.Tensor) -> torch.Tensor:  # (...) → (..., E)
        return nn.functional.embedding(idx, self.k)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict]:
        """``x`` (B, E, T) → tokens (B, T), straight-through latents (B, E, T), commit loss, metrics."""
        flat = x.permute(0, 2, 1).reshape(-1, x.shape[1])  # (B·T, E)
        if self.training and not bool(self.initialised):
            self._initialise(flat.detach())
        idx = self.quantise(flat)
        metrics = self._update(flat.detach(), idx) if self.training else {}
        quant = self.dequantise(idx)  # (B·T, E)
        commit = ((quant.detach() - flat) ** 2).sum() / flat.numel()
        quant = flat + (quant - flat).detach()
        out = quant.reshape(x.shape[0], x.shape[2], -1).permute(0, 2, 1)
        return idx.reshape(x.shape[0], x.shape[2]), out, commit, metrics

    def _random_codes(self, x: torch.Tensor) -> torch.Tensor:  # (N, E) → (bins, E) from rank 0
        bins = self.k.shape[0]
        reps = (bins + x.shape[0] - 1) // x.shape[0]
        pool = x.repeat(reps, 1)
        if reps > 1:
            pool = pool + torch.randn_like(pool) * (0.01 / np.sqrt(x.shape[1]))
        codes = pool[torch.randperm(pool.shape[0], device=x.device)[:bins]].contiguous()
        if dist.is_initialized():
            dist.broadcast(codes, 0)
        return codes

    def _initialise(self, x: torch.Tensor) -> None:
        codes = self._random_codes(x)
        self.k.copy_(codes)
        self.k_sum.copy_(codes)
        self.k_elem.fill_(1.0)
        self.initialised.fill_(True)

    @torch.no_grad()
    def _update(self, x: torch.Tensor, idx: torch.Tensor) -> dict:
        bins = self.k.shape[0]
        onehot = nn.functional.one_hot(idx, bins).to(x.dtype)  # (N, bins)
        batch_sum, batch_elem = onehot.t() @ x, onehot.sum(0)  # (bins, E), (bins,)
        restart = self._random_codes(x)
        if dist.is_initialized():
            dist.all_reduce(batch_sum)
            dist.all_reduce(batch_elem)
        self.k_sum.mul_(self.mu).add_(batch_sum, alpha=1 - self.mu)
        self.k_elem.mul_(self.mu).add_(batch_elem, alpha=1 - self.mu)
        used = (self.k_elem >= self.threshold).to(x.dtype)[:, None]  # (bins, 1)
        self.k.copy_(used * self.k_sum / self.k_elem[:, None].clamp_min(1e-8) + (1 - used) * restart)
        prob = batch_elem / batch_elem.sum()
        return {"usage": float(used.sum()), "entropy": float(-(prob * (prob + 1e-8).log()).sum())}


class VQVAE(nn.Module):
    """Two-level (or more) waveform VQ-VAE; sizes are constructor arguments."""

    def __init__(self, levels: int = 2, downs_t: Sequence[int] = (3, 2),
                 strides_t: Sequence[int] = (2, 2), emb_width: int = 128, l_bins: int = 2048,
                 width: int = 32, depth: int = 4, m_conv: float = 1.0,
                 dilation_growth_rate: int = 3, dilation_cycle: Optional[int] = None,
                 reverse_decoder_dilation: bool = True, mu: float = 0.99, commit: float = 0.02,
                 linf_weight: float = 0.02, multispectral: float = 1.0,
                 stft_resolutions: Sequence[Sequence[int]] = ((2048, 240, 1200), (1024, 120, 600),
                                                              (512, 50, 240)),
                 sample_rate: int = 16000, comb_weight: float = 0.0,
                 upsample: str = "transpose") -> None:
        config = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        super().__init__()
        self.config = config  # constructor arguments, saved with the weights
        if not len(downs_t) == len(strides_t) == levels:
            raise ConfigError(f"VQ-VAE: need one down count and one stride per level ({levels}).")
        if upsample not in UPSAMPLERS:
            raise ConfigError(f"VQ-VAE: upsample {upsample!r} is not one of {', '.join(UPSAMPLERS)}.")
        self.levels, self.l_bins, self.sample_rate = levels, l_bins, sample_rate
        self.commit, self.linf_weight, self.multispectral = commit, linf_weight, multispectral
        self.comb_weight = comb_weight  # 0: the official losses only
        self.stft_resolutions = [tuple(r) for r in stft_resolutions]
        self.hops = [int(h) for h in np.cumprod([s ** d for s, d in zip(strides_t, downs_t)])]
        block = dict(width=width, depth=depth, m_conv=m_conv, growth=dilation_growth_rate,
                     cycle=dilation_cycle)
        self.encoders = nn.ModuleList(Encoder(emb_width, downs_t[:lv + 1], strides_t[:lv + 1], block)
                                      for lv in range(levels))
        self.decoders = nn.ModuleList(
            Decoder(emb_width, downs_t[:lv + 1], strides_t[:lv + 1], block, reverse_decoder_dilation,
                    upsample)
            for lv in range(levels))
        self.bottleneck = nn.Module()
        self.bottleneck.level_blocks = nn.ModuleList(Codebook(l_bins, emb_width, mu)
                                                     for _ in range(levels))

    def _pad(self, audio: torch.Tensor) -> torch.Tensor:  # (B, S) → (B, 1, S') with S' % hop == 0
        hop = self.hops[-1]
        pad = (-audio.shape[-1]) % hop
        return nn.functional.pad(audio, (0, pad))[:, None]

    @torch.no_grad()
    def encode(self, audio: torch.Tensor) -> list[torch.Tensor]:
        """Waveforms (B, S) → tokens per level [(B, S/hop_0), (B, S/hop_1), ...] (zero-padded)."""
        x = self._pad(audio.float())
        out = []
        for level, encoder in enumerate(self.encoders):
            latents = encoder(x)  # (B, E, T)
            flat = latents.permute(0, 2, 1).reshape(-1, latents.shape[1])
            out.append(self.bottleneck.level_blocks[level].quantise(flat).reshape(x.shape[0], -1))
        return out

    @torch.no_grad()
    def decode(self, tokens: torch.Tensor, level: int = 0, chunk: int = DECODE_CHUNK,
               context: int = DECODE_CONTEXT) -> torch.Tensor:
        """Tokens of ``level`` (B, T) → waveform (B, T·hop) through ``decoders[level]`` (not clamped).

        Long sequences are decoded ``chunk`` tokens at a time, each with ``context`` tokens on
        either side that are decoded and dropped, so memory stays bounded whatever the length.
        """
        total = tokens.shape[1]
        if total <= chunk + 2 * context:
            return self._decode_span(tokens, level)
        hop = self.hops[level]
        parts = []
        for start in range(0, total, chunk):
            lo, hi = max(0, start - context), min(total, start + chunk + context)
            wave = self._decode_span(tokens[:, lo:hi], level)  # (B, (hi - lo)·hop)
            keep = (start - lo) * hop
            parts.append(wave[:, keep:keep + min(chunk, total - start) * hop])
        return torch.cat(parts, dim=1)  # (B, T·hop)

    def _decode_span(self, tokens: torch.Tensor, level: int) -> torch.Tensor:
        latents = self.bottleneck.level_blocks[level].dequantise(tokens).permute(0, 2, 1)  # (B, E, T)
        return self.decoders[level](latents)[:, 0]  # (B, T·hop)

    def forward(self, audio: torch.Tensor) -> dict:
        """Training pass on (B, S): every level reconstructs the input; returns losses and metrics."""
        x = self._pad(audio.float())  # (B, 1, S)
        target = x[:, 0]
        recons, spectral, commit, metrics = 0.0, 0.0, 0.0, {}
        for level, (encoder, decoder) in enumerate(zip(self.encoders, self.decoders)):
            _, quant, level_commit, stats = self.bottleneck.level_blocks[level](encoder(x))
            pred = decoder(quant)[:, 0]  # (B, S)
            level_recons = lmix_loss(target, pred, self.linf_weight)
            level_spec = multi_resolution_stft_loss(target, pred, self.stft_resolutions)
            if self.comb_weight:
                level_comb = comb_loss(target, pred, self.hops[level])
                level_spec = level_spec + self.comb_weight * level_comb
                metrics[f"comb_l{level}"] = level_comb.item()
            recons, spectral, commit = recons + level_recons, spectral + level_spec, commit + level_commit
            metrics.update({f"recons_l{level}": level_recons.item(), f"spectral_l{level}": level_spec.item(),
                            **{f"{k}_l{level}": v for k, v in stats.items()}})
        loss = recons + self.multispectral * spectral + self.commit * commit
        metrics.update(loss=loss.item(), recons=recons.item(), spectral=spectral.item(), commit=commit.item())
        return {"loss": loss, "metrics": metrics}
