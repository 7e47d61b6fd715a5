"""The seam measure flags an inserted discontinuity and not a smooth crossfade."""
from __future__ import annotations

import numpy as np
import pytest

from foley_studio.errors import ConfigError
from foley_studio.evaluation.seams import click_rate, seam_scores

RATE = 22050
SEAM = 0.5123
N = RATE
T = np.arange(N) / RATE
IDX = int(SEAM * RATE)


def _crossfade(a: np.ndarray, b: np.ndarray, seconds: float = 0.02) -> np.ndarray:
    w = np.clip((np.arange(N) - (IDX - seconds * RATE / 2)) / (seconds * RATE), 0.0, 1.0)
    return a * (1 - w) + b * w


def _cut(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(np.arange(N) < IDX, a, b)


TONE_A = 0.5 * np.sin(2 * np.pi * 440 * T)
TONE_B = 0.5 * np.sin(2 * np.pi * 660 * T + 1.0)
NOISE_A, NOISE_B = np.random.default_rng(0).normal(0, 0.1, (2, N))


@pytest.mark.parametrize("signal", [_cut(TONE_A, TONE_B), _cut(TONE_A, -TONE_A),
                                    _cut(0.01 * TONE_A, 0.01 * TONE_B), _cut(0 * TONE_A, TONE_A)],
                         ids=["tone-cut", "phase-flip", "quiet-cut", "silence-to-tone"])
def test_discontinuity_is_flagged(signal: np.ndarray) -> None:
    (score,) = seam_scores(signal, RATE, [SEAM])
    assert score.clicked and max(score.jump_ratio, score.flux_ratio) > 3.0


@pytest.mark.parametrize("signal", [_crossfade(TONE_A, TONE_B), _crossfade(NOISE_A, NOISE_B),
                                    _crossfade(NOISE_A, TONE_A), _crossfade(TONE_A, NOISE_A),
                                    TONE_A],
                         ids=["tone-fade", "noise-fade", "noise-to-tone", "tone-to-noise", "no-seam"])
def test_smooth_crossfade_is_not_flagged(signal: np.ndarray) -> None:
    (score,) = seam_scores(signal, RATE, [SEAM])
    assert not score.clicked and score.jump_ratio < 1.5 and score.flux_ratio < 1.5


def test_click_rate_over_several_seams() -> None:
    signal = _crossfade(TONE_A, TONE_B)
    signal[int(0.8 * RATE)] += 0.5  # one inserted single-sample click at the second seam
    scores = seam_scores(signal, RATE, [SEAM, 0.8])
    assert [s.clicked for s in scores] == [False, True]
    assert click_rate(scores) == pytest.approx(0.5)


def test_seam_outside_clip_is_named() -> None:
    with pytest.raises(ConfigError, match="outside the clip"):
        seam_scores(TONE_A, RATE, [2.0])


@pytest.mark.parametrize("cls", ["bell", "engine", "wind"])
def test_world_clips_spliced_by_cut_and_by_crossfade(cls: str) -> None:
    """Splicing two renders of a sustained world sound: a hard cut clicks, a 20 ms fade does not."""
    from foley_studio.data.world import render_clip

    a, b = (render_clip(seed, cls, 2.0, second=False).audio.astype(np.float64) for seed in (1, 2))
    at = int(1.0 * 22050) + 37
    weight = np.clip((np.arange(len(a)) - (at - 220)) / 441, 0.0, 1.0)
    (cut,) = seam_scores(np.concatenate([a[:at], b[at:]]), 22050, [at / 22050])
    (fade,) = seam_scores(a * (1 - weight) + b * weight, 22050, [at / 22050])
    assert cut.clicked and not fade.clicked
