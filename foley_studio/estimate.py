"""How long a generation job will take on this machine, said before it starts (torch-free).

A job is a sequence of stages (IM2WAV: LOW tokens, UP tokens, decoding; Visual Echoes: unmasking
steps, then decoder windows), each a number of steps whose cost was measured once on this machine:
``seconds per step = fixed + per_row · rows`` (rows = takes, doubled by guidance). The
measurements live in ``<cache>/calibration.json``, keyed by the model (name, shapes, weight
storage or dtype and device) and the machine (processor, cores, torch threads);
:func:`calibrate_im2wav` and :func:`calibrate_echoes` make them with torch when a key is missing,
in a few seconds.

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


def stored_costs(key: str, measure: Callable[[], dict[str, StepCost]]) -> dict[str, StepCost]:
    """The step costs stored under ``key``; ``measure()`` makes and stores them when missing."""
    costs = read_costs(key)
    if costs is None:
        costs = measure()
        write_costs(key, costs)
    return costs


def fit(rows_a: int, secs_a: float, rows_b: int, secs_b: float) -> StepCost:
    """The line through two (rows, seconds per step) measurements."""
    per_row = (secs_b - secs_a) / (rows_b - rows_a)
    return StepCost(secs_a - per_row * rows_a, per_row)


# ---------------------------------------------------------------------------- IM2WAV
def im2wav_key(gen: Any, threads: int) -> str:
    """Model part of the calibration key: name, prior shapes, storage and activation dtype."""
    shapes = [(p.width, len(p.transformer.blocks), p.n_ctx) for p in (gen.low, gen.up)]
    return f"im2wav|{gen.name}|{shapes}|{gen.storage}|{gen.dtype}|{machine_key(threads)}"


def im2wav_costs(gen: Any) -> dict[str, StepCost]:
    """The generator's stored step costs on this machine, measured now if missing."""
    import torch

    return stored_costs(im2wav_key(gen, torch.get_num_threads()), lambda: calibrate_im2wav(gen))


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


# ---------------------------------------------------------------------------- Visual Echoes
def echoes_key(gen: Any, threads: int) -> str:
    """Model part of the calibration key: name, transformer and codec shapes, dtype, device."""
    c = gen.model.config
    shapes = (c.dim, c.depth, c.decoder_dim, c.decoder_depth, c.audio_len, c.image_len,
              gen.audio.rows, gen.window_cols, type(gen.audio.vocoder).__name__)
    dtype = next(gen.model.parameters()).dtype
    return f"echoes|{gen.name}|{shapes}|{dtype}|{gen.device}|{machine_key(threads)}"


def echoes_costs(gen: Any) -> dict[str, StepCost]:
    """The generator's stored step costs on this machine, measured now if missing."""
    import torch

    return stored_costs(echoes_key(gen, torch.get_num_threads()), lambda: calibrate_echoes(gen))


def calibrate_echoes(gen: Any) -> dict[str, StepCost]:
    """Time guided unmasking steps of one window at 1 and 4 takes (2 and 8 rows), and the decode
    of one window (spectrogram VQGAN + vocoder) at 1 and 4 takes."""
    return {"unmask": fit(*_unmask_step(gen, 1), *_unmask_step(gen, 4)),
            "decode": fit(*_decode_window(gen, 1), *_decode_window(gen, 4))}


def _unmask_step(gen: Any, takes: int) -> tuple[int, float]:
    """2 · ``takes`` rows and the median seconds of a guided unmasking step of one window whose
    audio is all unknown (the transformer pass over both rows, sampling and ranking)."""
    import statistics

    import torch

    from foley_studio.models.echoes.canvas import WindowImages, fill_window
    from foley_studio.sampling.maskgit import UnmaskSettings

    c, device = gen.model.config, gen.device
    audio = torch.zeros(takes, c.audio_len, dtype=torch.long, device=device)
    image = torch.zeros(takes, c.image_len, dtype=torch.long, device=device)
    cols = gen.model.default_frame_cols(takes, device) if c.frames > 1 else None
    stamps = [time.perf_counter()]
    with torch.no_grad():
        fill_window(gen.model, audio, torch.ones_like(audio, dtype=torch.bool),
                    WindowImages(image, torch.zeros_like(image, dtype=torch.bool), frame_cols=cols),
                    settings=UnmaskSettings(steps=CALIBRATION_WARMUP + CALIBRATION_STEPS),
                    guidance=3.0, generators=[torch.Generator(device).manual_seed(i) for i in range(takes)],
                    progress=lambda d, t: stamps.append(time.perf_counter()))
    steps = [b - a for a, b in zip(stamps, stamps[1:])]
    return 2 * takes, statistics.median(steps[CALIBRATION_WARMUP:])


def _decode_window(gen: Any, takes: int) -> tuple[int, float]:
    """``takes`` rows and the seconds of decoding one window of them to a waveform."""
    import torch

    canvas = torch.zeros(takes, gen.audio.rows, gen.window_cols, dtype=torch.long, device=gen.device)
    gen.decode_audio(canvas)  # warm-up
    began = time.perf_counter()
    gen.decode_audio(canvas)
    return takes, time.perf_counter() - began


def echoes_estimate(gen: Any, request: Any, window: float = 1.0) -> JobEstimate:
    """Stages of a Visual Echoes job: the unmasking steps of its windows (2 rows per take when
    guided), then its decoder windows; counted by the generator's own :meth:`work`."""
    seconds = request.end - request.start
    gap = None if request.gap is None else (request.gap[0] - request.start, request.gap[1] - request.start)
    work = gen.work(request.mode, request.takes, request.sampler,
                    seconds=request.extend if request.mode == "extend" else seconds,
                    samples=int(round(seconds * gen.sample_rate)), gap=gap, window=window)
    costs = echoes_costs(gen)
    return JobEstimate([Stage("unmask", work.unmask_steps, costs["unmask"].seconds(work.rows)),
                        Stage("decode", work.decodes, costs["decode"].seconds(work.takes))])


def estimate_request(gen: Any, request: Any, window: float = 1.0) -> Optional[JobEstimate]:
    """The estimate of a :class:`~foley_studio.requests.GenerationRequest` on ``gen`` (a
    storyboard draws one picture per ``window`` s), or None for a generator or mode this module
    cannot calibrate yet."""
    if hasattr(gen, "hop_low") and request.mode in ("foley", "text"):
        groups = gen.low_sampling(request.sync is not None, request.sampler).groups
        return im2wav_estimate(gen, request.end - request.start, request.takes, groups)
    if hasattr(gen, "work") and request.mode in gen.modes:
        return echoes_estimate(gen, request, window)
    return None
