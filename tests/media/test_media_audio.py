"""Soundtracks placed by timestamp (AAC priming included), exact lengths, resampling, mono."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile
from helpers_media import AUDIO_RATE as RATE
from helpers_media import click_positions, clicks, make_sound, make_video, sine

from foley_studio.errors import ConfigError, EmptyMediaError, NoStreamError, SelectionError
from foley_studio.media import VideoClip, load_audio, resample, to_mono


def peaks_near(audio: np.ndarray, positions: np.ndarray, rate: int) -> np.ndarray:
    """Index of the largest |sample| within 5 ms of each expected position."""
    reach = int(0.005 * rate)
    found = [p - reach + int(np.argmax(np.abs(audio[p - reach:p + reach]))) for p in positions]
    return np.asarray(found)


@pytest.mark.parametrize("rate", [44100, 16000, 22050])
def test_clicks_in_aac_land_at_their_true_times(clip_mp4: Path, rate: int) -> None:
    with VideoClip(clip_mp4) as clip:
        audio = clip.audio(rate)
    assert audio.shape == (2 * rate,) and audio.dtype == np.float32
    expected = np.round(click_positions(RATE, 2.0) * rate / RATE).astype(int)
    found = peaks_near(audio, expected, rate)
    assert np.abs(found - expected).max() <= rate // 1000  # within 1 ms
    assert np.abs(audio[found]).min() > 0.1  # real clicks, not noise


@pytest.mark.parametrize("suffix", [".mkv", ".ts", ".mov"])
def test_sound_stays_in_sync_with_the_picture_in_other_containers(media_dir: Path, suffix: str) -> None:
    path = make_video(media_dir / f"sync{suffix}", seconds=1.0,
                      audio_fn=clicks(RATE, click_positions(RATE, 1.0)))
    with VideoClip(path) as clip:
        first_picture = clip.frame_times()[0]  # the source's time 0 (.ts keeps AAC priming)
        audio = clip.audio(RATE)
    expected = click_positions(RATE, 1.0)[:-1] + int(round(first_picture * RATE))
    assert np.abs(peaks_near(audio, expected, RATE) - expected).max() <= RATE // 1000


@pytest.mark.parametrize("start, end", [(0.37, 1.2), (1.6, 2.0), (1.73, 1.99)])
def test_a_window_is_cut_at_its_start(clip_mp4: Path, start: float, end: float) -> None:
    rate = 16000
    with VideoClip(clip_mp4) as clip:
        audio = clip.audio(rate, start, end)
    assert len(audio) == round((end - start) * rate)
    times = click_positions(RATE, 2.0) / RATE
    inside = times[(times > start + 0.006) & (times < end - 0.006)]
    expected = np.round((inside - start) * rate).astype(int)
    assert len(expected) > 0
    assert np.abs(peaks_near(audio, expected, rate) - expected).max() <= rate // 1000


@pytest.mark.parametrize("start, end, rate", [(0.0, 1.0, 16000), (0.1, 0.7333, 22050),
                                              (0.25, 0.2501, 44100), (1.999, 2.0, 8000)])
def test_length_is_exact(clip_mp4: Path, start: float, end: float, rate: int) -> None:
    with VideoClip(clip_mp4) as clip:
        assert len(clip.audio(rate, start, end)) == round((end - start) * rate)


@pytest.mark.parametrize("start, end", [(1.5, 2.5), (-0.5, 0.5), (0.8, 0.8), (1.0, 0.5)])
def test_a_region_outside_the_clip_is_refused(clip_mp4: Path, start: float, end: float) -> None:
    with VideoClip(clip_mp4) as clip, pytest.raises(SelectionError):
        clip.audio(16000, start, end)


def test_past_the_audio_stream_end_is_zeros(media_dir: Path) -> None:
    path = make_video(media_dir / "short_sound.mp4", seconds=1.0, audio_seconds=0.5)
    with VideoClip(path) as clip:
        audio = clip.audio(16000, 0.25, 1.0)
    assert len(audio) == 12000
    assert np.abs(audio[:3000]).max() > 0.2  # the tone, 0.25–0.45 s
    assert not audio[5000:].any()  # 0.5625 s on: nothing was recorded


def test_stereo_front_channels_count_at_minus_3_db(media_dir: Path) -> None:
    left_only = lambda t: np.stack([sine(level=0.5)(t), np.zeros_like(t)])  # noqa: E731
    path = make_video(media_dir / "stereo.mp4", with_audio=True, channels=2, audio_fn=left_only)
    with VideoClip(path) as clip:
        audio = clip.audio(44100, 0.2, 0.8)
    rms = float(np.sqrt(np.mean(audio ** 2)))
    assert rms == pytest.approx(0.5 / np.sqrt(2) * np.sqrt(0.5), rel=0.05)


FFMPEG = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@FFMPEG
@pytest.mark.parametrize("layout, channels", [("5.1", 6), ("5.1(side)", 6), ("7.1", 8), ("stereo", 2)])
def test_multichannel_is_downmixed_as_ffmpeg_does(tmp_path: Path, layout: str, channels: int) -> None:
    rng = np.random.default_rng(channels)
    t = np.arange(24000) / 48000
    tones = [0.3 * np.sin(2 * np.pi * (110 + 97 * c) * t) for c in range(channels)]
    raw = (np.stack(tones, 1) + 0.02 * rng.standard_normal((len(t), channels))).astype("<f4")
    raw.tofile(tmp_path / "raw.f32")
    source, reference = tmp_path / "surround.wav", tmp_path / "mono.wav"
    _ffmpeg("-f", "f32le", "-ar", "48000", "-channel_layout", layout, "-ac", str(channels), "-i",
            str(tmp_path / "raw.f32"), "-c:a", "pcm_f32le", str(source))
    _ffmpeg("-i", str(source), "-ac", "1", "-c:a", "pcm_f32le", str(reference))
    expected, _ = soundfile.read(reference, dtype="float32")
    mine = load_audio(source, 48000)
    np.testing.assert_allclose(mine, expected, atol=1e-5)
    if channels == 6:  # the centre keeps its level; the LFE is left out
        lone = np.zeros_like(raw)
        lone[:, 2], lone[:, 3] = raw[:, 2], raw[:, 3]
        lone.tofile(tmp_path / "raw.f32")
        _ffmpeg("-f", "f32le", "-ar", "48000", "-channel_layout", layout, "-ac", "6", "-i",
                str(tmp_path / "raw.f32"), "-c:a", "pcm_f32le", str(source))
        np.testing.assert_allclose(load_audio(source, 48000), raw[:, 2], atol=1e-6)


@pytest.mark.parametrize("subtype", ["FLOAT", "PCM_16", "PCM_24", "PCM_U8"])
def test_load_audio_reads_wav_exactly(media_dir: Path, subtype: str) -> None:
    path = make_sound(media_dir / f"tone_{subtype}.wav", seconds=0.5, rate=22050, channels=2,
                      subtype=subtype)
    data, rate = soundfile.read(path, dtype="float32")
    audio = load_audio(path, 22050)
    mono = data.sum(axis=1) * np.sqrt(0.5)  # front left and right at −3 dB each
    np.testing.assert_allclose(audio, mono, atol=1e-6)
    np.testing.assert_allclose(load_audio(path, 16000), resample(mono, 22050, 16000), atol=1e-5)


@pytest.mark.parametrize("name", ["sound_m4a", "clip_mp4"])
def test_load_audio_reads_aac_in_sound_and_video_files(name: str, request: pytest.FixtureRequest) -> None:
    path = request.getfixturevalue(name)
    audio = load_audio(path, 16000)
    seconds = 2.0 if name == "clip_mp4" else 1.0
    assert abs(len(audio) - seconds * 16000) <= 16  # the stream's own length
    assert np.abs(audio).max() > 0.2


def test_load_audio_of_an_empty_sound_file(media_dir: Path) -> None:
    path = media_dir / "empty.wav"
    soundfile.write(path, np.zeros((0, 1), np.float32), 16000)
    with pytest.raises(EmptyMediaError, match="empty.wav"):
        load_audio(path, 16000)


def test_audio_of_a_silent_clip_says_there_is_no_soundtrack(silent_mp4: Path) -> None:
    with VideoClip(silent_mp4) as clip:
        assert not clip.has_audio and clip.audio_rate is None
        with pytest.raises(NoStreamError, match="no soundtrack"):
            clip.audio(16000)
    with pytest.raises(NoStreamError, match="silent.mp4"):
        load_audio(silent_mp4, 16000)


def test_resample_keeps_pitch_and_length() -> None:
    t = np.arange(44100) / 44100
    x = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    y = resample(x, 44100, 16000)
    assert y.shape == (16000,) and y.dtype == np.float32
    spectrum = np.abs(np.fft.rfft(y))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins over one second
    stereo = resample(np.stack([x, -x]), 44100, 16000)
    assert stereo.shape == (2, 16000)
    np.testing.assert_allclose(stereo[1], -stereo[0], atol=1e-6)


def test_resample_same_rate_is_a_copy_and_bad_rates_are_refused() -> None:
    x = np.ones(10, np.float32)
    y = resample(x, 16000, 16000)
    y[0] = 5
    assert x[0] == 1
    for bad in (0, -16000, 44100.5):
        with pytest.raises(ConfigError):
            resample(x, bad, 16000)


def test_to_mono_takes_channels_from_the_shorter_axis() -> None:
    stereo = np.stack([np.full(100, 0.5), np.full(100, -0.1)])  # (2, 100)
    np.testing.assert_allclose(to_mono(stereo), np.full(100, 0.2), atol=1e-7)
    np.testing.assert_allclose(to_mono(stereo.T), np.full(100, 0.2), atol=1e-7)
    assert to_mono(np.zeros(7)).shape == (7,)
    with pytest.raises(ConfigError):
        to_mono(np.zeros((2, 2, 2)))
