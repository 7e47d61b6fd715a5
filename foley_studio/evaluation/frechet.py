"""Fréchet distance between two sets of embeddings (FID / FAD).

Each set is summarised as a Gaussian with mean ``μ`` and covariance ``Σ``; the distance is

    FD = |μ₁ - μ₂|² + tr(Σ₁ + Σ₂ - 2 (Σ₁ Σ₂)^½)

computed with :func:`scipy.linalg.sqrtm`. When the product is singular (fewer samples than
dimensions) ``eps`` is added to both diagonals and the square root taken again; any imaginary
part left by round-off is dropped.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import linalg

from foley_studio.errors import ConfigError


@dataclass(frozen=True)
class GaussianStats:
    """Mean ``(D,)`` and covariance ``(D, D)`` of a set of embeddings."""

    mu: np.ndarray
    sigma: np.ndarray


def gaussian_stats(embeddings: np.ndarray, *, name: str = "embeddings") -> GaussianStats:
    """Mean and (unbiased) covariance of ``embeddings`` ``(N, D)``, N ≥ 2."""
    x = np.asarray(embeddings, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ConfigError(f"{name} must be an (N, D) array with N ≥ 2 rows, got shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ConfigError(f"{name} holds NaN or infinite values; check the embedder's input audio.")
    return GaussianStats(x.mean(axis=0), np.atleast_2d(np.cov(x, rowvar=False)))


def frechet_from_stats(a: GaussianStats, b: GaussianStats, *, eps: float = 1e-6) -> float:
    """Fréchet distance between two Gaussians (see the module docstring for the formula)."""
    if a.mu.shape != b.mu.shape:
        raise ConfigError(f"Embedding sizes differ: {a.mu.shape[0]} vs {b.mu.shape[0]}; use the "
                          "same embedder for both sets.")
    diff = a.mu - b.mu
    covmean = _sqrtm_product(a.sigma, b.sigma, eps)
    value = diff @ diff + np.trace(a.sigma) + np.trace(b.sigma) - 2.0 * np.trace(covmean)
    return float(max(value, 0.0))


def frechet_distance(x: np.ndarray, y: np.ndarray, *, eps: float = 1e-6) -> float:
    """Fréchet distance between embedding sets ``x`` ``(N, D)`` and ``y`` ``(M, D)``."""
    return frechet_from_stats(gaussian_stats(x, name="first set"),
                              gaussian_stats(y, name="second set"), eps=eps)


def _sqrtm_product(s1: np.ndarray, s2: np.ndarray, eps: float) -> np.ndarray:
    """(Σ₁ Σ₂)^½, retried with ``eps`` on both diagonals when the product is singular."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", linalg.LinAlgWarning)
        try:
            covmean = linalg.sqrtm(s1 @ s2)
        except linalg.LinAlgWarning:
            covmean = None
    if covmean is None or not np.all(np.isfinite(covmean)):
        offset = np.eye(s1.shape[0]) * eps
        covmean = linalg.sqrtm((s1 + offset) @ (s2 + offset))
    return np.real(covmean)
