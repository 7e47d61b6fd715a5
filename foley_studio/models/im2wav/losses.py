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
COMB_FLANK_BINS = (4, 8)
"""Bins on either side of a harmonic (a quarter of the spacing at most) that stand for its
neighbourhood, as in the evaluation's comb meter."""


def _comb_contrast(mag: torch.Tensor) -> torch.Tensor:
    """Log-magnitude of each harmonic bin over the mean log-magnitude of its flanks:
    ``mag`` (B, F, N) with harmonics every COMB_FFT_HOPS bins → (B, H, N)."""
    lo, hi = COMB_FLANK_BINS
    last = (mag.shape[1] - 1 - hi) // COMB_FFT_HOPS
    bins = torch.arange(1, last + 1, device=mag.device) * COMB_FFT_HOPS  # (H,)
    offsets = torch.cat([torch.arange(-hi, -lo + 1), torch.arange(lo, hi + 1)]).to(mag.device)
    log = mag.log()
    return log[:, bins] - log[:, bins[:, None] + offsets[None]].mean(dim=2)


def comb_loss(target: torch.Tensor, pred: torch.Tensor, hop: int) -> torch.Tensor:
    """L1 between ``pred``'s and ``target``'s comb contrast at the harmonics of ``sample rate /
    hop``: how far each harmonic bin stands above (or below) the bins beside it. A decoder that
    stamps one shape on every token raises exactly that, and the full-band STFT loss dilutes
    those few bins among all; contrast, not level, so the cure is not a duller sound.
    ``target``, ``pred`` (B, S)."""
    n_fft = COMB_FFT_HOPS * hop
    if target.shape[-1] < n_fft:
        raise ValueError(f"The comb loss needs at least {n_fft} samples per example (32 hops), "
                         f"got {target.shape[-1]}; train on longer segments.")
    contrast_t = _comb_contrast(_magnitude(target, n_fft, n_fft // 4, n_fft))
    contrast_p = _comb_contrast(_magnitude(pred, n_fft, n_fft // 4, n_fft))
    return (contrast_p - contrast_t).abs().mean()
