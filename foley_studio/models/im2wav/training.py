"""The training loop the IM2WAV stages share: AdamW with warm-up, DDP, EMA, resume, logs.

A stage gives a model, a function ``loss_fn(model, batch) -> (loss, metrics)`` and an iterator
of batches. The loss goes through a small wrapper module's ``forward`` so that DDP synchronises
gradients whatever method computes it. Checkpoints are folders written by
:func:`foley_studio.training.runtime.save_checkpoint`; a run finding one in ``--out`` resumes.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import torch
from torch import nn
from tqdm import tqdm

from foley_studio.models.timing import param_groups
from foley_studio.training.options import add_loop_options, add_ranged, stated
from foley_studio.training.runtime import (EMA, DistInfo, load_checkpoint, save_checkpoint, unwrap,
                                           wrap_ddp, write_log)

LossFn = Callable[[nn.Module, Any], tuple[torch.Tensor, dict]]


@dataclass(frozen=True)
class LoopSettings:
    """Optimisation knobs of one run."""

    steps: int = 1000
    lr: float = 3e-4
    warmup: int = 100
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    save_every: int = 500
    log_every: int = 10
    ema_decay: Optional[float] = None
    timing_lr_scale: float = 1.0  # the timing condition's learning rate, times ``lr``

    @classmethod
    def from_args(cls, args: argparse.Namespace, ema: bool) -> "LoopSettings":
        """From the common CLI arguments."""
        return cls(steps=args.steps, lr=args.lr, warmup=args.warmup, weight_decay=args.weight_decay,
                   save_every=args.save_every, log_every=args.log_every,
                   ema_decay=args.ema if ema else None,
                   timing_lr_scale=getattr(args, "timing_lr_scale", 1.0))


def add_loop_arguments(parser: argparse.ArgumentParser, *, lr: float = 3e-4) -> None:
    """The arguments every stage shares (ranges from :data:`foley_studio.training.options.LIMITS`)."""
    parser.add_argument("--data", type=Path, required=True, help="dataset folder (vggsound.csv + video/)")
    parser.add_argument("--out", type=Path, required=True, help="checkpoint folder (resumed if present)")
    parser.add_argument("--preset", choices=("tiny", "world", "paper"), default="tiny",
                        help=stated("model sizes", "tiny"))
    add_loop_options(parser, steps=1000, batch_size=4, lr=lr, warmup=100, weight_decay=0.01,
                     save_every=500, log_every=10)
    add_ranged(parser, "ema", 0.999, "EMA decay of a prior's weights (0 = off; the VQ-VAE keeps none)")
    add_ranged(parser, "seconds", 4.0, "length each clip is read at (s)")
    add_loop_options(parser, seed=0)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")


class _LossModule(nn.Module):
    """Routes ``loss_fn`` through ``forward`` (what DDP hooks into)."""

    def __init__(self, model: nn.Module, loss_fn: LossFn) -> None:
        super().__init__()
        self.model, self.loss_fn = model, loss_fn

    def forward(self, batch: Any) -> tuple[torch.Tensor, dict]:
        return self.loss_fn(self.model, batch)


def _schedule(step: int, settings: LoopSettings) -> float:
    return min(1.0, (step + 1) / max(settings.warmup, 1))


def train_loop(model: nn.Module, config: dict, kind: str, out: Path, batches: Iterator[Any],
               loss_fn: LossFn, settings: LoopSettings, info: DistInfo) -> list[float]:
    """Train ``model`` for ``settings.steps`` steps (resuming from ``out``); returns the losses."""
    model.to(info.device).train()
    optimizer = torch.optim.AdamW(param_groups(model, settings.lr, settings.timing_lr_scale),
                                  lr=settings.lr, weight_decay=settings.weight_decay)
    ema = EMA(model, settings.ema_decay) if settings.ema_decay else None
    start = 0
    if (out / "trainer.json").is_file():
        start = load_checkpoint(out, model, kind, optimizer=optimizer, ema=ema)
    wrapped = wrap_ddp(_LossModule(model, loss_fn), info)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _schedule(s + start, settings))
    losses: list[float] = []
    bar = tqdm(range(start, settings.steps), desc=kind, disable=not info.is_main, initial=start,
               total=settings.steps)
    for step in bar:
        loss, metrics = wrapped(next(batches))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), settings.grad_clip)
        optimizer.step()
        scheduler.step()
        if ema is not None:
            ema.update(model)
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
        _after_step(step + 1, model, config, kind, out, optimizer, ema, settings, info,
                    {"loss": losses[-1], **metrics})
    return losses


def _after_step(step: int, model: nn.Module, config: dict, kind: str, out: Path,
                optimizer: torch.optim.Optimizer, ema: Optional[EMA], settings: LoopSettings,
                info: DistInfo, metrics: dict) -> None:
    if not info.is_main:
        return
    if step % settings.log_every == 0 or step == settings.steps:
        write_log(out, {"step": step, **{k: float(v) for k, v in metrics.items()}})
    if step % settings.save_every == 0 or step == settings.steps:
        save_checkpoint(out, unwrap(model), config, kind, optimizer=optimizer, step=step, ema=ema)
