"""Paired KL, Inception Score, CLIP-score and accuracy on hand-computable inputs."""
from __future__ import annotations

import numpy as np
import pytest

from foley_studio.errors import ConfigError
from foley_studio.evaluation.distributions import inception_score, kl_rows, paired_kl
from foley_studio.evaluation.scores import accuracy_per_class, class_accuracy, clip_score


def test_kl_of_two_coins() -> None:
    p, q = np.array([[0.5, 0.5]]), np.array([[0.9, 0.1]])
    expected = 0.5 * np.log(0.5 / 0.9) + 0.5 * np.log(0.5 / 0.1)
    assert kl_rows(p, q, eps=0.0)[0] == pytest.approx(expected)
    assert kl_rows(p, p)[0] == pytest.approx(0.0, abs=1e-5)


def test_paired_kl_pairs_by_clip_id_and_averages() -> None:
    real = {"a": np.array([1.0, 0.0]), "b": np.array([0.5, 0.5])}
    fake = np.array([[0.5, 0.5], [0.5, 0.5], [0.25, 0.75]])
    got = paired_kl(real, fake, ["a", "b", "b"])
    per = [np.log(1 / (0.5 + 1e-6)), np.log(0.5 / (0.5 + 1e-6)),
           0.5 * np.log(0.5 / (0.25 + 1e-6)) + 0.5 * np.log(0.5 / (0.75 + 1e-6))]
    assert got == pytest.approx(np.mean(per), rel=1e-9)


def test_paired_kl_names_missing_reference() -> None:
    with pytest.raises(ConfigError, match="zz"):
        paired_kl({"a": np.array([1.0, 0.0])}, np.array([[1.0, 0.0]]), ["zz"])
    with pytest.raises(ConfigError, match="softmax"):
        paired_kl({"a": np.array([1.0, 0.0])}, np.array([[2.0, 0.0]]), ["a"])


def test_inception_score_extremes() -> None:
    confident = np.eye(4)  # four sure, different predictions: IS = number of classes
    assert inception_score(confident, splits=1).mean == pytest.approx(4.0)
    uniform = np.full((8, 4), 0.25)
    assert inception_score(uniform, splits=2).mean == pytest.approx(1.0)
    same = np.tile([1.0, 0.0, 0.0, 0.0], (6, 1))  # sure but always the same class
    assert inception_score(same, splits=3).mean == pytest.approx(1.0)


def test_inception_score_splits_give_spread() -> None:
    probs = np.vstack([np.eye(2), np.full((2, 2), 0.5)])
    score = inception_score(probs, splits=2)
    assert score.mean == pytest.approx(1.5) and score.std == pytest.approx(0.5)
    with pytest.raises(ConfigError, match="splits"):
        inception_score(probs, splits=5)


def test_clip_score_is_hundred_times_cosine() -> None:
    a = np.array([[1.0, 0.0], [1.0, 1.0]])
    v = np.array([[2.0, 0.0], [-1.0, 1.0]])
    assert clip_score(a, v) == pytest.approx(50.0)
    with pytest.raises(ConfigError, match="paired"):
        clip_score(a, v[:1])


def test_accuracy_plain_mapped_and_ignored() -> None:
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.6, 0.1, 0.3]])
    assert class_accuracy(probs, np.array([0, 1, 2])) == pytest.approx(2 / 3)
    assert class_accuracy(probs, np.array([0, 1, 2]), ignore=[0]) == pytest.approx(2 / 3)
    mapped = {0: {0, 2}, 1: {1}}
    assert class_accuracy(probs, np.array([0, 1, 0]), label_map=mapped) == pytest.approx(1.0)
    assert class_accuracy(probs, np.array([1, 1, 1]), label_map=mapped) == pytest.approx(1 / 3)
    with pytest.raises(ConfigError, match="label_map"):
        class_accuracy(probs, np.array([5, 1, 1]), label_map=mapped)


def test_accuracy_per_class_counts_each_label_apart() -> None:
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.6, 0.1, 0.3], [0.2, 0.1, 0.7]])
    assert accuracy_per_class(probs, np.array([0, 1, 2, 2])) == {0: 1.0, 1: 1.0, 2: 0.5}
    assert accuracy_per_class(probs, np.array([2, 2, 2, 2])) == {2: 0.25}
    with pytest.raises(ConfigError, match="4 labels|N labels"):
        accuracy_per_class(probs, np.array([0, 1]))
