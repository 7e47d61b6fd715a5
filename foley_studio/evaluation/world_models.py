"""The project's own evaluation networks, trained on the procedural world's clips.

* :class:`WorldAudioNet`: a small CNN on log-mel spectrograms; its penultimate layer is the
  embedding for Fréchet distance, its softmax the class distribution for KL, IS and accuracy.
* :class:`WorldImageNet`: a small CNN on RGB frames, for the audio→image storyboard metric.

:class:`WorldAudioModel` and :class:`WorldImageModel` wrap them behind the interfaces of
:mod:`foley_studio.evaluation.interfaces` (numpy in, numpy out, resampling as needed).
Weights are saved with :func:`foley_studio.models.weights.save_module`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torchaudio
from torch import nn

from foley_studio.evaluation.interfaces import check_audio_batch, check_frame_batch
from foley_studio.models.weights import load_module, save_module

AUDIO_KIND = "world-audio-classifier"
IMAGE_KIND = "world-image-classifier"


def _block(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True), nn.MaxPool2d(2))


class _PooledHead(nn.Module):
    """Global mean+max pooling, an embedding layer and the class layer."""

    def __init__(self, channels: int, embed_dim: int, n_classes: int, dropout: float) -> None:
        super().__init__()
        self.embedding = nn.Sequential(nn.Linear(2 * channels, embed_dim), nn.ReLU(inplace=True))
        self.drop = nn.Dropout(dropout)
        self.classify = nn.Linear(embed_dim, n_classes)

    def embed(self, feats: torch.Tensor) -> torch.Tensor:
        """``feats`` ``(B, C, H, W)`` → ``(B, embed_dim)``."""
        pooled = torch.cat([feats.mean(dim=(2, 3)), feats.amax(dim=(2, 3))], dim=1)  # (B, 2C)
        return self.embedding(pooled)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.classify(self.drop(self.embed(feats)))


class WorldAudioNet(nn.Module):
    """Log-mel CNN classifier for mono audio at ``sample_rate`` Hz."""

    def __init__(self, classes: Sequence[str], sample_rate: int = 22050, n_fft: int = 1024,
                 hop: int = 256, n_mels: int = 64, channels: Sequence[int] = (16, 32, 64, 128),
                 embed_dim: int = 128, dropout: float = 0.2) -> None:
        super().__init__()
        self.config = {"classes": list(classes), "sample_rate": int(sample_rate), "n_fft": n_fft,
                       "hop": hop, "n_mels": n_mels, "channels": list(channels),
                       "embed_dim": embed_dim, "dropout": dropout}
        self.classes, self.sample_rate = list(classes), int(sample_rate)
        self.mel = torchaudio.transforms.MelSpectrogram(sample_rate, n_fft=n_fft, hop_length=hop,
                                                        n_mels=n_mels, power=2.0)
        self.norm = nn.BatchNorm1d(n_mels)
        widths = [1, *channels]
        self.features = nn.Sequential(*[_block(a, b) for a, b in zip(widths[:-1], widths[1:])])
        self.head = _PooledHead(widths[-1], embed_dim, len(self.classes), dropout)

    def _feats(self, audio: torch.Tensor) -> torch.Tensor:
        logmel = torch.log(self.mel(audio) + 1e-5)  # (B, M, T)
        return self.features(self.norm(logmel).unsqueeze(1))  # (B, C, M', T')

    def embed(self, audio: torch.Tensor) -> torch.Tensor:
        """``audio`` ``(B, S)`` → penultimate-layer embedding ``(B, embed_dim)``."""
        return self.head.embed(self._feats(audio))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        """``audio`` ``(B, S)`` → class logits ``(B, C)``."""
        return self.head(self._feats(audio))


class WorldImageNet(nn.Module):
    """CNN classifier for RGB frames (any size; the world renders 128×128)."""

    def __init__(self, classes: Sequence[str], channels: Sequence[int] = (16, 32, 64, 128),
                 embed_dim: int = 128, dropout: float = 0.2) -> None:
        super().__init__()
        self.config = {"classes": list(classes), "channels": list(channels),
                       "embed_dim": embed_dim, "dropout": dropout}
        self.classes = list(classes)
        widths = [3, *channels]
        self.features = nn.Sequential(*[_block(a, b, stride=2 if i == 0 else 1)
                                        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:]))])
        self.head = _PooledHead(widths[-1], embed_dim, len(self.classes), dropout)

    @staticmethod
    def prepare(frames: torch.Tensor) -> torch.Tensor:
        """uint8 ``(B, H, W, 3)`` → float ``(B, 3, H, W)`` centred on zero."""
        return (frames.permute(0, 3, 1, 2).float() / 255.0 - 0.5) / 0.25

    def embed(self, frames: torch.Tensor) -> torch.Tensor:
        """uint8 ``(B, H, W, 3)`` → ``(B, embed_dim)``."""
        return self.head.embed(self.features(self.prepare(frames)))

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """uint8 ``(B, H, W, 3)`` → class logits ``(B, C)``."""
        return self.head(self.features(self.prepare(frames)))


def _batched(fn, x: np.ndarray, batch_size: int) -> np.ndarray:
    with torch.inference_mode():
        outs = [fn(torch.from_numpy(np.ascontiguousarray(x[i:i + batch_size])))
                for i in range(0, len(x), batch_size)]
    return torch.cat(outs).numpy()


class WorldAudioModel:
    """:class:`WorldAudioNet` as an ``AudioEmbedder`` and ``AudioClassifier``."""

    def __init__(self, net: WorldAudioNet, batch_size: int = 16) -> None:
        self.net, self.batch_size = net.eval(), batch_size
        self.classes = tuple(net.classes)

    @classmethod
    def load(cls, path: str | Path) -> "WorldAudioModel":
        """Load weights saved by :meth:`save` (``path`` without suffix)."""
        return cls(load_module(WorldAudioNet, Path(path), kind=AUDIO_KIND))

    def save(self, path: str | Path, extra: dict | None = None) -> None:
        """Write ``path.safetensors`` + ``path.json`` (the net's config rebuilds it)."""
        save_module(self.net, self.net.config, Path(path), kind=AUDIO_KIND, extra=extra)

    def _prepare(self, audio: np.ndarray, rate: int) -> np.ndarray:
        x = check_audio_batch(audio, rate)
        if rate != self.net.sample_rate:
            x = torchaudio.functional.resample(torch.from_numpy(x), rate, self.net.sample_rate).numpy()
        return x

    def embed(self, audio: np.ndarray, rate: int) -> np.ndarray:
        """``(N, S)`` → penultimate embeddings ``(N, D)``."""
        return _batched(self.net.embed, self._prepare(audio, rate), self.batch_size)

    def predict_proba(self, audio: np.ndarray, rate: int) -> np.ndarray:
        """``(N, S)`` → class probabilities ``(N, C)``."""
        logits = _batched(self.net, self._prepare(audio, rate), self.batch_size)
        return torch.softmax(torch.from_numpy(logits).double(), -1).numpy()


class WorldImageModel:
    """:class:`WorldImageNet` as an ``ImageClassifier``."""

    def __init__(self, net: WorldImageNet, batch_size: int = 32) -> None:
        self.net, self.batch_size = net.eval(), batch_size
        self.classes = tuple(net.classes)

    @classmethod
    def load(cls, path: str | Path) -> "WorldImageModel":
        """Load weights saved by :meth:`save` (``path`` without suffix)."""
        return cls(load_module(WorldImageNet, Path(path), kind=IMAGE_KIND))

    def save(self, path: str | Path, extra: dict | None = None) -> None:
        """Write ``path.safetensors`` + ``path.json`` (the net's config rebuilds it)."""
        save_module(self.net, self.net.config, Path(path), kind=IMAGE_KIND, extra=extra)

    def predict_proba(self, frames: np.ndarray) -> np.ndarray:
        """uint8 ``(N, H, W, 3)`` → class probabilities ``(N, C)``."""
        logits = _batched(self.net, check_frame_batch(frames), self.batch_size)
        return torch.softmax(torch.from_numpy(logits).double(), -1).numpy()
