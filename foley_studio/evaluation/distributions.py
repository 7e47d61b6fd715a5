"""Metrics over classifier output distributions: paired KL (MKL) and Inception Score.

Inputs are class probabilities ``(N, C)`` whose rows sum to one (``AudioClassifier``
outputs). ``EPS`` guards the logarithms as in SpecVQGAN's evaluation code.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from foley_studio.errors import ConfigError

EPS = 1e-6


def kl_rows(p: np.ndarray, q: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Row-wise KL(p ‖ q) = Σ_c p_c (log p_c − log(q_c + ε)), terms with p_c = 0 count 0. ``(N,)``"""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    support = p > 0
    logp = np.log(np.where(support, p, 1.0))
    logq = np.log(np.where(support, q + eps, 1.0))
    return np.sum(p * (logp - logq), axis=-1)


def paired_kl(real: Mapping[str, np.ndarray], fake_probs: np.ndarray,
              fake_ids: Sequence[str]) -> float:
    """SpecVQGAN's MKL: mean over generated clips of KL(real_id ‖ fake), paired by clip id.

    ``real`` maps a clip id to its reference probabilities ``(C,)``; ``fake_probs`` ``(N, C)``
    are the generated clips' probabilities, ``fake_ids`` their clip ids (repeats allowed when
    several takes were drawn per clip). Because ε is added to the generated side only, identical
    distributions give a value of about −ε rather than exactly 0.
    """
    fake = _check_probs(fake_probs, "generated probabilities")
    if len(fake_ids) != fake.shape[0]:
        raise ConfigError(f"{len(fake_ids)} clip ids for {fake.shape[0]} generated clips; give one id each.")
    missing = sorted({i for i in fake_ids if i not in real})
    if missing:
        raise ConfigError(f"No reference audio for clip id(s) {missing[:5]}; evaluate only clips "
                          "that have a reference.")
    ref = np.stack([np.asarray(real[i], np.float64) for i in fake_ids])  # (N, C)
    return float(np.mean(kl_rows(ref, fake)))


@dataclass(frozen=True)
class InceptionScore:
    """Mean and standard deviation of the Inception Score over splits."""

    mean: float
    std: float


def inception_score(probs: np.ndarray, splits: int = 10) -> InceptionScore:
    """IS = exp(E_x KL(p(y|x) ‖ p(y))), computed on ``splits`` consecutive chunks.

    ``p(y)`` is the mean of the rows within each chunk; the result is the mean and standard
    deviation of the per-chunk scores (torch-fidelity's ``isc``).
    """
    p = _check_probs(probs, "probabilities")
    if not 1 <= splits <= p.shape[0]:
        raise ConfigError(f"splits={splits} must lie between 1 and the number of clips ({p.shape[0]}).")
    scores = [np.exp(np.mean(kl_rows(chunk, np.broadcast_to(chunk.mean(0), chunk.shape), eps=0.0)))
              for chunk in np.array_split(p, splits)]
    return InceptionScore(float(np.mean(scores)), float(np.std(scores)))


def _check_probs(probs: np.ndarray, name: str) -> np.ndarray:
    p = np.asarray(probs, np.float64)
    if p.ndim != 2 or p.shape[0] == 0:
        raise ConfigError(f"{name} must be an (N, C) array with N ≥ 1, got shape {p.shape}.")
    if np.any(p < 0) or not np.allclose(p.sum(-1), 1.0, atol=1e-3):
        raise ConfigError(f"{name} must be non-negative rows summing to 1 (apply softmax to logits).")
    return p
