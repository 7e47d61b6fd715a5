"""Train the IM2WAV LOW prior (CLIP-conditioned, with CFG null embeddings) on cached tokens.

``foley-studio train im2wav-low --data DIR --vqvae VQ_CKPT --encoder ENC --out CKPT``.
Each example is a window of ``n_ctx`` LOW tokens at a random offset of a clip, the frames that
window covers (their mean makes the start token, each token adds its frame by the official
``round(linspace)`` rule) and the clip's time signals; half the rows get the null embeddings.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import partial
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
from foley_studio.training.options import add_ranged

KIND = "im2wav-low"
PRESETS = {"tiny": TINY_LOW, "world": WORLD_LOW, "paper": {}}


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``train im2wav-low``."""
    add_loop_arguments(parser)
    add_prior_arguments(parser)
    add_init_argument(parser)
    add_ranged(parser, "picture_shift", 0.0, "with a timing condition: the most seconds a row's "
               "pictures move against its audio and sync track (0 = never)")
    add_ranged(parser, "picture_shift_prob", 0.3, "share of rows whose pictures move (--picture-shift)")


@dataclass(frozen=True)
class PictureShift:
    """How often and how far a row's pictures move against its audio and sync track."""

    seconds: float = 0.0  # the largest move either way (0 = never)
    prob: float = 0.0  # share of rows moved


def shift_pictures(index: torch.Tensor, frames: int, fps: float, shift: PictureShift,
                   gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Frame indices (B, K) of a random share of rows moved by 1 to ``shift.seconds·fps`` frames
    either way (clamped to the clip's ``frames``), and which rows (B,) moved. The audio and the
    sync track stay put, so where the picture and the track disagree the hits follow the track."""
    b = index.shape[0]
    most = max(1, round(shift.seconds * fps))
    moved = torch.rand(b, generator=gen) < shift.prob
    sign = torch.randint(0, 2, (b,), generator=gen) * 2 - 1
    steps = torch.randint(1, most + 1, (b,), generator=gen) * sign * moved  # (B,)
    return (index + steps[:, None]).clamp(0, frames - 1), moved


def low_batches(cache: dict, prior: LowPrior, batch: int, fps: float, seed: int,
                device: torch.device, shift: PictureShift = PictureShift()) -> Iterator[dict]:
    """Random LOW windows with their frames and time signals, forever; with a timing condition,
    ``shift`` moves some rows' pictures against their audio and sync track."""
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
        moved = None
        if levels is not None and shift.seconds > 0:
            index, moved = shift_pictures(index, feats.shape[1], fps, shift, gen)
        out = {"tokens": gather_rows(low, rows, offsets, prior.n_ctx).to(device),
               "features": feats[rows[:, None], index].to(device), "token_frames": frames.to(device),
               "total_length": torch.full((batch,), total, device=device),
               "offset": (offsets * prior.hop).float().to(device)}
        if levels is not None:
            out["timing"] = window_timing(cache["events"][rows], gather_rows(levels, rows, offsets, prior.n_ctx),
                                          offsets * prior.hop / 16000, prior.hop / 16000).to(device)
            out["keep_timing"] = None if moved is None else moved.to(device)
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
                      b.get("timing"), b.get("keep_timing"))
    return loss, {"bits_per_token": loss.item()}


def run_train(args: argparse.Namespace) -> int:
    """Train (or resume) the LOW prior."""
    def build(cache: dict, vqvae, encoder) -> LowPrior:
        if args.init is not None:
            return init_prior(LowPrior, args.init, KIND, args.timing)
        return LowPrior(**{**PRESETS[args.preset], "bins": vqvae.l_bins, "clip_dim": encoder.dim,
                           "hop": vqvae.hops[1], "total_length": int(cache["audio"].shape[1]),
                           "timing": args.timing})

    shift = PictureShift(args.picture_shift, args.picture_shift_prob)
    return run_prior_training(args, KIND, build, partial(low_batches, shift=shift), _loss)
