"""How long a generation job will take on this machine, said before it starts (torch-free).

A job is a sequence of stages (IM2WAV: LOW tokens, UP tokens, decoding), each a number of steps
whose cost was measured once on this machine: ``seconds per step = fixed + per_row · rows``
(rows = takes, doubled by guidance). The measurements live in ``<cache>/calibration.json``, keyed
by the model (name, prior shapes, weight storage) and the machine (processor, cores, torch
threads); :func:`calibrate_im2wav` makes them with torch when a key is missing, in a few seconds.

:class:`JobEstimate` turns the generator's progress ``(done steps, total steps)`` into estimated
seconds of work done, so a progress bar that counts those seconds shows an ETA that starts at the
estimate and follows the real pace from there.
"""
from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from foley_studio.atomic import write_text_atomic
from foley_studio.registry import cache_dir

CALIBRATION_STEPS, CALIBRATION_WARMUP = 4, 2


@dataclass(frozen=True)
class StepCost:
    """Seconds per step of one stage: ``fixed + per_row · rows``."""

    fixed: float
    per_row: float

    def seconds(self, rows: int) -> float:
        """Seconds of one step over ``rows`` rows."""
        return max(0.0, self.fixed + self.per_row * rows)


@dataclass(frozen=True)
class Stage:
    """``steps`` steps of ``seconds_per_step`` each."""

    name: str
    steps: int
    seconds_per_step: float

    @property
    def seconds(self) -> float:
        """The stage's total seconds."""
        return self.steps * self.seconds_per_step


class JobEstimate:
    """The stages of one job in the order the generator reports them."""

    def __init__(self, stages: list[Stage]) -> None:
        self.stages = stages
        self.total_s = sum(s.seconds for s in stages)
        self.total_steps = sum(s.steps for s in stages)

    def elapsed_at(self, done: int, total: int) -> float:
        """Estimated seconds of work in the first ``done`` of ``total`` reported steps."""
        left = done * self.total_steps / total if total else 0  # the generator's own units
        seconds = 0.0
        for stage in self.stages:
            taken = min(left, stage.steps)
            seconds += taken * stage.seconds_per_step
            left -= taken
        return seconds

    def line(self) -> str:
        """One line for a user: the total and what it is made of."""
        parts = ", ".join(f"{s.name} {s.steps} steps × {1e3 * s.seconds_per_step:.1f} ms"
                          for s in self.stages if s.steps)
        return f"estimated time on this machine: {format_duration(self.total_s)} ({parts})"


def format_duration(seconds: float) -> str:
    """``about 40 s``, ``about 3 min 20 s``, ``about 1 h 05 min``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"about {seconds} s"
    if seconds < 3600:
        return f"about {seconds // 60} min {seconds % 60:02d} s"
    return f"about {seconds // 3600} h {seconds % 3600 // 60:02d} min"


def announce(progress: Optional[Callable], estimate: Optional[JobEstimate]) -> None:
    """Hand ``estimate`` to a progress callback that accepts one (``progress.estimate``), so the
    job's progress runs in estimated seconds; nothing happens for None or a plain callback."""
    receiver = getattr(progress, "estimate", None)
    if receiver is not None and estimate is not None:
        receiver(estimate)


# ---------------------------------------------------------------------------- calibration store
def calibration_path() -> str:
    """``<cache>/calibration.json``."""
    return str(cache_dir() / "calibration.json")


def machine_key(threads: int) -> str:
    """What makes one machine's timings differ from another's."""
    return f"{platform.node()}|{platform.processor() or platform.machine()}|{os.cpu_count()}cpu|{threads}thr"


def read_costs(key: str) -> Optional[dict[str, StepCost]]:
    """The stored step costs under ``key``, or None."""
    entry = _store().get(key)
    return None if entry is None else {name: StepCost(**cost) for name, cost in entry["costs"].items()}


def write_costs(key: str, costs: dict[str, StepCost]) -> None:
    """Store ``costs`` under ``key`` (atomically; other keys are kept)."""
    store = _store()
    store[key] = {"costs": {n: vars(c) for n, c in costs.items()}, "measured": time.time()}
    write_text_atomic(calibration_path(), json.dumps(store, indent=2, sort_keys=True))


def _store() -> dict[str, Any]:
    try:
        with open(calibration_path(), encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, json.JSONDecodeError):  # none yet, or damaged: measure again
        return {}


