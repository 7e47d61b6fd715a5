"""Classifiers trained on ~64 world clips recognise held-out clips (slow: about two minutes)."""
from __future__ import annotations

import numpy as np
import pytest

from foley_studio.data.world import CLASSES, render_clip
from foley_studio.evaluation.training import TrainConfig, train_audio_classifier, train_image_classifier

pytestmark = pytest.mark.slow
FRAMES = [0, 50, 99]  # three frames of each 4-second clip


@pytest.fixture(scope="module")
def world():
    """64 training and 40 held-out clips, classes in turn, disjoint seeds."""
    train = [render_clip(1000 + i, CLASSES[i % len(CLASSES)]) for i in range(64)]
    held = [render_clip(5000 + i, CLASSES[i % len(CLASSES)]) for i in range(40)]
    return train, held


def _labels(clips) -> np.ndarray:
    return np.array([CLASSES.index(c.label) for c in clips])


def test_audio_classifier_reaches_ninety_percent(world) -> None:
    train, held = world
    result = train_audio_classifier(np.stack([c.audio for c in train]), _labels(train), CLASSES, 22050,
                                    TrainConfig(steps=150),
                                    heldout=(np.stack([c.audio for c in held]), _labels(held)))
    print(f"world audio classifier: held-out accuracy {result.heldout_accuracy:.3f}")
    assert result.heldout_accuracy >= 0.9


def test_image_classifier_reaches_ninety_percent(world) -> None:
    train, held = world
    frames = lambda clips: np.concatenate([c.frames[FRAMES] for c in clips])  # noqa: E731
    result = train_image_classifier(frames(train), np.repeat(_labels(train), len(FRAMES)), CLASSES,
                                    TrainConfig(steps=100),
                                    heldout=(frames(held), np.repeat(_labels(held), len(FRAMES))))
    print(f"world image classifier: held-out accuracy {result.heldout_accuracy:.3f}")
    assert result.heldout_accuracy >= 0.9
