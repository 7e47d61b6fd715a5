"""Train the IM2WAV UP prior (LOW tokens and the mean CLIP vector in, UP tokens out).

``foley-studio train im2wav-up --data DIR --vqvae VQ_CKPT --encoder ENC --out CKPT``.
Each example is a window of ``n_ctx`` UP tokens (aligned with whole LOW tokens), the LOW tokens
under it and the mean CLIP vector of the frames it covers. No guidance dropout.
"""
from __future__ import annotations

import argparse
from typing import Iterator

import torch

from foley_studio.models.im2wav.data import (frames_per_window, gather_rows, random_offsets,
                                             random_rows, window_frames)
from foley_studio.models.im2wav.generator import TINY_UP, WORLD_UP
from foley_studio.models.im2wav.prior import UpPrior
from foley_studio.models.im2wav.train_prior import add_prior_arguments, run_prior_training
from foley_studio.models.im2wav.training import add_loop_arguments

KIND = "im2wav-up"
PRESETS = {"tiny": TINY_UP, "world": WORLD_UP, "paper": {}}


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``train im2wav-up``."""
    add_loop_arguments(parser)
    add_prior_arguments(parser)


def up_batches(cache: dict, prior: UpPrior, batch: int, fps: float, seed: int,
               device: torch.device) -> Iterator[dict]:
    """Random UP windows with the LOW tokens and mean frame feature under them, forever."""
    gen = torch.Generator().manual_seed(seed)
    up, low, feats, times = cache["up"], cache["low"], cache["features"], cache["times"]
    count = min(frames_per_window(fps, prior.n_ctx * prior.hop / 16000), feats.shape[1])
    while True:
        rows = random_rows(up.shape[0], batch, gen)
        offsets = random_offsets(up.shape[1], prior.n_ctx, batch, gen, multiple=prior.ratio)
        index = window_frames(times[rows], offsets * prior.hop / 16000, count)
        yield {"tokens": gather_rows(up, rows, offsets, prior.n_ctx).to(device),
               "low": gather_rows(low, rows, offsets // prior.ratio, prior.n_ctx // prior.ratio).to(device),
               "mean_feature": feats[rows[:, None], index].mean(1).to(device)}


def _loss(model: UpPrior, b: dict):
    loss = model.loss(b["tokens"], b["mean_feature"], b["low"])
    return loss, {"bits_per_token": loss.item()}


def run_train(args: argparse.Namespace) -> int:
    """Train (or resume) the UP prior."""
    def build(cache: dict, vqvae, encoder) -> UpPrior:
        return UpPrior(**{**PRESETS[args.preset], "bins": vqvae.l_bins, "clip_dim": encoder.dim,
                          "hop": vqvae.hops[0], "cond_down": vqvae.config["downs_t"][1],
                          "cond_stride": vqvae.config["strides_t"][1]})

    return run_prior_training(args, KIND, build, up_batches, _loss)
