"""render_clip: rates, shapes, determinism, events on frames, scene options, bad arguments."""
from __future__ import annotations

import numpy as np
import pytest

from foley_studio.data.world import CLASSES, EVENT_KINDS, FPS, SAMPLE_RATE, render_clip
from foley_studio.errors import ConfigError


def test_ten_classes_six_with_events() -> None:
    assert len(CLASSES) == 10 and CLASSES == sorted(CLASSES)
    assert set(EVENT_KINDS) == {"ball", "bell", "bird", "clock", "drum", "footsteps"}


def test_rates_and_shapes() -> None:
    clip = render_clip(3, "ball", 2.0)
    assert SAMPLE_RATE % FPS == 0 and SAMPLE_RATE // FPS == 882
    assert clip.frames.shape == (50, 128, 128, 3) and clip.frames.dtype == np.uint8
    assert clip.audio.shape == (50 * 882,) and clip.audio.dtype == np.float32
    assert np.max(np.abs(clip.audio)) == pytest.approx(0.8, abs=1e-4)
    assert clip.seconds == 2.0 and clip.label == "ball"


def test_same_seed_same_arrays_other_seed_differs() -> None:
    a, b, c = render_clip(11, "drum", 1.0), render_clip(11, "drum", 1.0), render_clip(12, "drum", 1.0)
    assert np.array_equal(a.frames, b.frames) and np.array_equal(a.audio, b.audio)
    assert a.events == b.events and a.caption == b.caption
    assert not np.array_equal(a.audio, c.audio)
    assert not np.array_equal(a.frames, c.frames)


def test_seed_alone_chooses_the_class_deterministically() -> None:
    labels = {render_clip(s, None, 0.2).label for s in range(12)}
    assert len(labels) > 3
    assert render_clip(5, None, 0.2).label == render_clip(5, None, 0.2).label


@pytest.mark.parametrize("cls", sorted(EVENT_KINDS))
def test_events_sit_on_frames(cls: str) -> None:
    clip = render_clip(21, cls, 4.0, second=False)
    assert len(clip.events) >= 2
    for event in clip.events:
        assert event.time == event.frame / FPS and event.kind == EVENT_KINDS[cls] and event.main
        assert 0 <= event.frame < len(clip.frames)


def test_second_object_is_quieter_and_leaves_the_main_one_alone() -> None:
    alone = render_clip(4, "clock", 2.0, second=False)
    duo = render_clip(4, "clock", 2.0, second="bell")
    assert duo.objects == ["clock", "bell"] and "bell" in duo.caption
    assert [e for e in duo.events if e.main] == alone.events
    assert any(not e.main and e.kind == "strike" for e in duo.events)
    assert not np.array_equal(alone.frames, duo.frames)


def test_captions_name_object_and_place() -> None:
    clip = render_clip(2, "ball", 0.4, second=False)
    assert "ball bouncing" in clip.caption and "wooden floor" in clip.caption


@pytest.mark.parametrize("kwargs", [dict(cls="cat"), dict(cls="ball", second="ball"),
                                    dict(cls="ball", sample_rate=22001), dict(cls="ball", seconds=0.0)])
def test_bad_arguments_raise_config_errors(kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        render_clip(0, **kwargs)


def test_sixteen_kilohertz_keeps_whole_samples_per_frame() -> None:
    clip = render_clip(1, "clock", 1.0, sample_rate=16000)
    assert clip.audio.shape == (25 * 640,) and clip.sample_rate == 16000


def _per_frame(x: np.ndarray, spf: int) -> np.ndarray:
    return x[: len(x) // spf * spf].reshape(-1, spf)  # (F, spf)


def test_continuous_sounds_follow_what_is_seen() -> None:
    from foley_studio.data.things import THINGS, Box

    rng, box, spf = np.random.default_rng(0), Box(0, 0, 128), 882
    grass = THINGS["wind"].sample(rng, 100, box)
    loud = np.sqrt(np.mean(_per_frame(grass.sound(rng, 100 * spf, SAMPLE_RATE, spf), spf) ** 2, 1))
    assert np.corrcoef(loud, grass.gust)[0, 1] > 0.8  # the wind is loud when the grass bends

    car = THINGS["engine"].sample(rng, 100, box)
    hum = car.sound(rng, 100 * spf, SAMPLE_RATE, spf).reshape(10, 10 * spf)  # 0.4-s pieces
    spectrum = np.abs(np.fft.rfft(hum * np.hanning(10 * spf), n=4 * 10 * spf, axis=1))
    bins = np.fft.rfftfreq(4 * 10 * spf, 1 / SAMPLE_RATE)
    band = (bins > 30) & (bins < 150)
    pitch = bins[band][np.argmax(spectrum[:, band], axis=1)]  # (10,) Hz
    speed = car.speed.reshape(10, 10).mean(1)
    assert np.corrcoef(pitch, speed)[0, 1] > 0.9  # the engine revs with the car's speed
