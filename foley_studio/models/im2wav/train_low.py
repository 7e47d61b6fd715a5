"""Train the IM2WAV LOW prior (CLIP-conditioned, with CFG null embeddings) on cached tokens.

``foley-studio train im2wav-low --data DIR --vqvae VQ_CKPT --encoder ENC --out CKPT``.
Each example is a window of ``n_ctx`` LOW tokens at a random offset of a clip, the frames that
window covers (their mean makes the start token, each token adds its frame by the official
``round(linspace)`` rule) and the clip's time signals; half the rows get the null embeddings.
"""
from __future__ import annotations

import argparse
from typing import Iterator

import numpy as np
import torch

from foley_studio.models.im2wav.conditioning import official_token_frames
from foley_studio.models.im2wav.data import (frames_per_window, gather_rows, random_offsets,
                                             random_rows, window_frames)
from foley_studio.models.im2wav.generator import TINY_LOW, WORLD_LOW
from foley_studio.models.im2wav.prior import LowPrior
from foley_studio.models.im2wav.train_prior import (add_init_argument, add_prior_arguments,
                                                    init_prior, run_prior_training)
from foley_studio.models.timing import rms_db, timing_features
from foley_studio.models.im2wav.training import add_loop_arguments

KIND = "im2wav-low"
PRESETS = {"tiny": TINY_LOW, "world": WORLD_LOW, "paper": {}}


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``train im2wav-low``."""
    add_loop_arguments(parser)
    add_prior_arguments(parser)
    add_init_argument(parser)


def low_batches(cache: dict, prior: LowPrior, batch: int, fps: float, seed: int,
                device: torch.device) -> Iterator[dict]:
    """Random LOW windows with their frames and time signals, forever."""
    gen = torch.Generator().manual_seed(seed)
    low, feats, times = cache["low"], cache["features"], cache["times"]
    seconds = prior.n_ctx * prior.hop / 16000
    count = min(frames_per_window(fps, seconds), feats.shape[1])
    total = float(prior.total_length)
    frames = official_token_frames(prior.n_ctx, count)[None].expand(batch, -1)
    levels = torch.from_numpy(rms_db(cache["audio"].numpy(), prior.hop)) if prior.follows_sync else None
    while True:
        rows = random_rows(low.shape[0], batch, gen)
        offsets = random_offsets(low.shape[1], prior.n_ctx, batch, gen)
        index = window_frames(times[rows], offsets * prior.hop / 16000, count)  # (B, K)
        out = {"tokens": gather_rows(low, rows, offsets, prior.n_ctx).to(device),
               "features": feats[rows[:, None], index].to(device), "token_frames": frames.to(device),
               "total_length": torch.full((batch,), total, device=device),
               "offset": (offsets * prior.hop).float().to(device)}
        if levels is not None:
            out["timing"] = window_timing(cache["events"][rows], gather_rows(levels, rows, offsets, prior.n_ctx),
                                          offsets * prior.hop / 16000, prior.hop / 16000).to(device)
        yield out


def window_timing(events: torch.Tensor, levels: torch.Tensor, starts: torch.Tensor,
                  cell: float) -> torch.Tensor:
    """Timing features (B, T, FEATURES) of windows of T cells from ``starts`` (B,) s, from the
    clips' event times (B, E; NaN-padded) as full-strength hits and envelopes (B, T) dB."""
    rows = []
    for times, level, start in zip(events.numpy(), levels.numpy(), starts.tolist()):
        hits = [(t, 1.0) for t in times[~np.isnan(times)]]
        rows.append(timing_features(hits, level.shape[0], cell, start, level))
    return torch.from_numpy(np.stack(rows))


def _loss(model: LowPrior, b: dict):
    loss = model.loss(b["tokens"], b["features"], b["token_frames"], b["total_length"], b["offset"],
                      b.get("timing"))
    return loss, {"bits_per_token": loss.item()}


def run_train(args: argparse.Namespace) -> int:
    """Train (or resume) the LOW prior."""
    def build(cache: dict, vqvae, encoder) -> LowPrior:
        if args.init is not None:
            return init_prior(LowPrior, args.init, KIND, args.timing)
        return LowPrior(**{**PRESETS[args.preset], "bins": vqvae.l_bins, "clip_dim": encoder.dim,
                           "hop": vqvae.hops[1], "total_length": int(cache["audio"].shape[1]),
                           "timing": args.timing})

    return run_prior_training(args, KIND, build, low_batches, _loss)
