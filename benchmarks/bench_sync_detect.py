"""How well hits are detected from the picture: the procedural world's held-out clips.

For every test clip (or the first ``--per-class`` of each class) the detector reads the
clip's frames, and its hits are paired with the visible events one to one, nearest first,
within ±1 frame (40 ms at the world's 25 fps). Printed per class and pooled: precision,
recall, F1 and the median |error| of paired hits in ms, against every visible event (what
makes a sound on screen) and against the main object's events only (what the clip's sound is
about). Classes without events (engine, insect, water, wind) give false hits only.

    python benchmarks/bench_sync_detect.py [--world runs/world] [--split test]
        [--detector visual|learned] [--weights PATH] [--per-class N] [--cache DIR] [--json PATH]

``--cache`` keeps each clip's motion features, so a second run (or the other detector)
skips the optical flow.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import cv2
import numpy as np

from foley_studio.atomic import write_text_atomic
from foley_studio.syncing.visual import VisualConfig, hits_from_curve, impact_curve
from foley_studio.syncing.world import clip_features, event_frames, score, world_rows


def detector(kind: str, weights: str | None):
    """``(region, features) → hit frames`` for the chosen detector."""
    if kind == "visual":
        return lambda region, feats: hits_from_curve(impact_curve(feats), region, VisualConfig())
    from foley_studio.syncing.learned import LearnedDetector

    model = LearnedDetector.load(weights) if weights else LearnedDetector.shipped()
    return lambda region, feats: model.track(region, feats)


def pick(rows: list[dict], per_class: int | None) -> list[dict]:
    """The first ``per_class`` rows of each class (all rows when None)."""
    counts: dict[str, int] = {}
    out = []
    for row in rows:
        counts[row["label"]] = counts.get(row["label"], 0) + 1
        if per_class is None or counts[row["label"]] <= per_class:
            out.append(row)
    return out


def run(args: argparse.Namespace) -> dict:
    cv2.setNumThreads(1)  # 128-px frames: OpenCV's own threads only contend
    rows = pick(world_rows(args.world, args.split), args.per_class)
    detect = detector(args.detector, args.weights)
    cache = Path(args.cache) if args.cache else None
    found, began = [], time.perf_counter()
    for row in rows:
        region, feats = clip_features(args.world, row, cache)
        track = detect(region, feats)
        frames = np.round(np.asarray(track.times) * region.fps).astype(int)
        found.append((row, frames))
    seconds = time.perf_counter() - began
    fps = float(region.fps)
    return {"detector": args.detector, "clips": len(rows), "seconds": seconds,
            "load_average_after": os.getloadavg()[0],
            "all events": score(((r["label"], f, event_frames(r)) for r, f in found), fps),
            "main events": score(((r["label"], f, event_frames(r, True)) for r, f in found), fps)}


def show(result: dict) -> None:
    print(f"{result['detector']} detector, {result['clips']} clips, {result['seconds']:.1f} s")
    for truth in ("all events", "main events"):
        print(f"\n  against {truth} (±1 frame)")
        print(f"  {'class':<10} {'P':>6} {'R':>6} {'F1':>6} {'err ms':>7} {'hits':>6} {'events':>7}")
        for label, f in result[truth].items():
            print(f"  {label:<10} {f['precision']:6.3f} {f['recall']:6.3f} {f['f1']:6.3f} "
                  f"{f['median_error_ms']:7.1f} {f['hits']:6d} {f['events']:7d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", default="runs/world")
    parser.add_argument("--split", default="test")
    parser.add_argument("--detector", choices=("visual", "learned"), default="visual")
    parser.add_argument("--weights", default=None)
    parser.add_argument("--per-class", type=int, default=None)
    parser.add_argument("--cache", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    result = run(args)
    show(result)
    if args.json:
        write_text_atomic(args.json, json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
