"""The small interface every embedder and classifier used in evaluation implements.

Metrics never care which network made the numbers: the project's own world models
(:mod:`.world_models`) and the standard ones loaded from local files (:mod:`.external`)
plug in alike. Everything is numpy in, numpy out.
"""
from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from foley_studio.errors import ConfigError


@runtime_checkable
class AudioEmbedder(Protocol):
    """Maps audio clips to fixed-size embeddings (for Fréchet distance or CLIP-score)."""

    def embed(self, audio: np.ndarray, rate: int) -> np.ndarray:
        """``audio`` ``(N, S)`` float at ``rate`` Hz → embeddings ``(N, D)``."""
        ...


@runtime_checkable
class AudioClassifier(Protocol):
    """Maps audio clips to class probabilities (for KL, IS and accuracy)."""

    classes: Sequence[str]

    def predict_proba(self, audio: np.ndarray, rate: int) -> np.ndarray:
        """``audio`` ``(N, S)`` float at ``rate`` Hz → probabilities ``(N, C)``."""
        ...


@runtime_checkable
class ImageClassifier(Protocol):
    """Maps RGB frames to class probabilities (for the audio→image storyboard metric)."""

    classes: Sequence[str]

    def predict_proba(self, frames: np.ndarray) -> np.ndarray:
        """``frames`` ``(N, H, W, 3)`` uint8 → probabilities ``(N, C)``."""
        ...


@runtime_checkable
class ImageEmbedder(Protocol):
    """Maps RGB frames into the space of an audio embedder (for CLIP-score)."""

    def embed_images(self, frames: np.ndarray) -> np.ndarray:
        """``frames`` ``(N, H, W, 3)`` uint8 → embeddings ``(N, D)``."""
        ...


def check_audio_batch(audio: np.ndarray, rate: int) -> np.ndarray:
    """``audio`` as float32 ``(N, S)``; a FoleyStudioError names what is wrong otherwise."""
    x = np.asarray(audio)
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2 or x.shape[1] == 0 or not np.issubdtype(x.dtype, np.floating):
        raise ConfigError(f"Audio must be a float array (N, S) of mono clips, got {x.dtype} {x.shape}.")
    if rate <= 0:
        raise ConfigError(f"Sample rate must be positive, got {rate}.")
    return x.astype(np.float32, copy=False)


def check_frame_batch(frames: np.ndarray) -> np.ndarray:
    """``frames`` as uint8 ``(N, H, W, 3)``; a FoleyStudioError names what is wrong otherwise."""
    x = np.asarray(frames)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or x.shape[-1] != 3 or x.dtype != np.uint8:
        raise ConfigError(f"Frames must be uint8 RGB (N, H, W, 3), got {x.dtype} {x.shape}.")
    return x
