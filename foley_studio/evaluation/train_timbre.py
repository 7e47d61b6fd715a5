"""Train the timbre-only judge (:mod:`foley_studio.evaluation.timbre`) on a world's real clips.

``foley-studio train timbre-judge --data WORLD --out FILE.json`` reads the ``train`` split's
4-s windows at 16 kHz, fits the softmax regression on their rhythm-free features, measures the
``test`` split and writes the judge (about 40 KB of JSON) with both accuracies in its ``meta``.
The shipped judge is ``--data runs/world --out foley_studio/evaluation/timbre_judge.json``.
Deterministic: the same clips give the same judge.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from foley_studio.errors import ConfigError
from foley_studio.training.options import add_ranged


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``train timbre-judge``."""
    parser.add_argument("--data", required=True, type=Path, help="rendered world folder (vggsound.csv + video/)")
    parser.add_argument("--out", required=True, type=Path, help="the judge's JSON file")
    add_ranged(parser, "l2", 1e-2, "L2 weight of the regression")
    add_ranged(parser, "seconds", 4.0, "clip length read from each video")


def load_audio(root: Path, split: str, seconds: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """16-kHz audio ``(N, S)``, labels ``(N,)`` and class names of one split."""
    from foley_studio.data.dataset import AVDataset
    from foley_studio.evaluation.timbre import JUDGE_RATE

    ds = AVDataset(root, split=split, sample_rate=JUDGE_RATE, seconds=seconds, fps=1.0 / seconds)
    if len(ds) == 0:
        raise ConfigError(f"{root} has no clips in its {split!r} split; render a world with "
                          "'foley-studio synth'.")
    items = [ds[i] for i in range(len(ds))]
    return (np.stack([it["audio"] for it in items]), np.array([it["label"] for it in items]),
            list(ds.classes))


def run_train(args: argparse.Namespace) -> int:
    """Fit on ``train``, measure on ``test``, save, print both accuracies."""
    from foley_studio.evaluation.timbre import JUDGE_RATE, fit_judge, timbre_features

    if args.l2 <= 0:
        raise ConfigError(f"--l2 must be positive, got {args.l2}.")
    x, y, classes = load_audio(args.data, "train", args.seconds)
    hx, hy, _ = load_audio(args.data, "test", args.seconds)
    feats, held = timbre_features(x, JUDGE_RATE), timbre_features(hx, JUDGE_RATE)
    judge = fit_judge(feats, y, classes, l2=args.l2)
    train_acc = float((judge.logits(feats).argmax(1) == y).mean())
    held_acc = float((judge.logits(held).argmax(1) == hy).mean())
    judge.meta = {"data": str(args.data), "n_train": len(y), "n_test": len(hy), "l2": args.l2,
                  "train_accuracy": train_acc, "heldout_accuracy": held_acc}
    judge.save(args.out)
    print(f"timbre judge: train accuracy {train_acc:.3f}, held-out accuracy {held_acc:.3f} on "
          f"{len(hy)} test clips; saved {args.out}")
    return 0
