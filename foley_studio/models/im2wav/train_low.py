"""Train the IM2WAV LOW prior (CLIP-conditioned, with CFG null embeddings) on cached tokens.

``foley-studio train im2wav-low --data DIR --vqvae VQ_CKPT --encoder ENC --out CKPT``.
Each example is a window of ``n_ctx`` LOW tokens at a random offset of a clip, the frames that
window covers (their mean makes the start token, each token adds its frame by the official
``round(linspace)`` rule) and the clip's time signals; half the rows get the null embeddings.
"""
from __future__ import annotations

import argparse
from typing import Iterator

import torch

from foley_studio.models.im2wav.conditioning import official_token_frames
from foley_studio.models.im2wav.data import (frames_per_window, gather_rows, random_offsets,
                                             random_rows, window_frames)
from foley_studio.models.im2wav.generator import TINY_LOW, WORLD_LOW
from foley_studio.models.im2wav.prior import LowPrior
from foley_studio.models.im2wav.train_prior import add_prior_arguments, run_prior_training
from foley_studio.models.im2wav.training import add_loop_arguments

KIND = "im2wav-low"
PRESETS = {"tiny": TINY_LOW, "world": WORLD_LOW, "paper": {}}


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``train im2wav-low``."""
    add_loop_arguments(parser)
    add_prior_arguments(parser)


def low_batches(cache: dict, prior: LowPrior, batch: int, fps: float, seed: int,
                device: torch.device) -> Iterator[dict]:
    """Random LOW windows with their frames and time signals, forever."""
    gen = torch.Generator().manual_seed(seed)
    low, feats, times = cache["low"], cache["features"], cache["times"]
    seconds = prior.n_ctx * prior.hop / 16000
    count = min(frames_per_window(fps, seconds), feats.shape[1])
    total = float(prior.total_length)
    frames = official_token_frames(prior.n_ctx, count)[None].expand(batch, -1)
    while True:
        rows = random_rows(low.shape[0], batch, gen)
        offsets = random_offsets(low.shape[1], prior.n_ctx, batch, gen)
        index = window_frames(times[rows], offsets * prior.hop / 16000, count)  # (B, K)
        yield {"tokens": gather_rows(low, rows, offsets, prior.n_ctx).to(device),
               "features": feats[rows[:, None], index].to(device), "token_frames": frames.to(device),
               "total_length": torch.full((batch,), total, device=device),
               "offset": (offsets * prior.hop).float().to(device)}


def _loss(model: LowPrior, b: dict):
    loss = model.loss(b["tokens"], b["features"], b["token_frames"], b["total_length"], b["offset"])
    return loss, {"bits_per_token": loss.item()}


def run_train(args: argparse.Namespace) -> int:
    """Train (or resume) the LOW prior."""
    def build(cache: dict, vqvae, encoder) -> LowPrior:
        return LowPrior(**{**PRESETS[args.preset], "bins": vqvae.l_bins, "clip_dim": encoder.dim,
                           "hop": vqvae.hops[1], "total_length": int(cache["audio"].shape[1])})

    return run_prior_training(args, KIND, build, low_batches, _loss)
