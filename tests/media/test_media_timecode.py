"""The start timecode of a video, read from the timecode tags FFmpeg writes (tmcd track, video
stream, container), and carried into ``probe``."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from foley_studio.cli import main
from foley_studio.media import probe, start_timecode

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


def timecoded_video(path: Path, rate: str, timecode: str, codec: str = "mpeg4") -> Path:
    """1 s of 64×48 test picture at ``rate`` whose timecode track starts at ``timecode``."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc=size=64x48:rate={rate}", "-f", "lavfi", "-i", "sine=sample_rate=48000",
                    "-t", "1", "-timecode", timecode, "-c:v", codec, "-c:a", "pcm_s16le"
                    if path.suffix == ".mov" else "aac", str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def ntsc_df(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return timecoded_video(tmp_path_factory.mktemp("tc") / "df.mp4", "30000/1001", "01:00:00;00")


@pytest.fixture(scope="module")
def pal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return timecoded_video(tmp_path_factory.mktemp("tc") / "pal.mov", "25", "01:00:00:00")


def test_the_timecode_track_gives_the_start(ntsc_df: Path, pal: Path) -> None:
    assert start_timecode(ntsc_df) == "01:00:00;00"  # drop-frame keeps its ';'
    assert start_timecode(pal) == "01:00:00:00"
    info = probe(ntsc_df)
    assert info["timecode"] == "01:00:00;00" and info["fps"] == pytest.approx(30000 / 1001)


def test_a_container_tag_gives_the_start(tmp_path: Path) -> None:
    mkv = timecoded_video(tmp_path / "tc.mkv", "25", "10:00:00:12")  # Matroska: a format tag
    assert start_timecode(mkv) == "10:00:00:12"


def test_a_video_without_timecode_has_none(clip_mp4: Path, sound_m4a: Path) -> None:
    assert start_timecode(clip_mp4) is None and probe(clip_mp4)["timecode"] is None
    assert probe(sound_m4a)["timecode"] is None


def test_cli_probe_shows_the_start_timecode(pal: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["probe", str(pal)]) == 0
    assert "start timecode   01:00:00:00" in capsys.readouterr().out
