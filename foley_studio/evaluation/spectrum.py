"""Spectral balance: does a set of takes keep the real clips' share of high-frequency energy?

A first stage (or a generator) that cannot represent high frequencies turns chirps, ticks and
bells into dull thuds; class accuracy shows that something is wrong, this shows what. The
balance of a set is

    10 · log10( share(takes) / share(real clips) ),  share = Σ E[lo, hi) / Σ E[all]

pooled over each set's clips, so it does not depend on loudness or on the sample rate (as long
as the band lies below Nyquist). 0 dB is right; −10 dB means a tenth of the high band's share.
The module also holds the HTK mel filterbank that the timbre judge and VGGish read spectra with.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from foley_studio.errors import ConfigError

HIGH_BAND_HZ = (2000.0, 8000.0)
_FLOOR = 1e-12  # share of a set with no energy in the band: about −110 dB against a typical clip


def hertz_to_mel(hz: np.ndarray) -> np.ndarray:
    """HTK mel scale: 1127 ln(1 + f / 700)."""
    return 1127.0 * np.log1p(np.asarray(hz, np.float64) / 700.0)


def mel_matrix(n_mels: int, n_bins: int, rate: int, lo: float, hi: float) -> np.ndarray:
    """Triangular mel weights ``(n_bins, n_mels)`` over ``lo``–``hi`` Hz, linear in mel, for the
    ``n_bins`` bins of a real FFT at ``rate``, with a zero DC row."""
    bins_mel = hertz_to_mel(np.linspace(0.0, rate / 2, n_bins))[:, None]  # (K, 1)
    edges = np.linspace(hertz_to_mel(lo), hertz_to_mel(hi), n_mels + 2)
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]  # (M,) each
    weights = np.maximum(0.0, np.minimum((bins_mel - lower) / (centre - lower),
                                         (upper - bins_mel) / (upper - centre)))
    weights[0, :] = 0.0
    return weights


def band_share(audio: np.ndarray, rate: int, band: tuple[float, float] = HIGH_BAND_HZ) -> Optional[float]:
    """Share of the energy of ``audio`` (N, S) in ``band`` (Hz, cut at Nyquist), pooled over
    clips; None when the band lies above Nyquist or the clips are silent."""
    audio = np.asarray(audio, np.float64)
    if audio.ndim != 2 or audio.shape[1] < 2:
        raise ConfigError(f"band_share wants clips (N, S), got shape {audio.shape}.")
    lo, hi = band[0], min(band[1], rate / 2)
    if lo >= hi:
        return None
    power = np.abs(np.fft.rfft(audio, axis=1)) ** 2  # (N, F)
    freqs = np.fft.rfftfreq(audio.shape[1], 1 / rate)
    total = power.sum()
    return None if total <= 0 else float(power[:, (freqs >= lo) & (freqs < hi)].sum() / total)


def band_balance_db(run_share: Optional[float], ref_share: Optional[float]) -> Optional[float]:
    """``10 · log10(run_share / ref_share)``; None where either share is missing or the real
    clips have no energy in the band."""
    if run_share is None or ref_share is None or ref_share <= 0:
        return None
    return float(10 * np.log10(max(run_share, _FLOOR) / ref_share))
