"""What conform costs per 4-s take: onset detection, matching and the piece shifts.

Makes 4-s takes of decaying impacts (an 8-hit train, each hit between 80 ms early and 80 ms
late) at IM2WAV's 16 kHz and Visual Echoes' 22.05 kHz, conforms each onto its sync track and
prints the median time per take over ``--repeats`` takes, the share spent detecting
transients, and the sync error before and after (median |event → onset|, misses), measured
with the evaluation's onset detector. One thread.

With ``--world``, also the soundtracks of the first ``--per-class`` held-out clips of each
impact class (ball, drum, footsteps, clock: a second object's sounds and room tone included),
conformed onto the main object's event times moved by a random 20–100 ms earlier or later.

    python benchmarks/bench_conform.py [--repeats 20] [--world runs/world --per-class 10] [--json PATH]
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


def world_takes(root: str, per_class: int, rate: int = 16000) -> dict:
    """Conform world soundtracks onto their main events shifted by ±20–100 ms."""
    from foley_studio.media import VideoClip
    from foley_studio.syncing.world import clip_path, world_rows

    rng = np.random.default_rng(0)
    counts: dict[str, int] = {}
    before, after, seconds = [], [], []
    for row in world_rows(root, "test"):
        if row["label"] not in ("ball", "drum", "footsteps", "clock") or counts.get(row["label"], 0) >= per_class:
            continue
        counts[row["label"]] = counts.get(row["label"], 0) + 1
        with VideoClip(clip_path(root, row)) as clip:
            audio = clip.audio(rate, 0.0, 4.0)  # (S,)
        shift = rng.choice([-1, 1]) * rng.uniform(0.02, 0.1)  # the sync track is off, not the sound
        events = np.array([e["time"] + shift for e in row["events"] if e["main"]])
        events = events[(events >= 0.05) & (events < 3.95)]
        began = time.perf_counter()
        result = conform_take(audio, rate, events)
        seconds.append(time.perf_counter() - began)
        before.append(match_onsets(detect_onsets(audio, rate), events))
        after.append(match_onsets(detect_onsets(result.audio, rate), events))
    figures = lambda runs: {  # noqa: E731
        "median_ms": float(np.median(np.concatenate([np.abs(r.errors_ms) for r in runs]))),
        "miss": float(sum(r.n_events - r.matched for r in runs) / sum(r.n_events for r in runs)),
        "extra": float(sum(r.n_onsets - r.matched for r in runs) / max(1, sum(r.n_onsets for r in runs)))}
    return {"clips": len(before), "ms_per_take": 1000 * float(np.median(seconds)),
            "before": figures(before), "after": figures(after)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--world", default=None)
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    rows: list = [measure(rate, args.repeats) for rate in (16000, 22050)]
    print(f"conform per 4-s take ({platform.machine()}, {os.cpu_count()} cores, load {load:.1f})")
    for r in rows:
        print(f"  {r['rate']:>5} Hz: {r['ms_per_take']:6.1f} ms ({100 * r['detect_share']:.0f} % detecting); "
              f"median |error| {r['before_ms_miss'][0]:.1f} → {r['after_ms_miss'][0]:.1f} ms, "
              f"missed {100 * r['before_ms_miss'][1]:.0f} → {100 * r['after_ms_miss'][1]:.0f} % (±50 ms)")
    if args.world:
        world = world_takes(args.world, args.per_class)
        b, a = world["before"], world["after"]
        print(f"  world soundtracks, {world['clips']} clips shifted ±20–100 ms: {world['ms_per_take']:.1f} ms; "
              f"median |error| {b['median_ms']:.1f} → {a['median_ms']:.1f} ms, missed "
              f"{100 * b['miss']:.0f} → {100 * a['miss']:.0f} %, extra {100 * b['extra']:.0f} → "
              f"{100 * a['extra']:.0f} % (±50 ms)")
        rows.append(world)
    if args.json:
        report = {"machine": platform.machine(), "cpu_count": os.cpu_count(),
                  "load_average_before": load, "takes": rows}
        write_text_atomic(args.json, json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
