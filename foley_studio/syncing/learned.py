"""A small learned hit detector: the motion features of :mod:`.motion`, read by a network
trained on the procedural world's event frames (torch; load this module only when used).

:class:`HitNet` sees each frame's :data:`~foley_studio.syncing.motion.FEATURES` as
``log10(x + 1e-6)``, both as they are and less their median over the clip (so a busy clip
and a calm one share a scale), standardised with the training set's mean and spread. Three
1-D convolutions over time (kernel 5, the second dilated by 2: ±6 frames of context) give one
logit per frame. Hits are its probability peaks (largest within ±2 frames, at least
``threshold``, not beside a cut), placed at the frame's time; their strengths come from the motion itself
(the impact curve at those frames, :func:`~foley_studio.syncing.visual.hits_at`).

Weights are the project's own format (safetensors + JSON, kind ``sync-detector``); the shipped
set (:data:`SHIPPED`) is made by ``foley-studio train sync-detector``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from torch import nn

from foley_studio.errors import CheckpointError
from foley_studio.progress import CancelToken, ProgressFn
from foley_studio.sync import SyncTrack
from foley_studio.syncing.motion import FEATURES, near_cuts
from foley_studio.syncing.visual import (IMPACT, RegionFrames, VisualConfig, hits_at, pick_peaks,
                                         region_features)

KIND = "sync-detector"
SHIPPED = Path(__file__).with_name("sync_detector")
"""The shipped weights (``sync_detector.safetensors`` + ``.json``)."""


def prepare(feats: np.ndarray) -> np.ndarray:
    """Network input ``(T, 2F)`` from motion features ``(T, F)``: log levels, and the same less
    their median over the clip."""
    logs = np.log10(np.asarray(feats, np.float64) + 1e-6)  # (T, F)
    return np.concatenate([logs, logs - np.median(logs, axis=0)], axis=1).astype(np.float32)


class HitNet(nn.Module):
    """Per-frame hit logits from prepared features: ``(B, T, 2F)`` → ``(B, T)``."""

    def __init__(self, features: int = 2 * len(FEATURES), width: int = 32) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(features))
        self.register_buffer("scale", torch.ones(features))
        self.body = nn.Sequential(
            nn.Conv1d(features, width, 5, padding=2), nn.GELU(),
            nn.Conv1d(width, width, 5, padding=4, dilation=2), nn.GELU(),
            nn.Conv1d(width, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.mean) / self.scale  # (B, T, 2F)
        return self.body(x.transpose(1, 2))[:, 0]  # (B, T)


class LearnedDetector:
    """A trained :class:`HitNet` and the probability a peak needs to count as a hit."""

    def __init__(self, net: HitNet, threshold: float) -> None:
        self.net, self.threshold = net.eval(), float(threshold)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "LearnedDetector":
        """Weights written by ``foley-studio train sync-detector`` (path without suffix)."""
        from foley_studio.models.weights import load_module, read_meta

        meta = read_meta(Path(path), kind=KIND)
        return cls(load_module(HitNet, Path(path), kind=KIND), meta["threshold"])

    @classmethod
    def shipped(cls) -> "LearnedDetector":
        """The weights that come with Foley Studio."""
        if not SHIPPED.with_suffix(".json").is_file():
            raise CheckpointError("No learned sync detector ships with this build; train one with "
                                  "'foley-studio train sync-detector' and pass --weights.")
        return cls.load(SHIPPED)

    def probabilities(self, feats: np.ndarray) -> np.ndarray:
        """Per-frame hit probability ``(T,)`` from motion features ``(T, F)``."""
        with torch.no_grad():
            logits = self.net(torch.from_numpy(prepare(feats))[None])[0]
        return torch.sigmoid(logits).numpy().astype(np.float64)

    def track(self, region: RegionFrames, feats: np.ndarray) -> SyncTrack:
        """The hits of ``region`` from its features ``(T, F)``."""
        config = VisualConfig(floor=self.threshold, relative=0.0)
        peaks = pick_peaks(np.where(near_cuts(feats), 0.0, self.probabilities(feats)), config)
        return hits_at(peaks, feats[:, IMPACT], region, config.decay_s)  # strength from the motion


def detect_learned_hits(source: str | os.PathLike, start: float, end: float, *,
                        weights: Optional[str | os.PathLike] = None,
                        progress: Optional[ProgressFn] = None,
                        cancel: Optional[CancelToken] = None) -> SyncTrack:
    """Hits in ``[start, end)`` of ``source`` by the learned detector (``weights`` or the shipped)."""
    model = LearnedDetector.load(weights) if weights else LearnedDetector.shipped()
    region, feats = region_features(source, start, end, progress=progress, cancel=cancel)
    return model.track(region, feats)
