"""Training loops: progress, cancellation, determinism and label checks."""
from __future__ import annotations

import numpy as np
import pytest

from foley_studio.errors import Cancelled, ConfigError
from foley_studio.evaluation.training import TrainConfig, train_audio_classifier, train_image_classifier
from foley_studio.progress import CancelToken

RATE = 8000
TINY = TrainConfig(steps=3, batch_size=4, crop_s=0.5)


def _audio(n: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(0, 0.1, (n, RATE)).astype(np.float32), np.arange(n) % 2


def test_progress_and_determinism() -> None:
    x, y = _audio()
    seen: list[tuple[int, int]] = []
    first = train_audio_classifier(x, y, ["a", "b"], RATE, TINY, progress=lambda d, t: seen.append((d, t)))
    second = train_audio_classifier(x, y, ["a", "b"], RATE, TINY)
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert first.losses == second.losses and first.heldout_accuracy is None


def test_cancel_stops_training() -> None:
    x, y = _audio()
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        train_audio_classifier(x, y, ["a", "b"], RATE, TINY, cancel=token)


def test_labels_must_fit_the_classes() -> None:
    x, y = _audio()
    with pytest.raises(ConfigError, match=r"\[0, 2\)"):
        train_audio_classifier(x, y + 1, ["a", "b"], RATE, TINY)
    with pytest.raises(ConfigError, match="one label per item"):
        train_image_classifier(np.zeros((3, 16, 16, 3), np.uint8), np.zeros(2), ["a"], TINY)
    with pytest.raises(ConfigError, match="steps"):
        train_audio_classifier(x, y, ["a", "b"], RATE, TrainConfig(steps=0))
