"""Onset detection on synthetic click trains and bursts; matching onsets to visual events."""
from __future__ import annotations

import numpy as np
import pytest

from foley_studio.errors import ConfigError
from foley_studio.evaluation.onsets import OnsetConfig, detect_onsets, match_onsets, sync_error

RATE = 22050


def _click_train(times: np.ndarray, seconds: float, rng: np.random.Generator) -> np.ndarray:
    x = rng.normal(0.0, 1e-4, int(seconds * RATE))
    x[np.round(times * RATE).astype(int)] += 0.8
    return x


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_click_positions_within_two_ms(seed: int) -> None:
    rng = np.random.default_rng(seed)
    times = np.arange(0.15, 2.8, 0.23) + rng.uniform(-0.04, 0.04, 12)
    found = detect_onsets(_click_train(times, 3.0, rng), RATE)
    assert len(found) == len(times)
    assert np.max(np.abs(found - times)) < 0.002


def test_unrefined_flux_peaks_lead_by_part_of_a_window() -> None:
    """Without refinement a frame-level detector is early: the refinement is what buys accuracy."""
    rng = np.random.default_rng(3)
    times = np.arange(0.2, 2.0, 0.3)
    coarse = detect_onsets(_click_train(times, 2.2, rng), RATE, OnsetConfig(refine=False))
    assert len(coarse) == len(times) and np.all(coarse < times) and np.max(times - coarse) < 0.0232


def test_decaying_bursts_over_a_tone() -> None:
    rng = np.random.default_rng(4)
    t = np.arange(3 * RATE) / RATE
    x = 0.05 * np.sin(2 * np.pi * 220 * t)  # a steady bed the detector must ignore
    times = np.array([0.31, 0.77, 1.24, 1.9, 2.45])
    for onset in times:
        n = int(round(onset * RATE))
        tail = np.arange(len(x) - n) / RATE
        x[n:] += 0.5 * rng.normal(size=len(tail)) * np.exp(-tail / 0.04) * (1 - np.exp(-tail / 3e-4))
    found = detect_onsets(x, RATE)
    assert len(found) == len(times)
    assert np.median(np.abs(found - times)) < 0.002


def test_silence_has_no_onsets() -> None:
    assert len(detect_onsets(np.zeros(RATE), RATE)) == 0
    with pytest.raises(ConfigError, match="mono"):
        detect_onsets(np.zeros((2, RATE)), RATE)


def test_matching_counts_misses_and_extras() -> None:
    events = np.array([0.5, 1.0, 1.5, 2.0])
    onsets = np.array([0.503, 0.99, 1.49, 1.512, 3.0])  # 1.49 wins 1.5 over 1.512; 2.0 missed
    result = match_onsets(onsets, events, window_s=0.05)
    assert result.matched == 3
    assert sorted(np.round(result.errors_ms, 3)) == [-10.0, -10.0, 3.0]
    assert result.median_abs_ms == pytest.approx(10.0)
    assert result.miss_rate == pytest.approx(0.25)
    assert result.extra_rate == pytest.approx(2 / 5)
    assert np.round(result.nearest_ms, 3).tolist() == [3.0, 10.0, 10.0, 488.0]  # 2.0's nearest: 1.512
    assert result.median_nearest_ms == pytest.approx(10.0)
    assert np.round(result.signed_ms, 3).tolist() == [3.0, -10.0, -10.0, -488.0]
    assert result.median_shift_ms == pytest.approx(-10.0)


def test_the_onset_shift_follows_onsets_moved_late() -> None:
    events = np.array([0.5, 1.3, 2.1])
    assert match_onsets(events + 0.15, events).median_shift_ms == pytest.approx(150.0)
    assert np.isnan(match_onsets(np.array([]), events).median_shift_ms)  # no onset: no shift


def test_sync_error_pools_clips_and_handles_empty() -> None:
    pooled = sync_error([np.array([0.1]), np.array([])], [np.array([0.102]), np.array([0.5])])
    assert pooled.matched == 1 and pooled.n_events == 2 and pooled.n_onsets == 1
    assert pooled.median_abs_ms == pytest.approx(2.0)
    assert pooled.nearest_ms.tolist() == pytest.approx([2.0, 1000.0])  # no onset at all: the cap
    assert pooled.signed_ms.tolist() == pytest.approx([-2.0])  # ... and no signed offset
    assert np.isnan(sync_error([np.array([])], [np.array([0.5])]).median_abs_ms)
    with pytest.raises(ConfigError, match="one per clip"):
        sync_error([np.array([])], [])


def test_audio_shorter_than_a_window_is_named() -> None:
    with pytest.raises(ConfigError, match="shorter than one analysis window"):
        detect_onsets(np.zeros(100), RATE)
