"""What the Echoes trainers share: arguments, data loading, the resumable step loop.

Every trainer runs unchanged as one process or under ``torchrun --nproc_per_node N``: the
runtime joins the process group, each rank reads its share of the data (DistributedSampler),
and only rank 0 shows the tqdm bar, appends ``log.jsonl`` and writes checkpoints
(``OUT/checkpoint/``; ``--resume`` continues from it). At the end the finished component
is written into ``--bundle``.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset, DistributedSampler, RandomSampler

from foley_studio.errors import ConfigError
from foley_studio.models.echoes.bundle import read_bundle_json
from foley_studio.models.echoes.mel import MEL_PRESETS, MelConfig
from foley_studio.training.options import add_loop_options, stated
from foley_studio.training.runtime import (DistInfo, EMA, cycle, load_checkpoint, save_checkpoint,
                                           write_log)


def add_loop_arguments(parser: argparse.ArgumentParser, *, steps: int, batch_size: int,
                       lr: float) -> None:
    """``--data --out --bundle --steps --batch-size --lr --seed --workers --resume ...``."""
    parser.add_argument("--data", type=Path, required=True, help="dataset folder (vggsound.csv + video/)")
    parser.add_argument("--out", type=Path, required=True, help="folder for checkpoints and log.jsonl")
    parser.add_argument("--bundle", type=Path, required=True, help="Echoes bundle folder to write into")
    parser.add_argument("--preset", default="world",
                        help=stated("model size: paper, world or tiny", "world"))
    add_loop_options(parser, steps=steps, batch_size=batch_size, lr=lr, seed=0, workers=0,
                     log_every=10, save_every=500, ema=0.0)
    parser.add_argument("--resume", action="store_true",
                        help="continue from OUT/checkpoint (default: start afresh)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    parser.add_argument("--cache", action="store_true",
                        help="keep each decoded clip in memory (small datasets: decode once, not "
                             "every epoch; random crops are then drawn once per clip; default off)")


class MemoryCache(Dataset):
    """``dataset`` whose items are kept in memory after their first read."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset, self.items = dataset, {}

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> Any:
        if i not in self.items:
            self.items[i] = self.dataset[i]
        return self.items[i]


def memory_cached(dataset: Dataset, enabled: bool) -> Dataset:
    """``dataset`` behind a :class:`MemoryCache` when ``enabled`` (``--cache``), else itself."""
    return MemoryCache(dataset) if enabled else dataset


def pick_preset(presets: dict[str, Any], name: str) -> Any:
    """The preset called ``name``, or a :class:`ConfigError` listing the choices."""
    if name not in presets:
        raise ConfigError(f"Unknown preset {name!r}; choose one of {', '.join(presets)}.")
    return presets[name]


def preset_mel(bundle: Path, preset: str) -> MelConfig:
    """The mel settings of ``preset``, checked against those ``bundle``'s parts were trained on."""
    mel = pick_preset(MEL_PRESETS, preset)
    recorded = read_bundle_json(bundle).get("mel")
    if recorded is not None and MelConfig(**recorded) != mel:
        raise ConfigError(f"{bundle} holds parts trained on other mels ({recorded}) than preset "
                          f"{preset!r} uses ({mel.to_dict()}); train every part with the same "
                          "--preset, or write into a new --bundle.")
    return mel


def loader(dataset: Dataset, batch_size: int, info: DistInfo, *, seed: int, workers: int,
           collate: Callable) -> Iterator:
    """Endless shuffled batches of this rank's share of ``dataset``."""
    if len(dataset) < batch_size * info.world_size:
        raise ConfigError(f"The dataset has {len(dataset)} items, fewer than one batch of "
                          f"{batch_size} per process × {info.world_size}; lower --batch-size.")
    if info.world_size > 1:
        sampler = DistributedSampler(dataset, info.world_size, info.rank, shuffle=True, seed=seed,
                                     drop_last=True)
    else:
        sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))
    dl = DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=workers,
                    collate_fn=collate, drop_last=True)
    return iter(cycle(dl, sampler))


@dataclass
class Trainee:
    """What the loop trains and checkpoints: the model, its optimiser, its kind and config."""

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    kind: str
    config: dict
    ema: Optional[EMA] = None


def resume(folder: Path, trainees: dict[str, Trainee]) -> int:
    """Load every trainee from ``folder/<name>``; return the step to continue from."""
    if not all((folder / name / "model.json").is_file() for name in trainees):
        raise ConfigError(f"Nothing to resume in {folder}; start without --resume first.")
    steps = [load_checkpoint(folder / name, t.model, t.kind, optimizer=t.optimizer, ema=t.ema)
             for name, t in trainees.items()]
    return min(steps)


def save(folder: Path, trainees: dict[str, Trainee], step: int) -> None:
    """Write every trainee to ``folder/<name>`` (rank 0 only)."""
    for name, t in trainees.items():
        save_checkpoint(folder / name, t.model, t.config, t.kind, optimizer=t.optimizer,
                        step=step, ema=t.ema)


def run_loop(step_fn: Callable[[Any, int], dict[str, float]], batches: Iterator, *,
             trainees: dict[str, Trainee], args: argparse.Namespace, info: DistInfo,
             desc: str) -> int:
    """Run ``step_fn(batch, step)`` from the resumed step to ``args.steps``; return the last step."""
    from tqdm import tqdm

    folder = Path(args.out) / "checkpoint"
    start = resume(folder, trainees) if args.resume else 0
    bar = tqdm(total=args.steps, initial=start, desc=desc, disable=not info.is_main)
    for step in range(start, args.steps):
        metrics = step_fn(next(batches), step)
        for t in trainees.values():
            if t.ema is not None:
                t.ema.update(t.model)
        bar.update(1)
        if info.is_main and ((step + 1) % args.log_every == 0 or step + 1 == args.steps):
            bar.set_postfix({k: f"{v:.4f}" for k, v in metrics.items()})
            write_log(Path(args.out), {"step": step + 1, **metrics})
        if info.is_main and ((step + 1) % args.save_every == 0 or step + 1 == args.steps):
            save(folder, trainees, step + 1)
    bar.close()
    if dist.is_initialized():
        dist.barrier()
    return args.steps


def finished(trainee: Trainee) -> torch.nn.Module:
    """The module to export: the EMA copy when EMA is on, else the trained weights."""
    from foley_studio.training.runtime import unwrap

    return trainee.ema.shadow if trainee.ema is not None else unwrap(trainee.model)


def mean_over_ranks(value: torch.Tensor) -> float:
    """A scalar averaged over all processes (for logging)."""
    value = value.detach().float().clone()
    if dist.is_initialized():
        dist.all_reduce(value)
        value /= dist.get_world_size()
    return float(value)
