"""Per-clip scores: CLIP-score between paired embeddings and top-1 class accuracy (overall and
per class)."""
from __future__ import annotations

from typing import Collection, Mapping, Optional

import numpy as np

from foley_studio.errors import ConfigError


def clip_score(audio_emb: np.ndarray, image_emb: np.ndarray) -> float:
    """Mean over pairs of 100 × cos(a_i, v_i) (IM2WAV's CS, scaled as IB/CLIP scores are).

    ``audio_emb`` ``(N, D)`` comes from an audio embedder that shares a space with the image
    embedder that made ``image_emb`` ``(N, D)`` (e.g. Wav2CLIP and CLIP ViT-B/32).
    """
    a, v = np.asarray(audio_emb, np.float64), np.asarray(image_emb, np.float64)
    if a.ndim != 2 or a.shape != v.shape or a.shape[0] == 0:
        raise ConfigError(f"Audio and image embeddings must be paired (N, D) arrays of the same "
                          f"shape, got {a.shape} and {v.shape}.")
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(v, axis=1)
    if np.any(norms == 0):
        raise ConfigError("An embedding is all zeros, so its cosine is undefined; check the embedder input.")
    return float(100.0 * np.mean(np.sum(a * v, axis=1) / norms))


def class_accuracy(probs: np.ndarray, labels: np.ndarray, *,
                   label_map: Optional[Mapping[int, Collection[int]]] = None,
                   ignore: Collection[int] = ()) -> float:
    """Fraction of rows whose top-1 prediction is right.

    Without ``label_map`` a prediction is right when it equals the label. With it, the label
    ``y`` accepts any predicted class in ``label_map[y]`` (IM2WAV maps an ImageHear class to
    several AudioSet classes). Classes in ``ignore`` are never predicted (IM2WAV drops
    AudioSet's general classes before taking the top one).
    """
    p, y = _checked(probs, labels)
    if ignore:
        p[:, list(ignore)] = -np.inf
    top = p.argmax(axis=1)
    if label_map is None:
        return float(np.mean(top == y))
    unknown = sorted({int(k) for k in y if int(k) not in label_map})
    if unknown:
        raise ConfigError(f"label_map has no entry for label(s) {unknown[:5]}; add them or drop those clips.")
    return float(np.mean([int(t) in label_map[int(k)] for t, k in zip(top, y)]))


def accuracy_per_class(probs: np.ndarray, labels: np.ndarray) -> dict[int, float]:
    """Top-1 accuracy among the rows of each label present: ``{label: fraction right}``, by label."""
    p, y = _checked(probs, labels)
    top = p.argmax(axis=1)
    return {int(c): float(np.mean(top[y == c] == c)) for c in np.unique(y)}


def _checked(probs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p, y = np.array(probs, np.float64), np.asarray(labels)  # (N, C), (N,)
    if p.ndim != 2 or y.shape != (p.shape[0],) or p.shape[0] == 0:
        raise ConfigError(f"Need (N, C) scores and N labels, got {p.shape} and {y.shape}.")
    return p, y
