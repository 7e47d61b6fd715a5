"""The timbre-only judge: the shipped one knows the world's classes from their sound alone, and
moving a class's sound to other times (or another class's sound to its times) cannot fool it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from foley_studio.data.world import CLASSES, render_clip
from foley_studio.errors import CheckpointError, ConfigError
from foley_studio.evaluation.timbre import SHIPPED, TimbreJudge, fit_judge, timbre_features

RATE = 16000
SECONDS = 4.0
HITTERS = ("ball", "bell", "clock", "drum", "footsteps")  # classes whose sound comes in hits


@pytest.fixture(scope="module")
def judge() -> TimbreJudge:
    return TimbreJudge.load()


def _hit(cls: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One hit of ``cls`` cut from a rendered clip (up to the next event, at most 0.3 s), and
    the clip's event times."""
    clip = render_clip(seed, cls, SECONDS, second=False, sample_rate=RATE)
    times = clip.event_times()
    gaps = np.diff(np.append(times, SECONDS))
    start, length = int(times[0] * RATE), int(min(0.3, gaps[0]) * RATE)
    return clip.audio[start:start + length], times


def _place(snippet: np.ndarray, times: np.ndarray) -> np.ndarray:
    """``snippet`` at each of ``times`` on a faint noise floor (4 s)."""
    out = 1e-4 * np.random.default_rng(0).standard_normal(int(SECONDS * RATE))
    for t in times:
        i = int(t * RATE)
        piece = snippet[:len(out) - i]
        out[i:i + len(piece)] += piece
    return out.astype(np.float32)


def test_the_shipped_judge_knows_the_world_classes_and_its_accuracy(judge: TimbreJudge) -> None:
    assert tuple(judge.classes) == tuple(CLASSES)
    assert judge.meta["heldout_accuracy"] >= 0.98 and judge.meta["n_test"] == 240
    assert SHIPPED.stat().st_size < 200_000


@pytest.mark.parametrize("cls, other", [("clock", "ball"), ("footsteps", "drum"), ("ball", "clock"),
                                        ("drum", "footsteps")])
def test_rhythm_cannot_fool_it(judge: TimbreJudge, cls: str, other: str) -> None:
    """A class's hit re-timed keeps its label; another class's hit at this class's times does
    not take this class's label."""
    hit, times = _hit(cls, 3)
    other_hit, _ = _hit(other, 4)
    retimed = np.sort(np.random.default_rng(1).uniform(0.2, 3.6, 2 * len(times) + 3))
    clips = np.stack([_place(hit, retimed), _place(other_hit, times)])
    guess = [judge.classes[k] for k in judge.predict_proba(clips, RATE).argmax(axis=1)]
    assert guess[0] == cls
    assert guess[1] != cls


def test_features_do_not_depend_on_when_or_how_often(judge: TimbreJudge) -> None:
    hit, _ = _hit("clock", 5)
    few, many = (_place(hit, np.linspace(0.3, 3.3, n)) for n in (4, 9))
    f = timbre_features(np.stack([few, many]), RATE)
    spread = timbre_features(np.stack([_place(_hit(c, 6)[0], [0.5, 1.5, 2.5]) for c in HITTERS]), RATE)
    assert np.abs(f[0] - f[1]).mean() < 0.25 * np.abs(spread - spread.mean(0)).mean()


def test_fit_save_load_round_trip(tmp_path) -> None:
    rng = np.random.default_rng(0)
    feats = np.concatenate([rng.normal(0, 1, (20, 3)), rng.normal(4, 1, (20, 3))])
    labels = np.repeat([0, 1], 20)
    fitted = fit_judge(feats, labels, ["a", "b"], meta={"note": "x"})
    assert (fitted.logits(feats).argmax(1) == labels).mean() == 1.0
    fitted.save(tmp_path / "j.json")
    again = TimbreJudge.load(tmp_path / "j.json")
    assert np.allclose(again.logits(feats), fitted.logits(feats)) and again.meta == {"note": "x"}


def test_bad_input_and_files_are_refused(tmp_path) -> None:
    with pytest.raises(ConfigError, match="one label"):
        fit_judge(np.zeros((3, 2)), np.array([0, 1, 5]), ["a", "b"])
    with pytest.raises(ConfigError, match="at least 0.1 s"):
        timbre_features(np.zeros((1, 10), np.float32), RATE)
    (tmp_path / "other.json").write_text(json.dumps({"kind": "something"}))
    with pytest.raises(CheckpointError, match="not a timbre judge"):
        TimbreJudge.load(tmp_path / "other.json")
    with pytest.raises(CheckpointError, match="train timbre-judge"):
        TimbreJudge.load(tmp_path / "missing.json")
