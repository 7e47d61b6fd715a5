"""Waveform losses of the VQ-VAE: l2 + l∞ mix, a multi-resolution STFT loss and a comb loss."""
from __future__ import annotations

from typing import Sequence

import torch


def lmix_loss(target: torch.Tensor, pred: torch.Tensor, linf_weight: float = 0.02,
              linf_k: int = 2048) -> torch.Tensor:
    """Mean squared error plus ``linf_weight`` × the mean of the ``linf_k`` largest squared errors."""
    residual = ((pred - target) ** 2).reshape(target.shape[0], -1)  # (B, S)
    top = torch.topk(residual, min(linf_k, residual.shape[1]), dim=1).values
    return residual.mean() + linf_weight * top.mean()


def _magnitude(x: torch.Tensor, n_fft: int, hop: int, win: int) -> torch.Tensor:
    window = torch.hann_window(win, device=x.device, dtype=x.dtype)
    spec = torch.stft(x, n_fft, hop, win, window, return_complex=True)  # (B, F, N)
    return spec.abs().clamp_min(1e-7)


def multi_resolution_stft_loss(target: torch.Tensor, pred: torch.Tensor,
                               resolutions: Sequence[Sequence[int]]) -> torch.Tensor:
    """Spectral convergence plus log-magnitude L1, averaged over ``(n_fft, hop, win)`` triples."""
    total = target.new_zeros(())
    for n_fft, hop, win in resolutions:
        mag_t = _magnitude(target, n_fft, hop, win)
        mag_p = _magnitude(pred, n_fft, hop, win)
        convergence = torch.linalg.norm(mag_t - mag_p) / torch.linalg.norm(mag_t)
        log_l1 = (mag_t.log() - mag_p.log()).abs().mean()
        total = total + convergence + log_l1
    return total / max(len(resolutions), 1)


COMB_FFT_HOPS = 32
"""The comb loss's FFT spans this many token hops, so the token rate's harmonics fall on bins."""


def comb_loss(target: torch.Tensor, pred: torch.Tensor, hop: int) -> torch.Tensor:
    """Log-magnitude L1 at the harmonics of ``sample rate / hop`` only, the bins where a decoder
    that stamps one shape on every token leaves a comb; the full-band STFT loss dilutes them
    among all bins. ``target``, ``pred`` (B, S)."""
    n_fft = COMB_FFT_HOPS * hop
    if target.shape[-1] < n_fft:
        raise ValueError(f"The comb loss needs at least {n_fft} samples per example (32 hops), "
                         f"got {target.shape[-1]}; train on longer segments.")
    bins = torch.arange(COMB_FFT_HOPS, n_fft // 2 + 1, COMB_FFT_HOPS, device=target.device)
    mag_t = _magnitude(target, n_fft, n_fft // 4, n_fft)[:, bins]  # (B, H, N)
    mag_p = _magnitude(pred, n_fft, n_fft // 4, n_fft)[:, bins]
    return (mag_t.log() - mag_p.log()).abs().mean()
