"""Training loops for the world classifiers, on clips already loaded into memory.

Deterministic for a given seed (one process, fixed batch order, no data-loader workers).
Audio batches are random ``crop_s`` crops with a random gain of up to ``±gain_db``; image
batches are random frames. The schedule is one-cycle AdamW.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from foley_studio.errors import ConfigError
from foley_studio.evaluation.scores import class_accuracy
from foley_studio.evaluation.world_models import (WorldAudioModel, WorldAudioNet, WorldImageModel,
                                                  WorldImageNet)
from foley_studio.progress import CancelToken, ProgressFn, check_cancel, report


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of :func:`train_audio_classifier` / :func:`train_image_classifier`."""

    steps: int = 300
    batch_size: int = 32
    lr: float = 3e-3
    weight_decay: float = 1e-4
    seed: int = 0
    crop_s: float = 2.0
    gain_db: float = 6.0


@dataclass
class TrainResult:
    """A trained model, its training losses and its accuracies."""

    model: WorldAudioModel | WorldImageModel
    losses: list[float] = field(repr=False)
    train_accuracy: float
    heldout_accuracy: Optional[float]


def train_audio_classifier(audio: np.ndarray, labels: np.ndarray, classes: Sequence[str],
                           rate: int, config: TrainConfig = TrainConfig(), *,
                           heldout: Optional[tuple[np.ndarray, np.ndarray]] = None,
                           progress: Optional[ProgressFn] = None,
                           cancel: Optional[CancelToken] = None) -> TrainResult:
    """Train a :class:`WorldAudioNet` on clips ``audio`` ``(N, S)`` at ``rate`` with ``labels`` ``(N,)``."""
    x, y = _check(audio, labels, classes, "audio clips")
    torch.manual_seed(config.seed)
    net = WorldAudioNet(classes, sample_rate=rate)
    crop = min(x.shape[1], max(1, int(config.crop_s * rate)))
    rng = np.random.default_rng(config.seed)

    def batch() -> tuple[torch.Tensor, torch.Tensor]:
        idx = rng.integers(0, len(x), config.batch_size)
        starts = rng.integers(0, x.shape[1] - crop + 1, config.batch_size)
        gains = 10.0 ** (rng.uniform(-config.gain_db, config.gain_db, (config.batch_size, 1)) / 20)
        clips = np.stack([x[i, s:s + crop] for i, s in zip(idx, starts)]) * gains  # (B, crop)
        return torch.from_numpy(clips.astype(np.float32)), torch.from_numpy(y[idx])

    losses = _fit(net, batch, config, progress, cancel)
    model = WorldAudioModel(net)
    return _result(model, losses, model.predict_proba(x, rate), y,
                   None if heldout is None else (model.predict_proba(heldout[0], rate), heldout[1]))


def train_image_classifier(frames: np.ndarray, labels: np.ndarray, classes: Sequence[str],
                           config: TrainConfig = TrainConfig(), *,
                           heldout: Optional[tuple[np.ndarray, np.ndarray]] = None,
                           progress: Optional[ProgressFn] = None,
                           cancel: Optional[CancelToken] = None) -> TrainResult:
    """Train a :class:`WorldImageNet` on uint8 ``frames`` ``(N, H, W, 3)`` with ``labels`` ``(N,)``."""
    x, y = _check(frames, labels, classes, "frames")
    torch.manual_seed(config.seed)
    net = WorldImageNet(classes)
    rng = np.random.default_rng(config.seed)

    def batch() -> tuple[torch.Tensor, torch.Tensor]:
        idx = rng.integers(0, len(x), config.batch_size)
        return torch.from_numpy(x[idx]), torch.from_numpy(y[idx])

    losses = _fit(net, batch, config, progress, cancel)
    model = WorldImageModel(net)
    return _result(model, losses, model.predict_proba(x), y,
                   None if heldout is None else (model.predict_proba(heldout[0]), heldout[1]))


def _fit(net: torch.nn.Module, batch, config: TrainConfig, progress: Optional[ProgressFn],
         cancel: Optional[CancelToken]) -> list[float]:
    """AdamW with a one-cycle schedule for ``config.steps`` steps; returns the losses."""
    if config.steps < 1 or config.batch_size < 1:
        raise ConfigError(f"steps ({config.steps}) and batch size ({config.batch_size}) must be ≥ 1.")
    opt = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=config.steps)
    net.train()
    losses = []
    for step in range(config.steps):
        check_cancel(cancel)
        inputs, targets = batch()
        loss = F.cross_entropy(net(inputs), targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        report(progress, step + 1, config.steps)
    net.eval()
    return losses


def _result(model, losses: list[float], train_probs: np.ndarray, train_labels: np.ndarray,
            heldout: Optional[tuple[np.ndarray, np.ndarray]]) -> TrainResult:
    held = None if heldout is None else class_accuracy(heldout[0], np.asarray(heldout[1]))
    return TrainResult(model, losses, class_accuracy(train_probs, train_labels), held)


def _check(x: np.ndarray, labels: np.ndarray, classes: Sequence[str], name: str
           ) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=np.int64)
    if len(x) == 0 or y.shape != (len(x),):
        raise ConfigError(f"Need one label per item: {len(x)} {name}, labels of shape {y.shape}.")
    if y.min() < 0 or y.max() >= len(classes):
        raise ConfigError(f"Labels must lie in [0, {len(classes)}) for the {len(classes)} classes, "
                          f"got {y.min()}..{y.max()}.")
    return np.asarray(x), y
