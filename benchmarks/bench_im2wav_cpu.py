"""Paper-size IM2WAV sampling on this CPU, next to the memory-bandwidth bound of each storage.

    python benchmarks/bench_im2wav_cpu.py                       # LOW and UP, fp32/bf16/int8, 2 threads
    python benchmarks/bench_im2wav_cpu.py --levels low --storages int8 --steps 16

Builds the LOW and UP priors at the released shapes (width 1024 × 48 layers, attention width 256,
block-sparse attention over 64 blocks; random weights), measures the machine's read and copy
bandwidth in the same process, then for each storage times cached sampling steps in the middle
of the context (1 take and 4 takes; LOW guided, so 2 and 8 rows) and prints:

* ms per token (median, and best, of ``--steps`` timed steps after a few warm-up steps);
* the bound: bytes read per step (weights as stored + the KV-cache slices the step attends to)
  ÷ read bandwidth;
* the kernel-level GB/s of the step's matrix products alone (every layer's four linear maps on
  inputs of the step's shape), which is what keeps the step above the bound;
* the time of a 4-s take at paper size (2048 LOW + 8192 UP tokens) extrapolated from ms/token.

The machine's load average is printed and saved beside the figures, since a shared machine slows
every figure; on a machine busy with other work, ``OMP_WAIT_POLICY=PASSIVE`` keeps torch's threads
from spinning against the other jobs (measured here: 2 threads at load 14, 96 fp32 1024×1024
layers on 2 rows, 1929 → 404 ms). Results go to ``--out`` (JSON). Speed is never asserted here.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch

from foley_studio.atomic import write_text_atomic
from foley_studio.estimate import prior_step_times
from foley_studio.models.im2wav.prior import LowPrior, Prior, UpPrior
from foley_studio.models.im2wav.storage import (STORAGES, activation_dtype, name_list, to_storage,
                                                weight_bytes)
from foley_studio.models.im2wav.transformer import COLUMN, DENSE, PREV_ROW, ROW

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "bench_im2wav_cpu.json"
TAKE_TOKENS = {"low": 2048, "up": 8192}  # one 4.096-s window at paper size
GB = 1e9


def bandwidth(megabytes: int = 512, repeats: int = 3) -> dict:
    """Best-of read (sum) and copy GB/s over a float32 tensor far larger than the caches."""
    src = torch.rand(megabytes * (1 << 20) // 4)
    dst = torch.empty_like(src)
    nbytes = src.numel() * 4
    read = min(_time(lambda: src.sum()) for _ in range(repeats))
    copy = min(_time(lambda: dst.copy_(src)) for _ in range(repeats))
    return {"read_gbs": nbytes / read / GB, "copy_gbs": 2 * nbytes / copy / GB, "mb": megabytes}


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def kv_bytes_per_step(prior: Prior, rows: int, pos: int, elem: int) -> int:
    """Bytes of cached keys and values a step at ``pos`` reads over all layers."""
    block_ctx = prior.n_ctx // (prior.config["blocks"])
    seen = {DENSE: pos + 1, ROW: pos % block_ctx + 1, COLUMN: pos // block_ctx + 1,
            PREV_ROW: block_ctx if pos >= block_ctx else 0}
    n_state = prior.transformer.n_state
    return sum(2 * rows * seen[b.attn.pattern] * n_state * elem for b in prior.transformer.blocks)


def step_bytes(prior: Prior) -> int:
    """Weights one step reads: the transformer, the tied output projection, one position row."""
    return weight_bytes(prior.transformer) + prior.x_emb.weight.numel() * prior.x_emb.weight.element_size()


def time_steps(prior: Prior, rows: int, steps: int, warmup: int, dtype: torch.dtype) -> dict:
    """Median and best ms of a cached step in the middle of the context, and the bytes it reads."""
    times = prior_step_times(prior, rows, steps, warmup, dtype)
    elem = torch.tensor([], dtype=dtype).element_size()
    first = prior.n_ctx // 2 + warmup
    kv = statistics.mean(kv_bytes_per_step(prior, rows, first + i, elem) for i in range(steps))
    return {"ms_per_token": 1e3 * statistics.median(times), "best_ms": 1e3 * min(times),
            "weight_bytes": step_bytes(prior), "kv_bytes": kv}


@torch.no_grad()
def matmul_rate(prior: Prior, rows: int, dtype: torch.dtype, repeats: int = 3) -> dict:
    """GB/s of the step's linear maps alone: all layers' c_attn, c_proj, c_fc, c_proj."""
    linears = [m for b in prior.transformer.blocks for m in (b.attn.c_attn, b.attn.c_proj,
                                                              b.mlp.c_fc, b.mlp.c_proj)]
    inputs = {n: torch.randn(rows, 1, n, dtype=dtype) for n in {m.in_features for m in linears}}
    run = lambda: [m(inputs[m.in_features]) for m in linears]  # noqa: E731
    run()
    seconds = min(_time(run) for _ in range(repeats))
    nbytes = sum(weight_bytes(m) for m in linears)
    return {"matmul_ms": 1e3 * seconds, "matmul_gbs": nbytes / seconds / GB, "matmul_bytes": nbytes}


def build(level: str) -> Prior:
    """A paper-size prior with random weights, in float32 and eval mode."""
    torch.manual_seed(0)
    return (LowPrior() if level == "low" else UpPrior()).eval()


def measure(level: str, storage: str, args: argparse.Namespace, bw: dict) -> dict:
    """All figures of one level in one storage, for 1 and 4 takes."""
    prior = to_storage(build(level), storage, torch.device("cpu"))
    dtype = activation_dtype(storage)
    out = {"level": level, "storage": storage, "takes": {}}
    for takes in (1, 4):
        rows = takes * (2 if level == "low" else 1)
        step = time_steps(prior, rows, args.steps, args.warmup, dtype)
        kernel = matmul_rate(prior, rows, dtype)
        bound_ms = 1e3 * (step["weight_bytes"] + step["kv_bytes"]) / (bw["read_gbs"] * GB)
        out["takes"][takes] = {**step, **kernel, "rows": rows, "bound_ms": bound_ms,
                               "x_bound": step["ms_per_token"] / bound_ms,
                               "take_s": step["ms_per_token"] * TAKE_TOKENS[level] / 1e3}
        _print_row(level, storage, takes, out["takes"][takes])
    del prior
    gc.collect()
    return out


def _print_row(level: str, storage: str, takes: int, r: dict) -> None:
    print(f"{level:3s} {storage:4s} {takes} take(s) ({r['rows']} rows): {r['ms_per_token']:7.1f} ms/token"
          f" (best {r['best_ms']:.1f})"
          f" | bound {r['bound_ms']:5.1f} ms ({(r['weight_bytes'] + r['kv_bytes']) / 1e6:.0f} MB)"
          f" → {r['x_bound']:.1f}× the bound | matmuls {r['matmul_ms']:6.1f} ms at "
          f"{r['matmul_gbs']:5.1f} GB/s | {TAKE_TOKENS[level]} tokens ≈ {r['take_s']:.0f} s", flush=True)


def summary(results: list[dict]) -> dict:
    """Seconds for a 4-s take (LOW + UP) per storage, for 1 and 4 takes."""
    table: dict = {}
    for r in results:
        for takes, row in r["takes"].items():
            table.setdefault(r["storage"], {}).setdefault(takes, 0.0)
            table[r["storage"]][takes] += row["take_s"]
    return table


def main() -> None:
    """Run the benchmark and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=name_list(("low", "up")), default="low,up",
                        help="comma-separated: low, up")
    parser.add_argument("--storages", type=name_list(STORAGES), default=",".join(STORAGES),
                        help="comma-separated storages")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=24, help="timed steps per configuration")
    parser.add_argument("--warmup", type=int, default=4)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()
    bw = bandwidth()
    policy = os.environ.get("OMP_WAIT_POLICY", "default")
    print(f"memory: read {bw['read_gbs']:.1f} GB/s, copy {bw['copy_gbs']:.1f} GB/s "
          f"({args.threads} threads, OMP_WAIT_POLICY {policy}); load average {load_before[0]:.2f}",
          flush=True)
    results = [measure(level, storage, args, bw) for level in args.levels for storage in args.storages]
    takes = summary(results)
    for storage, by_takes in takes.items():
        print(f"4-s take at paper size, {storage}: " + ", ".join(
            f"{n} take(s) {s / 60:.1f} min" for n, s in by_takes.items()))
    load_after = os.getloadavg()
    print(f"load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f}")
    report = {"machine": platform.processor() or platform.machine(), "torch": torch.__version__,
              "threads": args.threads, "omp_wait_policy": policy, "bandwidth": bw, "load_before": load_before,
              "load_after": load_after, "results": results, "take_seconds": takes,
              "steps": args.steps, "warmup": args.warmup}
    write_text_atomic(args.out, json.dumps(report, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
