"""What conform costs per 4-s take: onset detection, matching and the piece shifts.

Makes 4-s takes of decaying impacts (an 8-hit train, each hit between 80 ms early and 80 ms
late) at IM2WAV's 16 kHz and Visual Echoes' 22.05 kHz, conforms each onto its sync track and
prints the median time per take over ``--repeats`` takes, the share spent detecting
transients, and the sync error before and after (median |event → onset|, misses), measured
with the evaluation's onset detector. One thread.

    python benchmarks/bench_conform.py [--repeats 20] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from foley_studio.atomic import write_text_atomic
from foley_studio.conform import conform_take
from foley_studio.evaluation.onsets import detect_onsets, match_onsets

HITS = np.array([0.25, 0.7, 1.1, 1.6, 2.05, 2.6, 3.1, 3.55])


def take(rate: int, seed: int) -> np.ndarray:
    """A 4-s take with an impact near each hit (offsets within ±80 ms) over a faint floor."""
    rng = np.random.default_rng(seed)
    x = 0.001 * rng.standard_normal(4 * rate)
    t = np.arange(int(0.2 * rate)) / rate
    for at in HITS + rng.uniform(-0.08, 0.08, len(HITS)):
        i = int(round(at * rate))
        hit = (np.sin(2 * np.pi * 160 * t) + 0.4 * rng.standard_normal(len(t))) * np.exp(-t / 0.04)
        x[i:i + len(t)] += 0.5 * hit[:len(x) - i]
    return x.astype(np.float32)


def measure(rate: int, repeats: int) -> dict:
    totals, detects, before, after = [], [], [], []
    for seed in range(repeats):
        x = take(rate, seed)
        began = time.perf_counter()
        onsets = detect_onsets(x, rate)
        middle = time.perf_counter()
        result = conform_take(x, rate, HITS, onsets=onsets)
        totals.append(time.perf_counter() - began)
        detects.append(middle - began)
        before.append(match_onsets(onsets, HITS))
        after.append(match_onsets(detect_onsets(result.audio, rate), HITS))
    pooled = lambda runs: (float(np.median(np.concatenate([np.abs(r.errors_ms) for r in runs]))),  # noqa: E731
                           float(np.mean([r.miss_rate for r in runs])))
    return {"rate": rate, "ms_per_take": 1000 * float(np.median(totals)),
            "detect_share": float(np.median(detects) / np.median(totals)),
            "before_ms_miss": pooled(before), "after_ms_miss": pooled(after)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    rows = [measure(rate, args.repeats) for rate in (16000, 22050)]
    print(f"conform per 4-s take ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)")
    for r in rows:
        print(f"  {r['rate']:>5} Hz: {r['ms_per_take']:6.1f} ms ({100 * r['detect_share']:.0f} % detecting); "
              f"median |error| {r['before_ms_miss'][0]:.1f} → {r['after_ms_miss'][0]:.1f} ms, "
              f"missed {100 * r['before_ms_miss'][1]:.0f} → {100 * r['after_ms_miss'][1]:.0f} % (±50 ms)")
    if args.json:
        write_text_atomic(args.json, json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
