"""How quickly the timeline's pictures come: the overview, and exact frames for a zoomed view.

Renders a world clip (H.264 at the encoder's default keyframe interval of 250 frames, so one
group of pictures spans 10 s at 25 fps, as long-GOP camera files do) and times on one core:

- the overview the timeline opens with (48 keyframe thumbnails and the soundtrack's peaks);
- the thumbnails of a view zoomed to about a frame per box (20 consecutive frames);
- a view zoomed to about half a second per box (20 frames over 10 s);
- one exact frame in the middle of a group of pictures, which is what each figure is
  compared with, so the ratios hold on a slower or busier machine.

    python benchmarks/bench_timeline.py [--seconds 30] [--size 256] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
import torch

from foley_studio.atomic import write_text_atomic
from foley_studio.data import render_clip, write_mp4
from foley_studio.media import VideoClip
from ui.services.media import THUMB_HEIGHT, read_overview


def timed(path: Path, times: list[float], repeats: int = 3) -> float:
    """Best of ``repeats`` wall-clock seconds for the thumbnails at ``times``, each repeat on a
    freshly opened clip (opening is not timed), as the first request after a zoom finds it."""
    best = float("inf")
    for _ in range(repeats):
        with VideoClip(path, max_side=640) as clip:
            began = time.perf_counter()
            clip.thumbnails_at(times, THUMB_HEIGHT)
            best = min(best, time.perf_counter() - began)
    return best


def measure(path: Path, fps: float) -> dict[str, float]:
    """Seconds for the overview, the two zoomed views and one mid-GOP frame."""
    began = time.perf_counter()
    read_overview(str(path))
    return {"overview_s": time.perf_counter() - began,
            "zoom_frame_per_box_s": timed(path, [5.0 + i / fps for i in range(20)]),
            "zoom_half_second_per_box_s": timed(path, [5.0 + i * 0.5 for i in range(20)]),
            "one_frame_s": timed(path, [5.0])}


def main() -> None:
    """Render, time and print the figures (and write them as JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--size", type=int, default=256, help="frame side in pixels")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long-gop.mp4"
        clip = render_clip(0, "ball", args.seconds, size=args.size)
        write_mp4(path, clip)
        figures = measure(path, clip.fps)
    one = figures["one_frame_s"]
    figures.update({k[:-2] + "_in_frames": v / one for k, v in list(figures.items()) if k != "one_frame_s"})
    figures.update(seconds=args.seconds, size=args.size, load_average=os.getloadavg()[0],
                   machine=platform.processor() or platform.machine())
    for key, value in figures.items():
        print(f"{key:36s} {value:.4g}" if isinstance(value, float) else f"{key:36s} {value}")
    if args.json:
        write_text_atomic(args.json, json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