def fit(rows_a: int, secs_a: float, rows_b: int, secs_b: float) -> StepCost:
    """The line through two (rows, seconds per step) measurements."""
    per_row = (secs_b - secs_a) / (rows_b - rows_a)
    return StepCost(secs_a - per_row * rows_a, per_row)


# ---------------------------------------------------------------------------- IM2WAV
def im2wav_key(gen: Any, threads: int) -> str:
    """Model part of the calibration key: name, prior shapes and storage."""
    shapes = [(p.width, len(p.transformer.blocks), p.n_ctx) for p in (gen.low, gen.up)]
    return f"im2wav|{gen.name}|{shapes}|{gen.storage}|{machine_key(threads)}"


def im2wav_costs(gen: Any) -> dict[str, StepCost]:
    """The generator's stored step costs on this machine, measured now if missing."""
    import torch

    key = im2wav_key(gen, torch.get_num_threads())
    costs = read_costs(key)
    if costs is None:
        costs = calibrate_im2wav(gen)
        write_costs(key, costs)
    return costs


def calibrate_im2wav(gen: Any) -> dict[str, StepCost]:
    """Time a few cached steps of each prior at two row counts, and the decoder per UP token."""
    low = fit(*_rows_and_time(gen.low, gen.dtype, 2), *_rows_and_time(gen.low, gen.dtype, 8))
    up = fit(*_rows_and_time(gen.up, gen.dtype, 1), *_rows_and_time(gen.up, gen.dtype, 4))
    return {"low": low, "up": up, "decode": StepCost(_decode_seconds(gen), 0.0)}


def _rows_and_time(prior: Any, dtype: Any, rows: int) -> tuple[int, float]:
    import statistics

    times = prior_step_times(prior, rows, CALIBRATION_STEPS, CALIBRATION_WARMUP, dtype)
    return rows, statistics.median(times)


def prior_step_times(prior: Any, rows: int, steps: int, warmup: int, dtype: Any) -> list[float]:
    """Seconds of each of ``steps`` sampling steps of ``prior`` over ``rows`` rows in mid-context
    (after ``warmup`` untimed ones): the cached forward pass and the draw of the next token."""
    import torch

    from foley_studio.sampling.filters import choose_tokens

    with torch.no_grad():
        device = prior.x_emb.weight.device
        start = torch.zeros(rows, prior.width, dtype=dtype, device=device)
        x_cond = torch.zeros(rows, prior.n_ctx, prior.width, dtype=dtype, device=device)
        cache = prior.transformer.allocate_cache(rows, device=device, dtype=dtype)
        prev, uniforms = torch.zeros(rows, dtype=torch.long, device=device), torch.rand(rows)
        times = []
        for i in range(warmup + steps):
            began = time.perf_counter()
            prev = choose_tokens(prior.step(prev, prior.n_ctx // 2 + i, start, x_cond, cache), uniforms)
            times.append(time.perf_counter() - began)
    return times[warmup:]


def _decode_seconds(gen: Any) -> float:
    """Seconds the VQ-VAE takes to decode one take (per UP token)."""
    import torch

    tokens = torch.zeros(1, 256, dtype=torch.long, device=gen.device)
    with torch.no_grad():
        gen.vqvae.decode(tokens, level=0)
        began = time.perf_counter()
        gen.vqvae.decode(tokens, level=0)
    return (time.perf_counter() - began) / 256


def im2wav_estimate(gen: Any, seconds: float, takes: int, groups: int) -> JobEstimate:
    """Stages of an IM2WAV job: LOW steps (``groups`` rows per take: 1 unguided, 2 guided,
    3 with a separate sync guidance), UP steps, one decode per take."""
    import math

    costs = im2wav_costs(gen)
    low_plan, up_plan = gen.plans(math.ceil(seconds * gen.sample_rate / gen.hop_low))
    up_tokens = sum(w.new for w in up_plan)
    return JobEstimate([
        Stage("LOW", sum(w.new for w in low_plan), costs["low"].seconds(takes * groups)),
        Stage("UP", up_tokens, costs["up"].seconds(takes)),
        Stage("decode", takes, costs["decode"].seconds(1) * up_tokens)])


def estimate_request(gen: Any, request: Any) -> Optional[JobEstimate]:
    """The estimate of a :class:`~foley_studio.requests.GenerationRequest` on ``gen``, or None for
    a generator this module cannot calibrate yet."""
    if not hasattr(gen, "hop_low") or request.mode not in ("foley", "text"):
        return None
    groups = gen.low_sampling(request.sync is not None, request.sampler).groups
    return im2wav_estimate(gen, request.end - request.start, request.takes, groups)
