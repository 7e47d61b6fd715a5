"""probe() and ``foley-studio probe``."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from foley_studio.cli import main
from foley_studio.media import VideoClip, probe


def test_probe_reports_what_videoclip_reads(clip_mp4: Path) -> None:
    info = probe(clip_mp4)
    with VideoClip(clip_mp4) as clip:
        for key in ("fps", "frame_count", "duration", "width", "height", "has_audio", "audio_rate"):
            assert info[key] == getattr(clip, key)
    assert (info["video_codec"], info["audio_codec"], info["has_video"]) == ("h264", "aac", True)
    assert info["frame_count"] == 48 and info["audio_rate"] == 44100


def test_cli_prints_the_values(clip_mp4: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["probe", str(clip_mp4)]) == 0
    out = capsys.readouterr().out
    assert "h264" in out and "48" in out and "44100" in out and "2.000" in out
    assert main(["probe", "--json", str(clip_mp4)]) == 0
    assert json.loads(capsys.readouterr().out)["frame_count"] == 48


def test_cli_exits_2_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "readme.mp4"
    bad.write_text("hello")
    assert main(["probe", str(bad)]) == 2
    assert "readme.mp4 is not a video or sound file" in capsys.readouterr().err
    assert main(["probe", str(tmp_path / "missing.mov")]) == 2
    assert "missing.mov does not exist" in capsys.readouterr().err
