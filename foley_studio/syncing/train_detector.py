"""Train the learned sync detector on a rendered world's ``train`` split.

``foley-studio train sync-detector --data WORLD --out DIR [--per-class N]`` reads each clip's
motion features (cached under ``DIR/features``, or ``--cache``), fits a
:class:`~foley_studio.syncing.learned.HitNet` to the frames of the clip's visible events
(every object's: each makes a sound on screen) with class-balanced binary cross-entropy and
full-batch Adam, picks the probability threshold that gives the best F1 within ±1 frame on
the training clips, and writes ``DIR/sync_detector.safetensors`` + ``.json`` (threshold and
training figures recorded). The same clips, seed and steps give the same weights on the same
machine. Measure it with ``python benchmarks/bench_sync_detect.py --detector learned
--weights DIR/sync_detector``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from foley_studio.errors import ConfigError
from foley_studio.training.options import add_loop_options, add_ranged


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``train sync-detector``."""
    parser.add_argument("--data", required=True, type=Path, help="rendered world folder (events.jsonl + video/)")
    parser.add_argument("--out", required=True, type=Path, help="folder for the weights")
    add_ranged(parser, "per_class", None, "train clips per class", shown="all")
    parser.add_argument("--cache", type=Path, default=None, help="motion feature cache (default OUT/features)")
    add_loop_options(parser, steps=300, lr=3e-3)
    add_ranged(parser, "width", 32, "channels of the detector's convolutions")
    add_loop_options(parser, seed=0)


def run_train(args: argparse.Namespace) -> int:
    """Read the clips, fit, choose the threshold, save and print the training figures."""
    import cv2
    import torch

    from foley_studio.models.weights import save_module
    from foley_studio.syncing.learned import KIND, HitNet, LearnedDetector

    cv2.setNumThreads(1)
    torch.manual_seed(args.seed)
    clips = load_clips(args.data, args.per_class, args.cache or args.out / "features")
    net = fit(HitNet(width=args.width), clips, args.steps, args.lr)
    threshold, figures = pick_threshold(LearnedDetector(net, 0.5), clips)
    path = args.out / "sync_detector"
    save_module(net, {"features": net.mean.numel(), "width": args.width}, path, kind=KIND,
                extra={"threshold": threshold, "train": figures, "clips": len(clips),
                       "data": str(args.data), "steps": args.steps, "seed": args.seed})
    print(f"sync detector: {len(clips)} training clips, threshold {threshold:.2f}, training F1 "
          f"{figures['f1']:.3f} (P {figures['precision']:.3f}, R {figures['recall']:.3f}); "
          f"saved {path}.safetensors")
    return 0


def load_clips(root: Path, per_class: int | None, cache: Path) -> list[tuple]:
    """``(region, features (T, F), event frames (E,), label)`` of the train split's clips."""
    from foley_studio.syncing.world import clip_features, event_frames, world_rows

    counts: dict[str, int] = {}
    clips = []
    for row in world_rows(root, "train"):
        counts[row["label"]] = counts.get(row["label"], 0) + 1
        if per_class is None or counts[row["label"]] <= per_class:
            region, feats = clip_features(root, row, cache)
            clips.append((region, feats, event_frames(row), row["label"]))
    if not clips:
        raise ConfigError(f"{root} has no train clips; render the world with 'foley-studio synth'.")
    return clips


def fit(net, clips: list[tuple], steps: int, lr: float):
    """Full-batch Adam on every clip's frames; returns ``net`` in eval mode."""
    import torch

    from foley_studio.syncing.learned import prepare

    x, y = _batch(clips, prepare)  # (N, T, 2F), (N, T)
    flat = x.reshape(-1, x.shape[-1])
    net.mean.copy_(flat.mean(0))
    net.scale.copy_(flat.std(0).clamp_min(1e-3))
    weight = ((1 - y.mean()) / y.mean().clamp_min(1e-6)).sqrt()  # balance the rare hit frames
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=weight)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    net.train()
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
    return net.eval()


def _batch(clips: list[tuple], prepare) -> tuple:
    """Clips padded to the longest: inputs ``(N, T, 2F)``, targets ``(N, T)`` (1 on event frames)."""
    import torch

    length = max(len(c[1]) for c in clips)
    x = np.zeros((len(clips), length, 2 * clips[0][1].shape[1]), np.float32)
    y = np.zeros((len(clips), length), np.float32)
    for i, (_, feats, frames, _) in enumerate(clips):
        x[i, :len(feats)] = prepare(feats)
        y[i, frames[frames < len(feats)]] = 1.0
    return torch.from_numpy(x), torch.from_numpy(y)


def pick_threshold(model, clips: list[tuple]) -> tuple[float, dict]:
    """The threshold in 0.2…0.9 with the best pooled F1 (±1 frame) on ``clips``, and its figures."""
    from foley_studio.syncing.visual import VisualConfig, pick_peaks
    from foley_studio.syncing.world import score

    probs = [model.probabilities(feats) for _, feats, _, _ in clips]  # (T,) each
    best: tuple[float, float, dict] = (-1.0, 0.5, {})
    for threshold in np.arange(0.2, 0.91, 0.05):
        config = VisualConfig(floor=float(threshold), relative=0.0)
        found = [(label, np.round(region.times[pick_peaks(p, config)] * region.fps).astype(int), frames)
                 for p, (region, _, frames, label) in zip(probs, clips)]
        figures = score(found, clips[0][0].fps)["all"]
        if figures["f1"] > best[0]:
            best = (figures["f1"], float(threshold), figures)
    return best[1], best[2]
