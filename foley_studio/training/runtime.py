"""What every training CLI shares: torchrun/DDP set-up, EMA, checkpoints that resume.

Run any trainer as ``python -m foley_studio.cli train ...`` for one process, or under
``torchrun --nproc_per_node N`` for data-parallel training: :func:`setup_distributed` reads
torchrun's environment, picks NCCL on CUDA and gloo on the CPU, and :func:`wrap_ddp` wraps the
model. Only rank 0 writes checkpoints and shows a progress bar.

A training checkpoint is a folder: ``model.safetensors/.json`` (the raw weights, loadable by
:func:`foley_studio.models.weights.load_module`), ``ema.*`` when EMA is on, and
``trainer.safetensors/.json`` with the optimiser state flattened into tensors plus the step.
"""
from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from foley_studio.models.weights import load_into, load_state, read_meta, save_module, save_state


@dataclass(frozen=True)
class DistInfo:
    """This process's place in a (possibly single-process) job."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        """Whether this process logs and writes checkpoints."""
        return self.rank == 0


def setup_distributed(device: Optional[str] = None) -> DistInfo:
    """Join the torchrun process group when launched by torchrun; otherwise a single process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available() and device != "cpu"
    dev = torch.device(f"cuda:{local}" if cuda else (device or "cpu"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
        if cuda:
            torch.cuda.set_device(dev)
    rank = dist.get_rank() if dist.is_initialized() else 0
    return DistInfo(rank, world, local, dev)


def teardown_distributed() -> None:
    """Leave the process group, if one was joined."""
    if dist.is_initialized():
        dist.destroy_process_group()


def wrap_ddp(model: torch.nn.Module, info: DistInfo) -> torch.nn.Module:
    """Wrap ``model`` in DDP when there is more than one process."""
    if info.world_size == 1:
        return model
    ids = [info.device.index] if info.device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids, find_unused_parameters=True)


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The module inside a DDP wrapper."""
    return model.module if isinstance(model, DistributedDataParallel) else model


class EMA:
    """Exponential moving average of a module's parameters (kept on the module's device)."""

    def __init__(self, model: torch.nn.Module, decay: float = 0.999) -> None:
        self.decay = decay
        self.shadow = copy.deepcopy(unwrap(model)).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        """Move the average one step towards ``model``'s current weights."""
        for avg, cur in zip(self.shadow.state_dict().values(), unwrap(model).state_dict().values()):
            if avg.dtype.is_floating_point:
                avg.lerp_(cur, 1.0 - self.decay)
            else:
                avg.copy_(cur)


def save_checkpoint(folder: Path, model: torch.nn.Module, config: dict[str, Any], kind: str, *,
                    optimizer: torch.optim.Optimizer, step: int, ema: Optional[EMA] = None,
                    extra: Optional[dict] = None) -> None:
    """Write a resumable checkpoint folder (weights, EMA weights, optimiser state, step)."""
    folder = Path(folder)
    save_module(unwrap(model), config, folder / "model", kind=kind, extra={"step": step, **(extra or {})})
    if ema is not None:
        save_module(ema.shadow, config, folder / "ema", kind=kind, extra={"step": step, **(extra or {})})
    tensors, layout = _flatten_optimizer(optimizer.state_dict())
    save_state(tensors, {"step": step, "layout": layout}, folder / "trainer", kind="trainer")


def load_checkpoint(folder: Path, model: torch.nn.Module, kind: str, *,
                    optimizer: torch.optim.Optimizer, ema: Optional[EMA] = None) -> int:
    """Restore weights, EMA and optimiser from ``folder``; return the step to continue from."""
    folder = Path(folder)
    read_meta(folder / "model", kind=kind)
    load_into(unwrap(model), load_state(folder / "model"), source=str(folder / "model"))
    if ema is not None and (folder / "ema.json").is_file():
        load_into(ema.shadow, load_state(folder / "ema"), source=str(folder / "ema"))
    meta = read_meta(folder / "trainer", kind="trainer")
    optimizer.load_state_dict(_unflatten_optimizer(load_state(folder / "trainer"),
                                                   meta["config"]["layout"]))
    return int(meta["config"]["step"])


def _flatten_optimizer(state: dict) -> tuple[dict[str, torch.Tensor], dict]:
    tensors, scalars = {}, {}
    for pid, slots in state["state"].items():
        for name, value in slots.items():
            if torch.is_tensor(value):
                tensors[f"{pid}.{name}"] = value
            else:
                scalars[f"{pid}.{name}"] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], layout: dict) -> dict:
    state: dict[int, dict] = {}
    for key, value in [*tensors.items(), *layout["scalars"].items()]:
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = value
    return {"state": state, "param_groups": layout["param_groups"]}


def cycle(loader: Iterable, sampler: Any = None):
    """Iterate over ``loader`` forever, advancing a DistributedSampler's epoch each pass."""
    epoch = 0
    while True:
        if sampler is not None and hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)
        yield from loader
        epoch += 1


def write_log(folder: Path, record: dict) -> None:
    """Append one JSON line of training metrics to ``folder/log.jsonl``."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "log.jsonl", "a") as fh:
        fh.write(json.dumps(record) + "\n")


__all__ = ["DistInfo", "EMA", "setup_distributed", "teardown_distributed", "wrap_ddp", "unwrap",
           "save_checkpoint", "load_checkpoint", "cycle", "write_log"]
