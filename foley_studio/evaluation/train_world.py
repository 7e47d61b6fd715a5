"""Train the world audio or image classifier that evaluation uses (``--modality audio|image``).

``foley-studio train world-classifier --data DIR --out DIR`` reads a rendered world
(``foley-studio synth``) with :class:`foley_studio.data.dataset.AVDataset`, trains on the
``train`` split, measures accuracy on the ``test`` split and writes
``OUT/world_{modality}.safetensors`` + ``.json`` (weights, with the accuracies recorded) and
``OUT/log.jsonl``. The same data, seed and step count give the same weights on the same
machine and thread count.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from tqdm import tqdm

from foley_studio.errors import ConfigError
from foley_studio.evaluation.training import (TrainConfig, TrainResult, train_audio_classifier,
                                              train_image_classifier)
from foley_studio.training.options import add_loop_options, add_ranged, stated
from foley_studio.training.runtime import write_log

SAMPLE_RATE = 22050
FRAME_SIZE = 128


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``train world-classifier``."""
    defaults = TrainConfig()
    parser.add_argument("--data", required=True, type=Path, help="rendered world folder (vggsound.csv + video/)")
    parser.add_argument("--out", required=True, type=Path, help="folder for the weights and the log")
    parser.add_argument("--modality", choices=("audio", "image"), default="audio",
                        help=stated("which classifier", "audio"))
    add_loop_options(parser, steps=defaults.steps, batch_size=defaults.batch_size, lr=defaults.lr,
                     seed=defaults.seed)
    add_ranged(parser, "seconds", 4.0, "clip length read from each video (s)")
    add_ranged(parser, "frames_per_clip", 4, "frames taken from each clip (image)")


def run_train(args: argparse.Namespace) -> int:
    """Load both splits, train, save the weights and print the accuracies."""
    config = TrainConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed)
    x, y, classes = load_split(args.data, "train", args.modality, args.seconds, args.frames_per_clip)
    hx, hy, _ = load_split(args.data, "test", args.modality, args.seconds, args.frames_per_clip)
    with tqdm(total=config.steps, desc=f"world {args.modality} classifier", unit="step") as bar:
        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        if args.modality == "audio":
            result = train_audio_classifier(x, y, classes, SAMPLE_RATE, config, heldout=(hx, hy),
                                            progress=progress)
        else:
            result = train_image_classifier(x, y, classes, config, heldout=(hx, hy), progress=progress)
    path = Path(args.out) / f"world_{args.modality}"
    save_result(result, path, config, {"data": str(args.data), "n_train": len(x), "n_test": len(hx)})
    print(f"world {args.modality} classifier: train accuracy {result.train_accuracy:.3f}, held-out "
          f"accuracy {result.heldout_accuracy:.3f} on {len(hx)} test items; saved {path}.safetensors")
    return 0


def load_split(root: Path, split: str, modality: str, seconds: float, frames_per_clip: int
               ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Audio ``(N, S)`` or frames ``(N·K, H, W, 3)``, labels and class names of one split."""
    from foley_studio.data.dataset import AVDataset

    per_clip = frames_per_clip if modality == "image" else 1
    ds = AVDataset(root, split=split, sample_rate=SAMPLE_RATE, seconds=seconds,
                   fps=per_clip / seconds, image_size=FRAME_SIZE)
    if len(ds) == 0:
        raise ConfigError(f"{root} has no clips in its {split!r} split; render a world with "
                          "'foley-studio synth' (it puts every 5th round of classes in 'test').")
    items = [ds[i] for i in range(len(ds))]
    labels = np.array([it["label"] for it in items], np.int64)
    if modality == "audio":
        return np.stack([it["audio"] for it in items]), labels, list(ds.classes)
    frames = np.concatenate([it["frames"] for it in items])  # (N·K, H, W, 3)
    counts = [len(it["frames"]) for it in items]
    return frames, np.repeat(labels, counts), list(ds.classes)


def save_result(result: TrainResult, path: Path, config: TrainConfig, extra: dict) -> None:
    """Save the weights with their accuracies and append a summary to ``log.jsonl``."""
    record = {"train_accuracy": result.train_accuracy, "heldout_accuracy": result.heldout_accuracy,
              "steps": config.steps, "seed": config.seed, "final_loss": result.losses[-1], **extra}
    result.model.save(path, extra=record)
    write_log(Path(path).parent, {"weights": Path(path).name, **record,
                                  "loss_every_25": result.losses[::25]})
