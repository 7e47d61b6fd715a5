"""How close delivered takes land to their loudness target, by an independent meter.

Takes the soundtracks of the procedural world's test clips at 16 kHz (what IM2WAV delivers),
delivers each at 48 kHz/24-bit to a loudness target under a true-peak ceiling, and measures
every file with ffmpeg's ``ebur128`` filter (integrated loudness, 4x-oversampled true peak).
Prints the error against the target, the highest true peak, how many takes the ceiling held
under the target, and the seconds one delivery takes.

    python benchmarks/bench_delivery.py [--world runs/world] [--clips 40]
        [--target -23] [--ceiling -1] [--limit] [--out DIR] [--json PATH]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from foley_studio.atomic import write_text_atomic
from foley_studio.media import load_audio
from foley_studio.media.delivery import DeliverySpec, deliver_take
from foley_studio.requests import Take


def ebur128(path: Path) -> tuple[float, float]:
    """``(integrated LUFS, true peak dBTP)`` from ffmpeg's ebur128 summary."""
    err = subprocess.run(["ffmpeg", "-nostats", "-hide_banner", "-i", str(path), "-filter_complex",
                          "ebur128=peak=true", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    summary = err[err.rindex("Summary:"):]
    return (float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary)[1]),
            float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)[1]))


def test_clips(world: Path, count: int) -> list[Path]:
    """The first ``count`` clips of the manifest's test split."""
    with open(world / "vggsound.csv", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r[3] == "test"]
    return [world / "video" / f"{r[0]}_{int(r[1]):06d}.mp4" for r in rows[:count]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, default=Path("runs/world"))
    parser.add_argument("--clips", type=int, default=40)
    parser.add_argument("--target", type=float, default=-23.0)
    parser.add_argument("--ceiling", type=float, default=-1.0)
    parser.add_argument("--limit", action="store_true", help="limit peaks to reach the target")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    spec = DeliverySpec(loudness=args.target, true_peak=args.ceiling, limit=args.limit)
    errors, peaks, held, seconds = [], [], 0, []
    for n, clip in enumerate(test_clips(args.world, args.clips)):
        take = Take(load_audio(clip, 16000), 16000, "world", n, 0.0, name=clip.stem)
        began = time.perf_counter()
        done = deliver_take(take, spec, out)
        seconds.append(time.perf_counter() - began)
        integrated, peak = ebur128(done.path)
        held += done.peak_limited
        peaks.append(peak)
        if not done.peak_limited:
            errors.append(abs(integrated - args.target))
    result = {"clips": len(seconds), "target_lufs": args.target, "ceiling_dbtp": args.ceiling,
              "limiter": args.limit,
              "held_by_ceiling": held, "mean_abs_error_lu": float(np.mean(errors)) if errors else None,
              "max_abs_error_lu": float(np.max(errors)) if errors else None,
              "max_true_peak_dbtp": float(np.max(peaks)),
              "median_seconds_per_take": float(np.median(seconds)), "load_average": os.getloadavg()[0]}
    for key, value in result.items():
        print(f"{key:26s} {value}")
    if args.json:
        write_text_atomic(args.json, json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
