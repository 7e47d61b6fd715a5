"""Media made once per test session (tiny: 64×48 pixels, one or two seconds)."""
from __future__ import annotations

from pathlib import Path

import pytest
from helpers_media import AUDIO_RATE as RATE
from helpers_media import click_positions, clicks, make_sound, make_video


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder shared by the session's made media."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def clip_mp4(media_dir: Path) -> Path:
    """2 s, 24 fps H.264 with B-frames and a keyframe every 12 frames; AAC clicks every 0.1 s."""
    return make_video(media_dir / "clip.mp4", seconds=2.0,
                      audio_fn=clicks(RATE, click_positions(RATE, 2.0)))


@pytest.fixture(scope="session")
def silent_mp4(media_dir: Path) -> Path:
    """1 s, 24 fps H.264 with no audio stream."""
    return make_video(media_dir / "silent.mp4", with_audio=False)


@pytest.fixture(scope="session")
def sound_m4a(media_dir: Path) -> Path:
    """1 s of AAC in an mp4 container without picture."""
    return make_sound(media_dir / "sound.m4a")
