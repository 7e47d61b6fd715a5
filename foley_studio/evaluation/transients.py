"""How sharp are the hits? Attack time and peak spectral flux of detected onsets.

A clean thump or tick rises to its peak within a few milliseconds and makes one tall spike of
spectral flux; a smeared blip rises slowly and spreads its flux over several frames. For every
onset :func:`~foley_studio.evaluation.onsets.detect_onsets` finds:

- **attack** (ms): the 10 %→90 % rise time of the amplitude envelope (RMS in 1-ms boxes) from
  5 ms before the onset to its peak within the next ``PEAK_WINDOW_S``;
- **peak flux** (dB): the largest spectral flux (mean log-band rise per frame) within
  ``±FLUX_WINDOW_S`` of the onset.

A set of takes is judged by the medians over all its hits against the real clips' medians of
the same classes (ratio 1 is right; an attack ratio of 3 is three times slower than real).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from scipy.ndimage import uniform_filter1d

from foley_studio.evaluation.onsets import OnsetConfig, detect_onsets, spectral_flux

PEAK_WINDOW_S = 0.06
PRE_ONSET_S = 0.005
FLUX_WINDOW_S = 0.015
ENVELOPE_S = 0.001


@dataclass(frozen=True)
class Hits:
    """Onset times (s), attack times (ms) and peak fluxes (dB) of one clip's hits, each ``(K,)``."""

    times: np.ndarray
    attack_ms: np.ndarray
    peak_flux: np.ndarray


def envelope(x: np.ndarray, rate: int) -> np.ndarray:
    """Centred RMS envelope ``(S,)`` of ``x`` ``(S,)`` in boxes of :data:`ENVELOPE_S`."""
    box = max(1, int(round(ENVELOPE_S * rate)))
    return np.sqrt(uniform_filter1d(np.asarray(x, np.float64) ** 2, box, mode="constant"))


def rise_ms(env: np.ndarray, rate: int, start: int) -> tuple[float, int]:
    """10→90 % rise time (ms) of ``env`` from sample ``start`` to its peak within
    :data:`PEAK_WINDOW_S` after ``start`` + the pre-onset lead, and the peak's sample."""
    lo = max(0, start)
    hi = min(len(env), start + int((PEAK_WINDOW_S + PRE_ONSET_S) * rate))
    seg = env[lo:hi]
    peak = int(np.argmax(seg))
    before = seg[:peak + 1]
    t10 = int(np.argmax(before >= 0.1 * seg[peak]))
    t90 = int(np.argmax(before >= 0.9 * seg[peak]))
    return 1000.0 * max(0, t90 - t10) / rate, lo + peak


def clip_hits(audio: np.ndarray, rate: int, config: OnsetConfig = OnsetConfig()) -> Hits:
    """The hits of one mono clip ``(S,)``: onsets with their attack times and peak fluxes."""
    x = np.asarray(audio, np.float64)
    onsets = detect_onsets(x, rate, config)
    env = envelope(x, rate)
    flux, times = spectral_flux(x, rate, config)
    attacks, peaks = [], []
    for t in onsets:
        attacks.append(rise_ms(env, rate, int(round((t - PRE_ONSET_S) * rate)))[0])
        near = np.abs(times - t) <= FLUX_WINDOW_S
        peaks.append(float(flux[near].max()) if near.any() else 0.0)
    return Hits(np.asarray(onsets, np.float64), np.asarray(attacks), np.asarray(peaks))


@dataclass(frozen=True)
class TransientStats:
    """Medians over every hit of a set of clips (None where no hit was found)."""

    attack_ms: Optional[float]
    peak_flux: Optional[float]
    hits: int


def transient_stats(clips: Sequence[np.ndarray], rate: int) -> TransientStats:
    """Median attack time and peak flux over the hits of all ``clips``."""
    found = [clip_hits(c, rate) for c in clips]
    attacks = np.concatenate([h.attack_ms for h in found]) if found else np.zeros(0)
    fluxes = np.concatenate([h.peak_flux for h in found]) if found else np.zeros(0)
    if not len(attacks):
        return TransientStats(None, None, 0)
    return TransientStats(float(np.median(attacks)), float(np.median(fluxes)), len(attacks))


def transients_per_class(audio: np.ndarray, rate: int, labels: Sequence[int]) -> dict[int, TransientStats]:
    """:func:`transient_stats` of each label's clips."""
    labels = np.asarray(labels)
    return {int(c): transient_stats(list(np.asarray(audio)[labels == c]), rate) for c in np.unique(labels)}


def ratio(run: Optional[float], real: Optional[float]) -> Optional[float]:
    """``run / real``; None where either is missing or the real value is not positive."""
    return None if run is None or real is None or real <= 0 else run / real
