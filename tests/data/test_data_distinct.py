"""Each class sounds and looks like itself: nearest-centroid classifiers trained on some seeds
name the class of clips from other seeds (log-mel for sound, colour histograms for picture)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import stft

from foley_studio.data.world import CLASSES, SAMPLE_RATE, render_clip

TRAIN_SEEDS, TEST_SEEDS = range(100, 105), range(900, 903)


def mel_bank(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Triangular mel filters ``(n_mels, n_fft // 2 + 1)``."""
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    hz = lambda m: 700 * (10 ** (m / 2595) - 1)  # noqa: E731
    edges = hz(np.linspace(mel(30.0), mel(sr / 2), n_mels + 2))
    freqs = np.fft.rfftfreq(n_fft, 1 / sr)
    rising = (freqs[None] - edges[:-2, None]) / (edges[1:-1, None] - edges[:-2, None])
    falling = (edges[2:, None] - freqs[None]) / (edges[2:, None] - edges[1:-1, None])
    return np.clip(np.minimum(rising, falling), 0, None)


BANK = mel_bank(SAMPLE_RATE, 1024, 48)


def sound_features(audio: np.ndarray) -> np.ndarray:
    """Mean and spread over time of the log-mel spectrogram ``(96,)``."""
    _, _, spec = stft(audio, nperseg=1024, noverlap=768)
    logmel = np.log(BANK @ np.abs(spec) ** 2 + 1e-8)  # (48, T)
    return np.concatenate([logmel.mean(1), logmel.std(1)])


def look_features(frames: np.ndarray) -> np.ndarray:
    """Square-rooted 4×4×4 colour histogram ``(64,)`` of every fifth frame."""
    q = frames[::5].astype(np.int64) // 64
    hist = np.bincount((q[..., 0] * 16 + q[..., 1] * 4 + q[..., 2]).ravel(), minlength=64)
    return np.sqrt(hist / hist.sum())


def nearest_centroid_accuracy(train: np.ndarray, y_train: np.ndarray, test: np.ndarray,
                              y_test: np.ndarray) -> float:
    mu, sd = train.mean(0), train.std(0) + 1e-6
    train, test = (train - mu) / sd, (test - mu) / sd
    centroids = np.stack([train[y_train == k].mean(0) for k in range(len(CLASSES))])
    guess = np.argmin(((test[:, None] - centroids[None]) ** 2).sum(-1), axis=1)
    return float(np.mean(guess == y_test))


@pytest.fixture(scope="module")
def features() -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """For 'train' and 'test': (sound features, look features, labels)."""
    out = {}
    for split, seeds in (("train", TRAIN_SEEDS), ("test", TEST_SEEDS)):
        clips = [(k, render_clip(seed * 31 + k, cls, 2.0, second=False))
                 for k, cls in enumerate(CLASSES) for seed in seeds]
        out[split] = (np.stack([sound_features(c.audio) for _, c in clips]),
                      np.stack([look_features(c.frames) for _, c in clips]),
                      np.array([k for k, _ in clips]))
    return out


def test_sounds_are_told_apart(features) -> None:
    (s_tr, _, y_tr), (s_te, _, y_te) = features["train"], features["test"]
    assert nearest_centroid_accuracy(s_tr, y_tr, s_te, y_te) >= 0.95


def test_looks_are_told_apart(features) -> None:
    (_, v_tr, y_tr), (_, v_te, y_te) = features["train"], features["test"]
    assert nearest_centroid_accuracy(v_tr, y_tr, v_te, y_te) >= 0.90


def test_shuffled_labels_are_not_learnable(features) -> None:
    (s_tr, _, y_tr), (s_te, _, y_te) = features["train"], features["test"]
    shuffled = np.random.default_rng(0).permutation(y_tr)
    assert nearest_centroid_accuracy(s_tr, shuffled, s_te, y_te) < 0.5
