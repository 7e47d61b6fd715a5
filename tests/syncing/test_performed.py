"""Taps and vocal imitations turned into hits."""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from foley_studio.errors import ConfigError, MediaError
from foley_studio.syncing import hits_from_taps, hits_from_voice, output_latency, record_voice

RATE = 16000


def test_taps_are_corrected_for_latency_and_speed() -> None:
    track = hits_from_taps([0.35, 0.85, 1.35], playback_rate=1.0, output_latency=0.05, region_start=2.0)
    assert track.times == pytest.approx([2.3, 2.8, 3.3])
    half = hits_from_taps([0.65, 1.65], playback_rate=0.5, output_latency=0.05, region_start=2.0)
    assert half.times == pytest.approx([2.3, 2.8])  # half speed: a second of taps is half a second
    assert track.source == "performed"


def test_taps_outside_the_region_and_a_tap_offset() -> None:
    track = hits_from_taps([0.01, 0.5, 1.0, 3.0], output_latency=0.02, region_start=1.0,
                           region_end=2.5, tap_offset=0.03)
    assert track.times == pytest.approx([1.45, 1.95])  # the first tap lands before the region


@pytest.mark.parametrize("kwargs", [{"playback_rate": 0.0}, {"playback_rate": float("nan")},
                                    {"output_latency": -0.1}, {"output_latency": 5.0}])
def test_bad_tap_settings_are_refused(kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        hits_from_taps([0.5], **kwargs)


def imitation(bursts: list[tuple[float, float, float]], seconds: float = 3.0, seed: int = 0) -> np.ndarray:
    """Noise bursts ``(start s, level, decay s)`` over a faint microphone hiss."""
    rng = np.random.default_rng(seed)
    x = 0.002 * rng.standard_normal(int(seconds * RATE))
    for start, level, decay in bursts:
        n = int(0.4 * RATE)
        t = np.arange(n) / RATE
        burst = level * rng.standard_normal(n) * np.minimum(1, t / 0.003) * np.exp(-t / decay)
        i = int(start * RATE)
        x[i:i + n] += burst[:len(x) - i]
    return x


def test_a_voiced_imitation_gives_hits_and_an_envelope() -> None:
    bursts = [(0.4, 0.2, 0.02), (0.9, 0.2, 0.02), (1.8, 0.8, 0.15)]  # tk … tk … boom
    track = hits_from_voice(imitation(bursts), RATE, region_start=5.0)
    assert track.source == "voiced"
    assert track.times == pytest.approx([5.4, 5.9, 6.8], abs=0.01)
    assert track.hits[2].strength == pytest.approx(1.0) and track.hits[0].strength < 0.5
    env = track.envelope
    assert env.start == 5.0 and env.rate == pytest.approx(100.0)
    assert len(env.db) == pytest.approx(300, abs=1)
    assert max(env.db) == 0.0 and env.at([6.81])[0] > -3 and env.at([5.2])[0] < -30


def test_a_48_khz_recording_gives_the_same_hits() -> None:
    from foley_studio.media.audio import resample

    bursts = [(0.4, 0.2, 0.02), (0.9, 0.2, 0.02), (1.8, 0.8, 0.15)]
    track = hits_from_voice(resample(imitation(bursts), RATE, 48000), 48000)
    assert track.times == pytest.approx([0.4, 0.9, 1.8], abs=0.01)
    assert track.envelope.rate == pytest.approx(100.0)


def test_hiss_alone_gives_no_hits() -> None:
    assert hits_from_voice(imitation([]), RATE).hits == ()


@pytest.mark.parametrize("audio", [np.zeros(RATE), np.zeros((2, RATE)), np.zeros(10),
                                   np.ones(RATE * 121)])
def test_unusable_recordings_are_refused(audio: np.ndarray) -> None:
    with pytest.raises(ConfigError):
        hits_from_voice(audio, RATE)


class PortAudioError(Exception):
    pass


@pytest.fixture
def fake_sounddevice(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    calls: dict = {}

    def rec(frames, samplerate, channels, dtype, device):
        calls.update(frames=frames, samplerate=samplerate, channels=channels, device=device)
        if device == "broken":
            raise PortAudioError("Invalid device")
        return np.full((frames, 1), 0.25, np.float32)

    module = types.SimpleNamespace(rec=rec, wait=lambda: None, PortAudioError=PortAudioError,
                                   query_devices=lambda kind: {"default_low_output_latency": 0.0125},
                                   calls=calls)
    monkeypatch.setitem(sys.modules, "sounddevice", module)
    return module


def test_record_voice_reads_the_microphone(fake_sounddevice) -> None:
    audio = record_voice(0.5, 16000)
    assert audio.shape == (8000,) and audio.dtype == np.float32 and audio[0] == 0.25
    assert fake_sounddevice.calls == {"frames": 8000, "samplerate": 16000, "channels": 1, "device": None}


def test_no_microphone_is_a_clear_error(fake_sounddevice) -> None:
    with pytest.raises(MediaError, match="microphone"):
        record_voice(0.5, device="broken")
    with pytest.raises(ConfigError):
        record_voice(0.0)


def test_output_latency_from_a_stream_or_the_device(fake_sounddevice) -> None:
    assert output_latency(types.SimpleNamespace(latency=(0.004, 0.031))) == 0.031
    assert output_latency(types.SimpleNamespace(latency=0.02)) == 0.02
    assert output_latency() == 0.0125
