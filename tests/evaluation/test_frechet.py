"""Fréchet distance against the closed form for Gaussians."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from foley_studio.errors import ConfigError
from foley_studio.evaluation.frechet import GaussianStats, frechet_distance, frechet_from_stats


def test_diagonal_gaussians_match_closed_form() -> None:
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.5])
    a, b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    fd = frechet_from_stats(GaussianStats(mu1, np.diag(a)), GaussianStats(mu2, np.diag(b)))
    closed = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)  # 7.25 + 4 + 1
    assert fd == pytest.approx(closed, rel=1e-9)
    assert closed == pytest.approx(12.25)


def test_full_covariance_commuting_case() -> None:
    """Σ₂ = c²Σ₁ gives FD = |Δμ|² + (1 − c)² tr Σ₁ for any Σ₁."""
    rng = np.random.default_rng(0)
    m = rng.normal(size=(4, 4))
    s1 = m @ m.T + 0.1 * np.eye(4)
    fd = frechet_from_stats(GaussianStats(np.zeros(4), s1), GaussianStats(np.ones(4), 9.0 * s1))
    assert fd == pytest.approx(4.0 + 4.0 * np.trace(s1), rel=1e-7)


def test_samples_converge_to_closed_form() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(0.0, 1.0, size=(20000, 3))
    y = rng.normal(0.5, 2.0, size=(20000, 3))
    assert frechet_distance(x, y) == pytest.approx(3 * 0.25 + 3 * 1.0, rel=0.05)
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-6)


def test_singular_covariance_is_finite_and_real() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(5, 16)), rng.normal(size=(6, 16))  # fewer rows than dimensions
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the singular product is handled, not warned about
        fd = frechet_distance(x, y)
        shifted = frechet_distance(x, x + 1.0)
    assert np.isfinite(fd) and fd > 0
    assert shifted == pytest.approx(16.0, rel=1e-3)  # |Δμ|² = 16, same covariance


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ConfigError, match="N ≥ 2"):
        frechet_distance(np.zeros((1, 3)), np.zeros((4, 3)))
    with pytest.raises(ConfigError, match="sizes differ"):
        frechet_distance(np.random.rand(4, 3), np.random.rand(4, 5))
    with pytest.raises(ConfigError, match="NaN"):
        frechet_distance(np.full((4, 3), np.nan), np.random.rand(4, 3))
