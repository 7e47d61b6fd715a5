"""How quickly the timeline's mix renders: what Play (P or Space) waits for before sound starts,
and what exporting a repaired production track costs.

An hour of production audio at ``--rate`` with three Foley lanes of ``--clips`` trimmed, faded
takes each (16 kHz and 22.05 kHz, resampled by soxr) and an edited production lane with
``--repairs`` repairs. It prints the median wall-clock seconds of rendering a window of
``--window`` seconds from the middle, and of the whole repaired track.

    python benchmarks/bench_mix.py [--rate 48000] [--clips 40] [--repairs 20] [--window 60]
        [--repeats 5] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import timeit
from pathlib import Path

import numpy as np

from foley_studio.atomic import write_text_atomic
from foley_studio.media.mix import ADD, REPAIR, ClipSound, LaneSound, render_mix, render_repaired

HOUR = 3600.0


def lanes(rng: np.random.Generator, clips: int, repairs: int) -> list[LaneSound]:
    """Three Foley lanes of 2 s takes and one repair lane of 3 s inpaint takes over an hour."""
    def take(rate: int, seconds: float) -> np.ndarray:
        return rng.uniform(-0.3, 0.3, int(rate * seconds)).astype(np.float32)

    foley = [LaneSound(ADD, 0.7, tuple(
        ClipSound(take(rate, 2.0), rate, float(rng.uniform(0, HOUR - 2)), 0.2, 1.5, 0.05, 0.1, 0.8)
        for _ in range(clips))) for rate in (16000, 22050, 16000)]
    repair = LaneSound(REPAIR, 1.0, tuple(
        ClipSound(take(16000, 3.0), 16000, t + 0.96, 0.96, 1.08, 0.04, 0.04)
        for t in rng.uniform(0, HOUR - 3, repairs)))
    return [*foley, repair]


def median_seconds(fn, repeats: int) -> float:
    """The median wall-clock seconds of ``repeats`` calls of ``fn``."""
    return statistics.median(timeit.repeat(fn, number=1, repeat=repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=48000)
    parser.add_argument("--clips", type=int, default=40)
    parser.add_argument("--repairs", type=int, default=20)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "bench_mix.json")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    production = rng.uniform(-0.5, 0.5, int(HOUR * args.rate)).astype(np.float32)  # (S,)
    mix = lanes(rng, args.clips, args.repairs)
    first, count = int(HOUR / 2 * args.rate), int(args.window * args.rate)
    window = median_seconds(lambda: render_mix(mix, production, args.rate, first, count), args.repeats)
    whole = median_seconds(lambda: render_repaired(production, args.rate, mix[-1].clips), 1)
    result = {"rate": args.rate, "clips_per_lane": args.clips, "repairs": args.repairs,
              "window_s": args.window, "render_window_s": round(window, 4),
              "render_repaired_hour_s": round(whole, 3), "machine": platform.processor() or platform.machine()}
    print(f"{args.window:g} s window of a 1 h, {args.rate} Hz timeline "
          f"(3 x {args.clips} clips, {args.repairs} repairs): {window:.3f} s")
    print(f"the whole repaired hour: {whole:.2f} s")
    write_text_atomic(args.json, json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
