"""Token-rate artifact meter: is there a comb at the multiples of a first stage's token rate?

A waveform decoder that turns each token into a fixed 1/F-second stretch of samples (F =
sample rate / hop) can stamp the same small shape on every token; the result is a steady
harmonic comb at F, 2F, 3F, … (500 Hz and its multiples for 16 kHz and a hop of 32) that makes
a bell or a bird buzz. The meter compares the power density right at those harmonics with the
density of the bands beside them::

    comb = mean PSD over |f − kF| ≤ on_hz  /  mean PSD over on_hz < |f − kF| ≤ F/4

pooled over the harmonics below Nyquist and over the clips (each clip's spectrum scaled to unit
power first, so loud and quiet clips weigh alike). A smooth spectrum (noise, a thud) reads about
1; a comb reads far above. Judge a set of takes by the ratio of its comb to the real clips' of
the same class (the real world has its own tones, which may sit near a harmonic).
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from scipy.signal import welch

from foley_studio.errors import ConfigError

ON_HZ = 8.0  # half-width of the band counted as "at the harmonic"
MIN_RESOLUTION_HZ = 4.0  # Welch bins must be this fine to tell the harmonic from its flanks


def _densities(audio: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit-power Welch spectra ``(N, F)`` of clips ``(N, S)`` and their frequencies ``(F,)``."""
    x = np.asarray(audio, np.float64)
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2 or x.shape[1] < 64:
        raise ConfigError(f"The comb meter wants clips (N, S) of at least 64 samples, got {x.shape}.")
    nper = int(2 ** np.ceil(np.log2(rate / MIN_RESOLUTION_HZ)))
    freqs, psd = welch(x, rate, nperseg=min(nper, x.shape[1]), axis=1)  # (N, F)
    total = psd.sum(axis=1, keepdims=True)
    return psd / np.where(total > 0, total, 1.0), freqs


def _masks(freqs: np.ndarray, fundamental: float, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks ``(F,)`` of the bands at the harmonics and of the bands beside them."""
    if not 0 < fundamental < rate / 2:
        raise ConfigError(f"The comb's fundamental must lie in (0, {rate / 2:g}) Hz, got {fundamental:g}.")
    harmonics = np.arange(1, int((rate / 2 - fundamental / 4) // fundamental) + 1) * fundamental
    dist = np.abs(freqs[:, None] - harmonics[None]).min(axis=1)  # (F,) to the nearest harmonic
    on_hz = max(ON_HZ, 1.01 * (freqs[1] - freqs[0]))
    return dist <= on_hz, (dist > on_hz) & (dist <= fundamental / 4)


def comb_ratio(audio: np.ndarray, rate: int, fundamental: float) -> Optional[float]:
    """The comb (see the module docstring) of clips ``(N, S)`` at ``rate`` for harmonics of
    ``fundamental`` Hz; None when the clips are silent."""
    psd, freqs = _densities(audio, rate)
    on, beside = _masks(freqs, fundamental, rate)
    pooled = psd.sum(axis=0)  # (F,)
    if pooled.sum() <= 0 or pooled[beside].mean() <= 0:
        return None
    return float(pooled[on].mean() / pooled[beside].mean())


def comb_per_class(audio: np.ndarray, rate: int, fundamental: float, labels: Sequence[int]
                   ) -> dict[int, Optional[float]]:
    """:func:`comb_ratio` of each label's clips."""
    labels = np.asarray(labels)
    x = np.asarray(audio)
    return {int(c): comb_ratio(x[labels == c], rate, fundamental) for c in np.unique(labels)}


def comb_against(run: dict[int, Optional[float]], real: dict[int, Optional[float]]
                 ) -> dict[int, float]:
    """Per class, the run's comb ÷ the real clips' (classes missing on either side left out)."""
    return {c: v / real[c] for c, v in run.items() if v is not None and real.get(c)}
