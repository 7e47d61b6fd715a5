"""Onsets of the procedural world's clips line up with their known visual event times."""
from __future__ import annotations

import numpy as np
import pytest

from foley_studio.data.world import EVENT_KINDS, render_clip
from foley_studio.evaluation.onsets import detect_onsets, sync_error

EVENT_CLASSES = sorted(EVENT_KINDS)


def _sync(seeds: range, second: bool):
    clips = [render_clip(seed, cls, 3.0, second=second) for seed in seeds for cls in EVENT_CLASSES]
    onsets = [detect_onsets(c.audio, c.sample_rate) for c in clips]
    return sync_error(onsets, [c.event_times() for c in clips], window_s=0.05)


def test_clean_world_audio_within_five_ms() -> None:
    result = _sync(range(2), second=False)
    assert result.n_events >= 30
    assert result.median_abs_ms <= 5.0
    assert result.miss_rate <= 0.05


def test_world_audio_with_a_second_object_still_syncs() -> None:
    """A quieter second sound source adds onsets (extras) but must not hide the main events."""
    result = _sync(range(2, 4), second=True)
    assert result.median_abs_ms <= 5.0
    assert result.miss_rate <= 0.15


def test_shifted_audio_shows_the_shift() -> None:
    clip = render_clip(5, "drum", 3.0, second=False)
    shift = int(0.02 * clip.sample_rate)  # 20 ms late
    late = np.concatenate([np.zeros(shift, np.float32), clip.audio[:-shift]])
    result = sync_error([detect_onsets(late, clip.sample_rate)], [clip.event_times()])
    assert np.median(result.errors_ms) == pytest.approx(20.0, abs=1.0)
