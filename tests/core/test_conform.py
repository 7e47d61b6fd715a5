"""Conform on synthetic impact and click trains with known offsets."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foley_studio.conform import ConformConfig, conform_take
from foley_studio.errors import ConfigError
from foley_studio.evaluation.onsets import detect_onsets, match_onsets

RATE = 16000
HITS = np.array([0.3, 0.75, 1.2, 1.9, 2.4, 3.1, 3.6])


def impact(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n) / RATE
    return (np.sin(2 * np.pi * 150 * t) + 0.5 * rng.standard_normal(n)) * np.exp(-t / 0.03)


def train(times: np.ndarray, seed: int = 0, kind: str = "impact") -> np.ndarray:
    """A 4-s take with an impact (or a one-sample click) at each of ``times``."""
    rng = np.random.default_rng(seed)
    x = 0.001 * rng.standard_normal(4 * RATE)
    for t in times:
        i = int(round(t * RATE))
        if kind == "click":
            x[i] += 0.8
        else:
            x[i:i + 2400] += 0.5 * impact(rng, 2400)[:len(x) - i]
    return x.astype(np.float32)


@pytest.mark.parametrize("kind", ["impact", "click"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conform_puts_each_onset_on_its_hit(kind: str, seed: int) -> None:
    offsets = np.random.default_rng(seed + 10).uniform(-0.09, 0.09, len(HITS))
    take = train(HITS + offsets, seed, kind)
    before = match_onsets(detect_onsets(take, RATE), HITS)
    result = conform_take(take, RATE, HITS)
    after = match_onsets(detect_onsets(result.audio, RATE), HITS)
    assert before.median_abs_ms > 20 or before.miss_rate > 0.3  # the take was off
    assert after.median_abs_ms <= 5.0 and after.miss_rate == 0.0 and after.extra_rate == 0.0
    assert len(result.moves) == len(HITS) and result.missing == () and result.extra == ()
    assert result.audio.shape == take.shape and result.audio.dtype == np.float32
    assert [m.shift for m in result.moves] == pytest.approx(-offsets, abs=0.002)


def test_attacks_are_moved_whole_not_stretched() -> None:
    offsets = np.array([0.05, -0.06, 0.08, -0.02, 0.04, -0.07, 0.03])
    take = train(HITS + offsets, 3)
    result = conform_take(take, RATE, HITS)
    for move in result.moves:
        src, dst, n = int(round(move.onset * RATE)), int(round(move.hit * RATE)), int(0.02 * RATE)
        np.testing.assert_allclose(result.audio[dst:dst + n], take[src:src + n], atol=1e-6)


def test_missing_and_extra_hits_are_reported() -> None:
    take = train(np.array([0.32, 1.25, 2.0]), 4)  # a transient at 2.0 s no hit wants
    result = conform_take(take, RATE, [0.3, 1.2, 3.0])  # and nothing near the hit at 3.0 s
    assert [round(m.hit, 3) for m in result.moves] == [0.3, 1.2]
    assert result.missing == (3.0,)
    assert result.extra == pytest.approx((2.0,), abs=0.003)
    report = result.report()
    assert report["missing"] == [3.0] and len(report["moves"]) == 2
    assert report["median_shift_ms"] == pytest.approx(35, abs=3)


def test_far_away_transients_are_left_alone() -> None:
    take = train(np.array([1.0]), 5)
    result = conform_take(take, RATE, [1.5], config=ConformConfig(max_shift_s=0.2))
    assert result.moves == () and result.missing == (1.5,) and len(result.extra) == 1
    np.testing.assert_array_equal(result.audio, take)


def test_no_hits_leaves_the_take_as_it_was() -> None:
    take = train(HITS, 6)
    np.testing.assert_array_equal(conform_take(take, RATE, []).audio, take)


@pytest.mark.parametrize("audio, rate", [(np.zeros((2, 100)), RATE), (np.zeros(0), RATE),
                                         (np.full(RATE, np.nan), RATE), (np.zeros(RATE), 0)])
def test_bad_takes_are_refused(audio: np.ndarray, rate: int) -> None:
    with pytest.raises(ConfigError):
        conform_take(audio, rate, [0.5])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.0, 1.99), max_size=6), st.lists(st.floats(0.0, 1.99), max_size=6),
       st.integers(0, 2**16))
def test_any_hits_give_a_finite_take_of_the_same_length(sounds, hits, seed) -> None:
    rate = 8000
    rng = np.random.default_rng(seed)
    x = 0.001 * rng.standard_normal(2 * rate)
    for t in sounds:
        i = int(t * rate)
        x[i:i + 400] += 0.5 * rng.standard_normal(len(x[i:i + 400])) * np.exp(-np.arange(len(x[i:i + 400])) / 80)
    result = conform_take(x, rate, hits)
    assert result.audio.shape == x.shape and np.isfinite(result.audio).all()
    assert np.abs(result.audio).max() <= 1.5 * np.abs(x).max() + 1e-6
    assert len(result.moves) + len(result.missing) == len(hits)
