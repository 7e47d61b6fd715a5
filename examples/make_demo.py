"""Render ``examples/demo.mp4`` and its sidecar ``examples/demo.json`` from the procedural world.

A ball bouncing on a wooden floor with a clock ticking on the wall behind it: every bounce
and every tick is seen in one frame and heard from that frame's first sample on. The sidecar
lists all event times (seconds), each event's details, the caption and how to re-render it.

    python examples/make_demo.py
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from foley_studio.atomic import write_text_atomic
from foley_studio.data.render import write_mp4
from foley_studio.data.world import render_clip

HERE = Path(__file__).resolve().parent
SEED, SECONDS = 0, 5.0


def main() -> None:
    clip = render_clip(SEED, "ball", SECONDS, second="clock")
    write_mp4(HERE / "demo.mp4", clip)
    meta = {"caption": clip.caption, "label": clip.label, "objects": clip.objects,
            "events": [round(e.time, 6) for e in clip.events],
            "event_details": [asdict(e) for e in clip.events],
            "seconds": clip.seconds, "fps": clip.fps, "sample_rate": clip.sample_rate,
            "render": f"render_clip({SEED}, 'ball', {SECONDS}, second='clock')"}
    write_text_atomic(HERE / "demo.json", json.dumps(meta, indent=2) + "\n")
    print(f"{HERE / 'demo.mp4'}: {clip.caption}; {len(clip.events)} events")


if __name__ == "__main__":
    main()
