"""Spectral balance: the high band's share of energy, takes against real clips."""
from __future__ import annotations

import numpy as np
import pytest

from foley_studio.errors import ConfigError
from foley_studio.evaluation.spectrum import band_balance_db, band_share

RATE = 16000


def _tones(low_amp: float, high_amp: float, n: int = 3) -> np.ndarray:
    t = np.arange(RATE) / RATE  # 1 s: whole cycles of both tones, so no leakage
    return np.stack([low_amp * np.sin(2 * np.pi * 500 * t) + high_amp * np.sin(2 * np.pi * 3000 * t)] * n)


def test_share_is_the_band_energy_over_all_energy() -> None:
    assert band_share(_tones(1.0, 1.0), RATE) == pytest.approx(0.5)
    assert band_share(_tones(1.0, 0.0), RATE) == pytest.approx(0.0, abs=1e-12)
    assert band_share(_tones(2.0, 1.0), RATE) == pytest.approx(1 / 5)


def test_balance_is_ten_log_ratio_and_ignores_loudness() -> None:
    real = band_share(_tones(1.0, 1.0), RATE)
    dull = band_share(_tones(1.0, 0.1 ** 0.5), RATE)  # high tone 10 dB down: share 1/11
    assert band_balance_db(dull, real) == pytest.approx(10 * np.log10((1 / 11) / 0.5))
    assert band_balance_db(band_share(0.01 * _tones(1.0, 1.0), RATE), real) == pytest.approx(0.0, abs=1e-9)
    assert band_balance_db(band_share(_tones(1.0, 0.0), RATE), real) < -100


def test_missing_or_undefined_shares_give_none() -> None:
    assert band_share(_tones(1.0, 1.0)[:, ::4], RATE // 4) is None  # 2 kHz is Nyquist: no band
    assert band_share(np.zeros((2, 100)), RATE) is None
    assert band_balance_db(0.3, 0.0) is None and band_balance_db(None, 0.5) is None
    with pytest.raises(ConfigError, match="shape"):
        band_share(np.zeros(100), RATE)
