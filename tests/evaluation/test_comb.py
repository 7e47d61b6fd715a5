"""The token-rate comb meter: a comb at the multiples of sample rate / hop reads high, smooth
spectra (noise, world clips) read about 1."""
from __future__ import annotations

import numpy as np
import pytest

from foley_studio.errors import ConfigError
from foley_studio.evaluation.comb import comb_against, comb_per_class, comb_ratio

RATE, HOP = 16000, 32  # 500 Hz


def _noise(n: int = 3, seconds: float = 2.0, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, int(RATE * seconds))).astype(np.float32)


def _comb(n: int = 3, seconds: float = 2.0) -> np.ndarray:
    """A waveform that repeats one 32-sample shape: harmonics of 500 Hz only."""
    shape = np.random.default_rng(1).standard_normal(HOP)
    return np.tile(np.tile(shape, int(RATE * seconds) // HOP), (n, 1)).astype(np.float32)


def test_a_pure_comb_reads_far_above_noise() -> None:
    assert comb_ratio(_comb() + 1e-3 * _noise(), RATE, RATE / HOP) > 100
    assert 0.7 < comb_ratio(_noise(), RATE, RATE / HOP) < 1.4


def test_a_faint_comb_under_noise_still_shows_and_grows_with_its_level() -> None:
    quiet = comb_ratio(_noise() + 0.2 * _comb(), RATE, RATE / HOP)  # 14 dB under the noise
    louder = comb_ratio(_noise() + 0.5 * _comb(), RATE, RATE / HOP)
    assert 1.5 < quiet < louder


def test_the_meter_looks_at_the_given_rate_only() -> None:
    """A 500-Hz comb is no comb at 440 Hz; loudness does not matter."""
    assert comb_ratio(_comb() + 1e-3 * _noise(), RATE, 440.0) < 2
    assert comb_ratio(100 * _noise(), RATE, 500.0) == pytest.approx(comb_ratio(_noise(), RATE, 500.0))


def test_world_clips_read_low() -> None:
    from foley_studio.data.world import render_clip

    clips = np.stack([render_clip(seed, cls, sample_rate=RATE, second=False).audio
                      for seed, cls in enumerate(("ball", "water", "wind", "engine"))])
    assert comb_ratio(clips, RATE, RATE / HOP) < 2.5


def test_per_class_and_against_real() -> None:
    audio = np.concatenate([_noise(2), _noise(2, seed=5) + 0.3 * _comb(2)])
    labels = np.array([0, 0, 1, 1])
    run = comb_per_class(audio, RATE, 500.0, labels)
    real = comb_per_class(np.concatenate([_noise(2, seed=7), _noise(2, seed=8)]), RATE, 500.0, labels)
    ratios = comb_against(run, real)
    assert set(ratios) == {0, 1} and ratios[0] == pytest.approx(1, abs=0.4) and ratios[1] > 3
    assert comb_against({2: 1.0}, real) == {}  # a class the real clips lack is left out


def test_bad_input_is_refused_and_silence_gives_none() -> None:
    assert comb_ratio(np.zeros((2, RATE), np.float32), RATE, 500.0) is None
    with pytest.raises(ConfigError, match="fundamental"):
        comb_ratio(_noise(), RATE, 9000.0)
    with pytest.raises(ConfigError, match="at least 64 samples"):
        comb_ratio(np.zeros((2, 10)), RATE, 500.0)
