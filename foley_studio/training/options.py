"""The valid range of every numeric option of ``foley-studio train`` and ``weights`` (no torch).

One table, :data:`LIMITS`, makes both the ``--help`` text ("1–10000000, default 1000") and the
check: :func:`add_ranged` gives an option a parser that refuses a value out of range, NaN,
infinite or not a number while the command line is read, so no data loads and no model is
built for a run that could not start. The refusal is a
:class:`~foley_studio.errors.ConfigError` (one line, exit status 2) naming the option, the
value and the range.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any, Optional

from foley_studio.errors import ConfigError
from foley_studio.requests import Limit

MAX_STEPS = 10_000_000
"""Most optimisation steps (and the latest step a schedule may name) one run can be asked for."""
MAX_TRAIN_SEED = 2**32 - 1
"""Largest training seed: each process adds ``1000 × rank`` and the data order adds the epoch,
and every generator those seeds reach (torch, NumPy's legacy one included) takes 32 bits."""
CLIP_SAMPLES = 4 * 22050
"""Samples of the 4-s clips the vocoder trainer cuts its segments from (22050 Hz)."""


@dataclass(frozen=True)
class Multiple(Limit):
    """A whole-number range whose values must also be multiples of ``of``."""

    of: int = 1

    @property
    def span(self) -> str:
        """``low–high, a multiple of of``."""
        return f"{super().span}, a multiple of {self.of}"

    def check(self, value: Any) -> None:
        """As :meth:`Limit.check`, and refuse a value that is not a multiple of ``of``."""
        super().check(value)
        if value % self.of:
            raise ConfigError(f"{self.label} must lie in {self.span} (got {value!r}).")


def _whole(flag: str, low: int, high: int) -> Limit:
    return Limit(flag, low, high, integer=True)


LIMITS: dict[str, Limit] = {
    # the optimisation loop every trainer shares
    "steps": _whole("--steps", 1, MAX_STEPS),
    "batch_size": _whole("--batch-size", 1, 4096),
    "lr": Limit("--lr", 1e-8, 1.0),
    "warmup": _whole("--warmup", 0, MAX_STEPS),
    "weight_decay": Limit("--weight-decay", 0.0, 1.0),
    "save_every": _whole("--save-every", 1, MAX_STEPS),
    "log_every": _whole("--log-every", 1, MAX_STEPS),
    "ema": Limit("--ema", 0.0, 0.999999),  # 0 is off; 1 would never move the average
    "seed": _whole("--seed", 0, MAX_TRAIN_SEED),
    "workers": _whole("--workers", 0, 256),
    # what each clip gives a trainer
    "seconds": Limit("--seconds", 0.5, 300.0),
    "fps": Limit("--fps", 0.1, 60.0),
    "frames_per_clip": _whole("--frames-per-clip", 1, 256),
    "per_class": _whole("--per-class", 1, 1_000_000),
    # IM2WAV and its CLIP
    "segment_seconds": Limit("--segment", 0.1, 60.0),  # at least the VQ-VAE's largest hop
    "comb_weight": Limit("--comb-weight", 0.0, 100.0),
    "timing_lr_scale": Limit("--timing-lr-scale", 0.0, 100.0),
    "picture_shift": Limit("--picture-shift", 0.0, 1.0),
    "picture_shift_prob": Limit("--picture-shift-prob", 0.0, 1.0),
    "embed_dim": _whole("--embed-dim", 1, 1024),
    "image_size": _whole("--image-size", 8, 512),  # the encoder cuts 8-pixel patches
    "text_width": Multiple("--text-width", 2, 2048, integer=True, of=2),  # two attention heads
    # Visual Echoes
    "disc_from": _whole("--disc-from", 0, MAX_STEPS + 1),
    "disc_weight": Limit("--disc-weight", 0.0, 100.0),
    "restart_every": _whole("--restart-every", 0, MAX_STEPS),
    "crop_frames": _whole("--crop-frames", 1, 4096),
    "segment_samples": _whole("--segment", 2048, CLIP_SAMPLES),  # the loss's largest FFT
    "gan_from": _whole("--gan-from", 0, MAX_STEPS),
    "feature_weight": Limit("--feature-weight", 0.0, 1000.0),
    "frames": _whole("--frames", 1, 64),
    "mask_mean": Limit("--mask-mean", 0.2, 1.0),  # the masking ratios are drawn in [0.2, 1]
    "cond_prob": Limit("--cond-prob", 0.0, 1.0),
    "null_prob": Limit("--null-prob", 0.0, 1.0),
    "timing_null_prob": Limit("--timing-null-prob", 0.0, 1.0),
    "label_smoothing": Limit("--label-smoothing", 0.0, 0.99),
    "clip_seconds": Limit("--clip-seconds", 0.0, 300.0),
    # the timbre-only judge
    "l2": Limit("--l2", 0.0, 100.0),
    # the learned sync detector
    "width": _whole("--width", 1, 1024),
    # weights import and download
    "resolution": _whole("--resolution", 8, 4096),
    "import_image_size": _whole("--image-size", 8, 4096),
    "retries": _whole("--retries", 0, 100),
}
"""Name → the range of one option; its label is the option as typed."""


class Ranged:
    """The argparse ``type`` of a ranged option: text → number, checked against ``limit``."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit

    def __call__(self, text: str) -> float:
        kind = int if self.limit.integer else float
        try:
            value: Any = kind(text)
        except ValueError:
            value = text  # not a number: the check below names it
        self.limit.check(value)
        return value

    def __repr__(self) -> str:
        return f"Ranged({self.limit.label})"


def add_ranged(parser: argparse.ArgumentParser, name: str, default: Optional[float],
               what: str = "", shown: Optional[str] = None) -> None:
    """Add the option ``LIMITS[name]``, its help stating ``what``, the default and the range."""
    limit = LIMITS[name]
    parser.add_argument(limit.label, type=Ranged(limit), default=default,
                        help=stated(what, default if shown is None else shown, limit))


LOOP_HELP = {
    "steps": "optimisation steps",
    "batch_size": "examples per step and process",
    "lr": "learning rate (the peak, after any warm-up)",
    "warmup": "steps of linear learning-rate warm-up",
    "weight_decay": "AdamW weight decay",
    "save_every": "steps between checkpoints",
    "log_every": "steps between log.jsonl lines",
    "seed": "seed of the weights and the batch order",
    "workers": "DataLoader worker processes (0 = read in the trainer)",
    "ema": "EMA decay of the weights (0 = off)",
}
"""The help of the optimisation-loop options the trainers share."""


def add_loop_options(parser: argparse.ArgumentParser, **defaults: float) -> None:
    """Add the loop options named in ``defaults`` (name → default), in that order."""
    for name, default in defaults.items():
        add_ranged(parser, name, default, LOOP_HELP[name])


def stated(what: str, default: object, limit: Optional[Limit] = None) -> str:
    """``what; low–high, default D`` (as the other commands' help reads) for argparse."""
    tail = (f"{limit.span}, " if limit else "") + f"default {default}"
    return (f"{what}; {tail}" if what else tail).replace("%", "%%")
