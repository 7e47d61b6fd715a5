"""Clicks at inpainting seams: is the signal's behaviour at a seam unusual for its surroundings?

For each seam time ``t`` two ratios compare the seam with its context (``±context_s`` around
``t``, minus a guard zone of ``±guard_s`` for samples and half an STFT window for frames):

    jump_ratio = max_{|n−t|≤guard} |x[n] − x[n−1]| / (P_q(|Δx| in context) + jump_floor)
    flux_ratio = max_{frames over t} flux[m]     / (P_q(flux in context)  + flux_floor)

with ``P_q`` the ``percentile``-th percentile and ``flux`` the broadband (median over bins)
log-spectral flux of :mod:`foley_studio.evaluation.onsets`. A seam *clicks* when either ratio exceeds ``threshold``.
A waveform cut or a phase jump shows up in both; a smooth crossfade in neither. A real sound
event that starts on the seam looks like a click too, so score seams where the reference has
no event onset (or compare with the reference's own score at the same time).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from foley_studio.errors import ConfigError
from foley_studio.evaluation.onsets import OnsetConfig, spectral_flux


@dataclass(frozen=True)
class SeamConfig:
    """Parameters of :func:`seam_scores` (times in seconds)."""

    context_s: float = 0.15
    guard_s: float = 0.002
    percentile: float = 99.0
    jump_floor: float = 1e-4
    flux_floor: float = 0.5
    threshold: float = 3.0
    onset: OnsetConfig = OnsetConfig(window_s=0.0116, hop_s=0.0029, broadband=True)


@dataclass(frozen=True)
class SeamScore:
    """How unusual one seam is compared with its surroundings."""

    time_s: float
    jump_ratio: float
    flux_ratio: float
    clicked: bool


def seam_scores(audio: np.ndarray, rate: int, seams: Sequence[float],
                config: SeamConfig = SeamConfig()) -> list[SeamScore]:
    """Score every seam time (seconds) in mono ``audio`` ``(S,)``."""
    x = np.asarray(audio, np.float64)
    if x.ndim != 1 or x.size < 2:
        raise ConfigError(f"Seam scoring needs one mono clip (S,), got shape {x.shape}.")
    duration = len(x) / rate
    bad = [t for t in seams if not 0.0 < t < duration]
    if bad:
        raise ConfigError(f"Seam time(s) {bad[:5]} lie outside the clip (0, {duration:.3f}) s.")
    jumps = np.abs(np.diff(x, prepend=x[0]))  # (S,) jump into each sample
    flux, times = spectral_flux(x, rate, config.onset)
    return [_score(jumps, flux, times, rate, t, config) for t in seams]


def _score(jumps: np.ndarray, flux: np.ndarray, times: np.ndarray, rate: int, t: float,
           config: SeamConfig) -> SeamScore:
    sample_times = np.arange(len(jumps)) / rate
    jump = _ratio(jumps, sample_times, t, config.guard_s, config, config.jump_floor)
    flux_guard = config.onset.window_s / 2 + config.onset.hop_s
    fl = _ratio(flux, times, t, flux_guard, config, config.flux_floor)
    return SeamScore(t, jump, fl, bool(jump > config.threshold or fl > config.threshold))


def _ratio(values: np.ndarray, times: np.ndarray, t: float, guard: float, config: SeamConfig,
           floor: float) -> float:
    """Peak of ``values`` within ``guard`` of ``t`` over the context's percentile."""
    dist = np.abs(times - t)
    seam, context = values[dist <= guard], values[(dist > guard) & (dist <= config.context_s)]
    if seam.size == 0 or context.size == 0:
        raise ConfigError(f"Seam at {t:.3f} s has no surrounding audio to compare with; "
                          "use a longer clip or a shorter context_s.")
    return float(seam.max() / (np.percentile(context, config.percentile) + floor))


def click_rate(scores: Sequence[SeamScore]) -> float:
    """Fraction of seams that click (0 when there are none)."""
    return float(np.mean([s.clicked for s in scores])) if scores else 0.0
