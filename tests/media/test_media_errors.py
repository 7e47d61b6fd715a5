"""Bad media: every failure is a MediaError subclass that names the file and says what to do.

Decided behaviour for damage: a file whose header/index cannot be read or whose index runs
past its end is refused on opening; inside a readable file, a time the decoder cannot give a
picture or sound for raises CorruptMediaError naming that time, and the rest stays readable.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from helpers_media import frame_index, make_sound, make_video

from foley_studio.errors import (CorruptMediaError, EmptyMediaError, MediaError,
                                 MissingFileError, NoStreamError, NotMediaError)
from foley_studio.media import VideoClip, load_audio, probe


@pytest.fixture(scope="module")
def plain_and_faststart(media_dir: Path) -> dict[bool, bytes]:
    """The bytes of a 2 s clip with its index at the end (plain) and at the front (faststart)."""
    return {fs: make_video(media_dir / f"damage_{fs}.mp4", seconds=2.0, faststart=fs).read_bytes()
            for fs in (False, True)}


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.mp4"
    for reader in (VideoClip, probe, lambda p: load_audio(p, 16000)):
        with pytest.raises(MissingFileError, match="nowhere.mp4.*does not exist"):
            reader(path)


def test_text_file_named_mp4(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("shot list: door slam, footsteps on gravel\n" * 20)
    with pytest.raises(NotMediaError, match="notes.mp4 is not a video or sound file"):
        VideoClip(path)
    with pytest.raises(NotMediaError):
        load_audio(path, 16000)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "zero.mp4"
    path.touch()
    with pytest.raises(EmptyMediaError, match="zero.mp4 is empty"):
        VideoClip(path)


def test_folder(tmp_path: Path) -> None:
    with pytest.raises(NotMediaError, match="folder"):
        VideoClip(tmp_path)


def test_video_stream_without_frames(tmp_path: Path) -> None:
    path = tmp_path / "no_frames.avi"  # (an mp4 drops a track without samples altogether)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mjpeg", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuvj420p"
        out.start_encoding()
    with pytest.raises(EmptyMediaError, match="no frames"):
        VideoClip(path)


@pytest.mark.parametrize("name", ["sound.m4a", "sound.wav"])
def test_sound_file_is_not_a_video(tmp_path: Path, name: str) -> None:
    path = make_sound(tmp_path / name, seconds=0.3)
    with pytest.raises(NoStreamError, match=f"{name} has no picture.*only sound"):
        VideoClip(path)
    info = probe(path)
    assert not info["has_video"] and info["has_audio"]
    assert info["duration"] == pytest.approx(0.3, abs=0.001)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
def test_cover_art_is_not_a_picture(tmp_path: Path) -> None:
    path = tmp_path / "song.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=0.5", "-f", "lavfi",
                    "-i", "color=red:s=32x32:d=0.04", "-map", "0", "-map", "1", "-c:v", "mjpeg",
                    "-frames:v", "1", "-disposition:v", "attached_pic", str(path)], check=True)
    with pytest.raises(NoStreamError, match="song.mp3 has no picture"):
        VideoClip(path)
    assert not probe(path)["has_video"]
    assert abs(len(load_audio(path, 8000)) - 4000) <= 8


def test_cut_in_half_without_front_index_is_refused(plain_and_faststart, tmp_path: Path) -> None:
    data = plain_and_faststart[False]
    path = tmp_path / "half.mp4"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptMediaError, match="half.mp4 looks like an MP4.*truncated"):
        VideoClip(path)


def test_cut_in_half_with_front_index_is_refused(plain_and_faststart, tmp_path: Path) -> None:
    data = plain_and_faststart[True]
    path = tmp_path / "half_fs.mp4"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptMediaError, match="half_fs.mp4 is truncated"):
        VideoClip(path)
    with pytest.raises(CorruptMediaError):
        load_audio(path, 16000)


@pytest.mark.parametrize("faststart", [False, True])
def test_garbage_in_the_middle(plain_and_faststart, tmp_path: Path, faststart: bool) -> None:
    data = bytearray(plain_and_faststart[faststart])
    third = len(data) // 3
    data[third:2 * third] = np.random.default_rng(0).integers(0, 256, third, np.uint8).tobytes()
    path = tmp_path / "garbage.mp4"
    path.write_bytes(bytes(data))
    results = []
    with VideoClip(path) as clip:
        for k in range(48):
            try:
                results.append(frame_index(clip.frame_at(k / 24)))
            except CorruptMediaError as exc:
                assert "garbage.mp4 is damaged near" in str(exc)
                results.append(None)
        with pytest.raises(CorruptMediaError, match="garbage.mp4 is damaged"):
            clip.audio(16000)
    good = [k for k, got in enumerate(results) if got is not None]
    assert [results[k] for k in good] == good  # every picture returned is the right one
    assert results[:8] == list(range(8)) and None in results  # damage found, start intact


def test_damage_leaves_other_times_readable(plain_and_faststart, tmp_path: Path) -> None:
    data = bytearray(plain_and_faststart[True])
    third = len(data) // 3
    data[third:2 * third] = bytes(third)
    path = tmp_path / "zeroed.mp4"
    path.write_bytes(bytes(data))
    with VideoClip(path) as clip:
        with pytest.raises(CorruptMediaError):
            clip.frames_in(0.0, 2.0, 48)
        assert frame_index(clip.frame_at(1.9)) == 45  # after the next keyframe
        assert frame_index(clip.frame_at(0.1)) == 2


def test_every_media_error_is_a_media_error() -> None:
    for cls in (MissingFileError, NotMediaError, CorruptMediaError, NoStreamError, EmptyMediaError):
        assert issubclass(cls, MediaError)
