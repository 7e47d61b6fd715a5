"""How fast the procedural world renders: clips/s and the time for 100 clips of 4 s.

Renders with ``render_dataset`` (mp4 files and manifest, as ``foley-studio synth`` does) into
a temporary folder, and times ``render_clip`` alone (arrays, no files) on one core.

    python benchmarks/bench_synth.py [--clips 100] [--seconds 4] [--workers K] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

from foley_studio.atomic import write_text_atomic
from foley_studio.data.render import render_dataset
from foley_studio.data.world import CLASSES, render_clip


def time_arrays(seconds: float, per_class: int = 2) -> float:
    """Seconds per clip for ``render_clip`` alone, one process."""
    began = time.perf_counter()
    for k, cls in enumerate(CLASSES * per_class):
        render_clip(k, cls, seconds)
    return (time.perf_counter() - began) / (len(CLASSES) * per_class)


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its finished worker processes."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def time_files(clips: int, seconds: float, workers: int | None) -> tuple[float, float]:
    """(wall, CPU) seconds to render ``clips`` clips to mp4 files and a manifest. The CPU
    time does not depend on how busy the machine is; wall time does."""
    with tempfile.TemporaryDirectory() as tmp:
        began, cpu = time.perf_counter(), cpu_seconds()
        render_dataset(Path(tmp), clips, seed=0, seconds=seconds, workers=workers)
        return time.perf_counter() - began, cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/bench_synth.json"))
    args = parser.parse_args()
    per_clip = time_arrays(args.seconds)
    wall, cpu = time_files(args.clips, args.seconds, args.workers)
    workers = args.workers or os.cpu_count() or 1
    result = {"clips": args.clips, "seconds_per_clip": args.seconds,
              "workers": workers, "cpu_count": os.cpu_count(),
              "load_average_before": os.getloadavg()[0],
              "machine": platform.processor() or platform.machine(),
              "files_wall_s": round(wall, 2), "clips_per_s": round(args.clips / wall, 2),
              "wall_s_per_100_clips": round(100 * wall / args.clips, 2),
              "cpu_s_per_clip": round(cpu / args.clips, 3),
              "idle_machine_wall_s_per_100_clips": round(100 * cpu / args.clips / workers, 2),
              "arrays_s_per_clip_one_core": round(per_clip, 4)}
    for key, value in result.items():
        print(f"{key:28s} {value}")
    write_text_atomic(args.json, json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
