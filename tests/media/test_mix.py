"""The lane renderer: exact samples for trims, fades, gains, mute/solo and repairs."""
from __future__ import annotations

import numpy as np
import pytest

from foley_studio.media.mix import (ADD, REPAIR, SOURCE, ClipSound, LaneSound, clip_audio, ramp,
                                    render_mix, render_repaired, to_rate)

RATE = 1000


def _ramp_take(n: int = 1000) -> np.ndarray:
    return (np.arange(n, dtype=np.float32) + 1) / 10000  # sample i holds (i + 1) / 10000


def test_a_trim_plays_the_right_samples_at_the_right_place() -> None:
    take = _ramp_take()
    clip = ClipSound(take, RATE, start=0.1, offset=0.25, length=0.3)
    out = render_mix([LaneSound(ADD, 1.0, (clip,))], np.zeros(1000, np.float32), RATE)
    assert np.all(out[:100] == 0) and np.all(out[400:] == 0)
    np.testing.assert_array_equal(out[100:400], take[250:550])


def test_a_window_renders_the_same_samples_as_the_whole() -> None:
    clip = ClipSound(_ramp_take(), RATE, start=0.1, offset=0.25, length=0.3, fade_in=0.05)
    whole = render_mix([LaneSound(ADD, 0.5, (clip,))], np.zeros(1000, np.float32), RATE)
    part = render_mix([LaneSound(ADD, 0.5, (clip,))], np.zeros(1000, np.float32), RATE, 120, 200)
    np.testing.assert_array_equal(part, whole[120:320])


def test_foley_fades_are_linear_ramps_and_clip_and_lane_gains_multiply() -> None:
    ones = np.ones(500, np.float32)
    clip = ClipSound(ones, RATE, start=0.0, fade_in=0.1, fade_out=0.2, gain=0.5)
    audio = clip_audio(clip, RATE)
    np.testing.assert_allclose(audio[:100], 0.5 * (np.arange(100) + 0.5) / 100, rtol=1e-6)
    np.testing.assert_allclose(audio[300:], 0.5 * ((np.arange(200) + 0.5) / 200)[::-1], rtol=1e-6)
    assert np.all(audio[100:300] == 0.5)
    out = render_mix([LaneSound(ADD, 0.5, (clip,))], np.zeros(500, np.float32), RATE)
    assert out[200] == pytest.approx(0.25)


def test_only_the_lanes_handed_over_sound_source_lanes_at_their_gain() -> None:
    production = np.full(100, 0.5, np.float32)
    clip = ClipSound(np.full(50, 0.25, np.float32), RATE, start=0.01)
    both = render_mix([LaneSound(SOURCE, 0.5), LaneSound(ADD, 1.0, (clip,))], production, RATE)
    assert both[0] == 0.25 and both[30] == 0.5 and both[70] == 0.25
    alone = render_mix([LaneSound(ADD, 1.0, (clip,))], production, RATE)  # the source is muted
    assert alone[0] == 0.0 and alone[30] == 0.25
    assert render_mix([LaneSound(SOURCE, 4.0)], production, RATE)[0] == 1.0  # clipped


def test_the_repaired_track_is_the_original_outside_the_seams_and_the_take_in_the_gap() -> None:
    rng = np.random.default_rng(1)
    production = rng.uniform(-0.5, 0.5, 3000).astype(np.float32)
    take = rng.uniform(-0.5, 0.5, 1000).astype(np.float32)  # generated for 1.0-2.0 s
    # The gap is 1.4-1.6 s; the clip sounds 1.36-1.64 s: a 40 ms seam on each side.
    clip = ClipSound(take, RATE, start=1.36, offset=0.36, length=0.28, fade_in=0.04, fade_out=0.04)
    out = render_repaired(production, RATE, (clip,))
    np.testing.assert_array_equal(out[:1360], production[:1360])
    np.testing.assert_array_equal(out[1640:], production[1640:])
    np.testing.assert_array_equal(out[1400:1600], take[400:600])
    theta = np.pi / 2 * ramp(40)
    np.testing.assert_allclose(out[1360:1400], production[1360:1400] * np.cos(theta)
                               + take[360:400] * np.sin(theta), atol=1e-7)
    np.testing.assert_allclose(out[1600:1640], take[600:640] * np.cos(theta)
                               + production[1600:1640] * np.sin(theta), atol=1e-7)


def test_a_repair_seam_keeps_the_power_of_a_take_that_matches_the_original() -> None:
    production = np.full(1000, 0.5, np.float32)
    clip = ClipSound(np.full(1000, 0.5, np.float32), RATE, start=0.2, length=0.5, fade_in=0.1,
                     fade_out=0.1)
    out = render_repaired(production, RATE, (clip,))
    weights = np.cos(np.pi / 2 * ramp(100)) + np.sin(np.pi / 2 * ramp(100))  # > 1 in the middle
    np.testing.assert_allclose(out[200:300], 0.5 * weights, atol=1e-7)
    assert np.all(out[300:600] == 0.5)
    lane = render_mix([LaneSound(REPAIR, 0.5, (clip,))], production, RATE)
    assert lane[0] == 0.25 and lane[400] == 0.25


def test_a_take_at_another_rate_is_resampled_by_soxr_to_the_mix_rate() -> None:
    t = np.arange(16000) / 16000
    take = np.sin(2 * np.pi * 440 * t).astype(np.float32)  # 1 s at 16 kHz
    out = to_rate(take, 16000, 48000)
    assert len(out) == 48000
    clip = ClipSound(take, 16000, start=0.5, offset=0.25, length=0.5)
    mixed = render_mix([LaneSound(ADD, 1.0, (clip,))], np.zeros(96000, np.float32), 48000)
    expected = np.sin(2 * np.pi * 440 * (np.arange(24000) / 48000 + 0.25))
    np.testing.assert_allclose(mixed[24000 + 100:48000 - 100], expected[100:-100], atol=2e-3)
    assert np.all(mixed[:24000] == 0) and np.all(mixed[48000:] == 0)
