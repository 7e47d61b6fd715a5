"""Every visible event sounds within 1 ms of its manifest time: in the rendered arrays and in
the soundtrack read back from the mp4 (AAC priming must not shift it)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from foley_studio.data.manifest import read_manifest
from foley_studio.data.render import write_mp4
from foley_studio.data.world import EVENT_KINDS, SAMPLE_RATE, render_clip
from foley_studio.media import VideoClip
from helpers_world import TOLERANCE, worst_error

SEEDS = (0, 1)


@pytest.mark.parametrize("cls", sorted(EVENT_KINDS))
def test_onsets_in_arrays_and_in_the_mp4(cls: str, tmp_path: Path) -> None:
    for seed in SEEDS:
        clip = render_clip(seed, cls, 3.0, second=False)
        times = clip.event_times()
        assert len(times) >= 2
        assert worst_error(clip.audio, SAMPLE_RATE, times) < TOLERANCE
        path = tmp_path / f"{cls}{seed}.mp4"
        write_mp4(path, clip)
        with VideoClip(path) as video:
            back = video.audio(SAMPLE_RATE, 0.0, clip.seconds)
        assert worst_error(back, SAMPLE_RATE, times) < TOLERANCE


def test_a_two_millisecond_shift_is_caught() -> None:
    clip = render_clip(0, "drum", 2.0, second=False)
    shifted = np.concatenate([np.zeros(44, np.float32), clip.audio[:-44]])
    assert worst_error(shifted, SAMPLE_RATE, clip.event_times()) > TOLERANCE


def test_onsets_hold_at_sixteen_kilohertz_after_resampling(tmp_path: Path) -> None:
    clip = render_clip(3, "clock", 2.0, second=False)
    write_mp4(tmp_path / "c.mp4", clip)
    with VideoClip(tmp_path / "c.mp4") as video:
        back = video.audio(16000, 0.0, clip.seconds)
    assert worst_error(back, 16000, clip.event_times()) < TOLERANCE


def test_manifest_times_match_the_written_files(tiny_world: Path) -> None:
    checked = 0
    for row in read_manifest(tiny_world):
        main = [e["time"] for e in row.events if e["main"]]
        others = [e["time"] for e in row.events if not e["main"]]
        clear = [t for t in main if not any(0 <= t - o < 0.03 for o in others)]
        if not clear:
            continue
        with VideoClip(row.video_path(tiny_world)) as video:
            audio = video.audio(SAMPLE_RATE, 0.0, row.seconds)
        assert worst_error(audio, SAMPLE_RATE, np.array(clear)) < TOLERANCE, row.key
        checked += 1
    assert checked >= 5


def test_aac_priming_is_trimmed_for_plain_pyav_readers(tmp_path: Path) -> None:
    import av

    clip = render_clip(2, "ball", 2.0, second=False)
    write_mp4(tmp_path / "b.mp4", clip)
    with av.open(str(tmp_path / "b.mp4")) as container:
        frames = list(container.decode(audio=0))
    assert frames[0].pts == 0  # the encoder delay is dropped, not shown at negative times
    audio = np.concatenate([f.to_ndarray().reshape(-1) for f in frames])
    assert worst_error(audio, SAMPLE_RATE, clip.event_times()) < TOLERANCE
