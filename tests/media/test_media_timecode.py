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


@pytest.mark.parametrize("which, rate, first_frame", [("ntsc_df", 30000 / 1001, 107892), ("pal", 25.0, 90000)])
def test_a_delivered_take_is_stamped_after_the_videos_timecode(request, tmp_path: Path, which: str,
                                                               rate: float, first_frame: int) -> None:
    """From the video's timecode track to the delivered file, read back by independent tools."""
    from test_media_delivery import ebur128, ffprobe_stream, steps, take_of

    from foley_studio.media import read_bwf
    from foley_studio.media.delivery import DeliverySpec, deliver_take
    from foley_studio.timeline import Clock

    video = request.getfixturevalue(which)
    clock = Clock(probe(video)["fps"], start_timecode(video))
    spec = DeliverySpec(rate=48000, depth="24", loudness=-23.0, fps=clock.fps,
                        start_timecode=clock.start)
    done = deliver_take(take_of(steps(), start=2.0123), spec, tmp_path)
    import soundfile

    info = soundfile.info(done.path)
    assert (info.samplerate, info.subtype, info.frames) == (48000, "PCM_24", 3 * 48000)
    stream = ffprobe_stream(done.path)
    assert (stream["sample_rate"], stream["bits_per_sample"], stream["codec_name"]) == ("48000", 24, "pcm_s24le")
    assert not done.peak_limited and abs(ebur128(done.path)[0] - -23.0) <= 0.5
    frame = round(2.0123 * rate)  # the take snaps to its nearest frame
    bwf = read_bwf(done.path)
    assert bwf["bext"]["time_reference"] == round((first_frame + frame) / rate * 48000)
    assert f"<TIMECODE_FLAG>{'DF' if ';' in clock.start else 'NDF'}</TIMECODE_FLAG>" in bwf["ixml"]
