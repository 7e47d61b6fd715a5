"""The bundled demo clip: small, 4–6 s, and its sidecar's events are where the sound is."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from foley_studio.data.world import SAMPLE_RATE
from foley_studio.media import VideoClip
from helpers_world import TOLERANCE, worst_error

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_demo_clip_is_small_and_its_events_sound_on_time() -> None:
    path = EXAMPLES / "demo.mp4"
    meta = json.loads((EXAMPLES / "demo.json").read_text())
    assert path.stat().st_size <= 1024 * 1024
    assert meta["caption"] and meta["events"] == [e["time"] for e in meta["event_details"]]
    with VideoClip(path) as video:
        assert 4.0 <= video.duration <= 6.0 and video.fps == 25
        audio = video.audio(SAMPLE_RATE, 0.0, video.duration)
    bounces = [e["time"] for e in meta["event_details"] if e["main"]]
    assert len(bounces) >= 4 and worst_error(audio, SAMPLE_RATE, np.array(bounces)) < TOLERANCE
