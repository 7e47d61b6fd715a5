"""Attack time and peak spectral flux of detected hits: a sharp click against a smeared one."""
from __future__ import annotations

import numpy as np
import pytest

from foley_studio.evaluation.transients import clip_hits, ratio, transient_stats, transients_per_class

RATE = 16000
TIMES = (0.5, 1.3, 2.1, 2.9)


def _hits(attack_s: float, seed: int = 0) -> np.ndarray:
    """Noise bursts at TIMES rising linearly over ``attack_s`` and decaying in 50 ms, on a faint floor."""
    rng = np.random.default_rng(seed)
    x = 1e-4 * rng.standard_normal(int(3.5 * RATE))
    t = np.arange(int(0.3 * RATE)) / RATE
    shape = np.minimum(1.0, t / max(attack_s, 1e-6)) * np.exp(-np.maximum(0.0, t - attack_s) / 0.05)
    for start in TIMES:
        i = int(start * RATE)
        x[i:i + len(t)] += shape * rng.standard_normal(len(t))
    return x.astype(np.float32)


def test_a_click_has_a_short_attack_and_a_smeared_hit_a_long_one() -> None:
    sharp, smeared = clip_hits(_hits(0.0005), RATE), clip_hits(_hits(0.03), RATE)
    assert len(sharp.times) == len(TIMES) and len(smeared.times) >= 2
    assert np.median(sharp.attack_ms) < 3
    assert np.median(smeared.attack_ms) > 12
    assert np.median(sharp.peak_flux) > 1.5 * np.median(smeared.peak_flux)


def test_stats_pool_hits_and_compare_by_ratio() -> None:
    sharp = transient_stats([_hits(0.0005, s) for s in range(2)], RATE)
    smeared = transient_stats([_hits(0.03, s) for s in range(2)], RATE)
    assert sharp.hits == 2 * len(TIMES)
    assert ratio(smeared.attack_ms, sharp.attack_ms) > 4
    assert ratio(smeared.peak_flux, sharp.peak_flux) < 0.7
    per = transients_per_class(np.stack([_hits(0.0005), _hits(0.03)]), RATE, [3, 7])
    assert per[3].attack_ms < per[7].attack_ms


def test_no_hits_give_none() -> None:
    still = transient_stats([1e-3 * np.ones(RATE, np.float32)], RATE)
    assert still.hits == 0 and still.attack_ms is None and still.peak_flux is None
    assert ratio(None, 2.0) is None and ratio(1.0, 0.0) is None and ratio(3.0, 2.0) == pytest.approx(1.5)
