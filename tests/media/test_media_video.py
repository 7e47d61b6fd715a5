"""VideoClip: header values, frames by timestamp (constant and variable rate), seeking,
thumbnails and downscaling."""
from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers_media import frame_index, make_video

from foley_studio.errors import ConfigError, SelectionError
from foley_studio.media import MAX_FRAMES, FrameReader, VideoClip
from foley_studio.media import cursor as cursor_module

VFR_TIMES = [0.0, 0.1, 0.15, 0.5, 0.55, 0.9]


@pytest.fixture(scope="module")
def vfr_mp4(media_dir: Path) -> Path:
    return make_video(media_dir / "vfr.mp4", seconds=1.0, with_audio=False, times=VFR_TIMES)


def test_header_values(clip_mp4: Path) -> None:
    with VideoClip(clip_mp4) as clip:
        assert clip.path == clip_mp4
        assert (clip.width, clip.height) == (64, 48)
        assert clip.fps == pytest.approx(24.0)
        assert clip.frame_count == 48
        np.testing.assert_allclose(clip.frame_times(), np.arange(48) / 24, atol=1e-6)
        assert clip.duration == pytest.approx(2.0, abs=1e-3)
        assert clip.has_audio and clip.audio_rate == 44100
        assert (clip.video_codec, clip.audio_codec) == ("h264", "aac")


def test_frame_at_is_the_frame_on_screen(clip_mp4: Path) -> None:
    with VideoClip(clip_mp4) as clip:
        for k in (0, 1, 11, 12, 13, 30, 47):
            frame = clip.frame_at(k / 24)
            assert frame.shape == (48, 64, 3) and frame.dtype == np.uint8
            assert frame_index(frame) == k
            assert frame_index(clip.frame_at((k + 0.9) / 24)) == k


def test_frame_at_in_any_order_matches_a_forward_pass(clip_mp4: Path) -> None:
    order = [1.9, 0.3, 1.2, 0.0, 1.25, 0.8, 1.95, 0.04]
    with VideoClip(clip_mp4) as clip:
        assert [frame_index(clip.frame_at(t)) for t in order] == [int(t * 24) for t in order]


@pytest.fixture
def decode_log(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts of seeks and decoded frames made by every FrameCursor."""
    log = {"seeks": 0, "frames": 0}
    seek, pull = cursor_module.FrameCursor._seek, cursor_module.FrameCursor._pull

    def counting_seek(self, target):
        log["seeks"] += 1
        return seek(self, target)

    def counting_pull(self, t):
        log["frames"] += 1
        return pull(self, t)

    monkeypatch.setattr(cursor_module.FrameCursor, "_seek", counting_seek)
    monkeypatch.setattr(cursor_module.FrameCursor, "_pull", counting_pull)
    return log


def test_decoding_goes_on_or_seeks_past_a_keyframe(clip_mp4: Path, decode_log) -> None:
    with VideoClip(clip_mp4) as clip:  # keyframes every 0.5 s
        assert frame_index(clip.frame_at(0.0)) == 0
        decode_log.update(seeks=0, frames=0)
        assert frame_index(clip.frame_at(0.45)) == 10
        assert decode_log == {"seeks": 0, "frames": 10}  # same group of pictures: decode on
        assert frame_index(clip.frame_at(1.9)) == 45
        assert decode_log["seeks"] == 1 and decode_log["frames"] <= 10 + 12  # from 1.5 s
        decode_log.update(seeks=0, frames=0)
        assert frame_index(clip.frame_at(0.2)) == 4  # behind: seek back
        assert decode_log["seeks"] == 1


def test_thumbnails_seek_to_keyframes(clip_mp4: Path, decode_log) -> None:
    with VideoClip(clip_mp4) as clip:
        thumbs = clip.thumbnails(4, height=24)
    assert [t for t, _ in thumbs] == pytest.approx([0.0, 0.5, 1.0, 1.5])  # keyframes before 0.25, 0.75...
    assert all(image.shape == (24, 32, 3) for _, image in thumbs)
    assert [frame_index(image) for _, image in thumbs] == [0, 12, 24, 36]
    assert decode_log["seeks"] == 4 and decode_log["frames"] <= 4 * 3


def test_thumbnails_at_are_the_exact_frames(clip_mp4: Path) -> None:
    with VideoClip(clip_mp4) as clip:
        thumbs = clip.thumbnails_at([0.3, 0.35, 1.01, 1.9], height=24)
        with pytest.raises(SelectionError, match="outside"):
            clip.thumbnails_at([0.5, 2.5])
        with pytest.raises(SelectionError, match="between 1 and"):
            clip.thumbnails_at([])
    assert [t for t, _ in thumbs] == [0.3, 0.35, 1.01, 1.9]
    assert all(image.shape == (24, 32, 3) for _, image in thumbs)
    assert [frame_index(image) for _, image in thumbs] == [7, 8, 24, 45]  # not keyframes


@pytest.mark.parametrize("suffix", [".mkv", ".ts", ".mov"])
def test_other_containers_answer_from_their_own_timestamps(media_dir: Path, suffix: str) -> None:
    path = make_video(media_dir / f"other{suffix}", seconds=3.0, with_audio=False)
    with VideoClip(path) as clip:
        shown = clip.frame_times()  # .mkv: whole ms; .ts: after a muxing delay
        assert clip.frame_count == len(shown) == 72
        for t in (0.0, 2.95, 1.25, 0.04, 0.21, 2.9, 1.0):
            expected = max(0, int(np.searchsorted(shown, t + 1e-6, side="right")) - 1)
            assert frame_index(clip.frame_at(t)) == expected, t


def test_variable_frame_rate_times(vfr_mp4: Path) -> None:
    with VideoClip(vfr_mp4) as clip:
        np.testing.assert_allclose(clip.frame_times(), VFR_TIMES, atol=1e-6)
        assert clip.frame_count == len(VFR_TIMES)
        assert clip.duration == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("t, expected", [(0.0, 0), (0.099, 0), (0.1, 1), (0.149, 1), (0.15, 2),
                                         (0.49, 2), (0.5, 3), (0.56, 4), (0.89, 4), (0.9, 5),
                                         (0.99, 5)])
def test_variable_frame_rate_frame_at(vfr_mp4: Path, t: float, expected: int) -> None:
    with VideoClip(vfr_mp4) as clip:
        assert frame_index(clip.frame_at(t)) == expected


def test_frames_in_samples_slice_centres(clip_mp4: Path) -> None:
    with VideoClip(clip_mp4) as clip:
        frames, times = clip.frames_in(0.5, 1.5, 4)
    assert frames.shape == (4, 48, 64, 3) and frames.dtype == np.uint8
    np.testing.assert_allclose(times, [0.625, 0.875, 1.125, 1.375])
    assert [frame_index(f) for f in frames] == [int(t * 24) for t in times]


def test_frames_in_more_frames_than_the_region_holds_repeats_frames(vfr_mp4: Path) -> None:
    with VideoClip(vfr_mp4) as clip:
        frames, times = clip.frames_in(0.0, 0.2, 8)
    assert [frame_index(f) for f in frames] == [0, 0, 0, 0, 1, 1, 2, 2]


@pytest.mark.parametrize("start, end", [(-0.1, 0.5), (1.5, 2.5), (1.0, 0.5), (0.7, 0.7),
                                        (float("nan"), 1.0)])
def test_frames_in_refuses_regions_outside_the_clip(clip_mp4: Path, start: float, end: float) -> None:
    with VideoClip(clip_mp4) as clip, pytest.raises(SelectionError, match="clip.mp4"):
        clip.frames_in(start, end, 3)


@pytest.mark.parametrize("t", [-0.01, 2.0, 5.0, float("inf")])
def test_frame_at_refuses_times_outside_the_clip(clip_mp4: Path, t: float) -> None:
    with VideoClip(clip_mp4) as clip, pytest.raises(SelectionError, match="outside"):
        clip.frame_at(t)


def test_frames_in_refuses_an_unbounded_count(clip_mp4: Path) -> None:
    with VideoClip(clip_mp4) as clip:
        with pytest.raises(SelectionError, match="at most") as refused:
            clip.frames_in(0.0, 2.0, MAX_FRAMES + 1)
        assert "max_side" not in str(refused.value) and "--" not in str(refused.value)
        assert "FrameReader" in str(refused.value)  # the way that does exist
        with pytest.raises(SelectionError):
            clip.frames_in(0.0, 2.0, 0)


def test_huge_frames_are_downscaled_on_read(media_dir: Path) -> None:
    path = make_video(media_dir / "wide.mp4", seconds=3 / 24, size=(4000, 16), with_audio=False)
    with VideoClip(path, max_side=500) as clip:
        assert (clip.source_width, clip.source_height) == (4000, 16)
        assert (clip.width, clip.height) == (500, 2)
        frames, _ = clip.frames_in(0.0, clip.duration, 3)
        assert frames.shape == (3, 2, 500, 3)
        assert [frame_index(f) for f in frames] == [0, 1, 2]


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_pictures_are_turned_as_the_file_asks(media_dir: Path, rotation: int) -> None:
    path = make_video(media_dir / f"turned{rotation}.mp4", seconds=2 / 24, size=(64, 32),
                      with_audio=False, rotation=rotation)
    with VideoClip(path) as clip:
        assert clip.rotation == rotation
        assert (clip.width, clip.height) == ((32, 64) if rotation % 180 else (64, 32))
        frame = clip.frame_at(0.0)
        (_, thumb), = clip.thumbnails(1, height=16)
    corner = {90: frame[-8:, :4], 180: frame[-4:, -8:], 270: frame[:8, -4:]}[rotation]
    assert corner.max() < 40  # the top-left block, where the turn takes it
    assert frame_index(frame) == 0
    assert thumb.shape == ((16, 8, 3) if rotation % 180 else (16, 32, 3))
    if shutil.which("ffmpeg"):  # FFmpeg turns it the same way on its own
        png = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-frames:v", "1", "-f",
                              "image2pipe", "-c:v", "png", "-"], capture_output=True, check=True)
        reference = cv2.imdecode(np.frombuffer(png.stdout, np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
        assert np.abs(reference.astype(int) - frame).mean() < 2


def test_anamorphic_pixels_are_stretched(media_dir: Path) -> None:
    path = make_video(media_dir / "wide_pixels.mp4", seconds=2 / 24, size=(32, 32),
                      with_audio=False, pixel_aspect=Fraction(2, 1))
    with VideoClip(path) as clip:
        assert (clip.source_width, clip.width, clip.height) == (32, 64, 32)
        frame = clip.frame_at(0.0)
    blue = frame[..., 2]  # the block is black, the rest of frame 0 has blue 128
    assert frame.shape == (32, 64, 3) and blue[:6, :12].max() < 40 and blue[:6, 20:].min() > 90


def test_max_side_must_be_sane(clip_mp4: Path) -> None:
    with pytest.raises(ConfigError):
        VideoClip(clip_mp4, max_side=0)



def test_frame_reader_decodes_the_frames_on_screen_when_indexed(clip_mp4: Path) -> None:
    times = np.array([0.0, 0.3, 0.31, 1.0, 1.99])
    reader = FrameReader(clip_mp4, times)
    with VideoClip(clip_mp4) as clip:
        expected = np.stack([clip.frame_at(t) for t in times])
    assert len(reader) == 5 and reader[1].shape == expected[1].shape
    np.testing.assert_array_equal(reader[1:4], expected[1:4])
    np.testing.assert_array_equal(reader[np.array([4, 0])], expected[[4, 0]])
    np.testing.assert_array_equal(reader[-1], expected[-1])
    reader.close()
    np.testing.assert_array_equal(reader[0], expected[0])  # a closed reader opens again
    reader.close()


def test_frame_reader_scales_hd_to_the_encoder_size(media_dir: Path) -> None:
    path = make_video(media_dir / "hd.mp4", seconds=3 / 24, size=(1920, 1080), with_audio=False)
    small = FrameReader(path, np.array([0.0, 1 / 24, 2 / 24]), side=224)
    assert (small.width, small.height) == (455, 256)  # the short side at max(224, 256)
    frames = small[0:3]
    assert frames.shape == (3, 256, 455, 3) and [frame_index(f) for f in frames] == [0, 1, 2]
    assert FrameReader(path, np.zeros(1), side=512)[0].shape == (512, 910, 3)
    assert FrameReader(path, np.zeros(1))[0].shape == (576, 1024, 3)  # the clip's own size


def test_frame_reader_never_enlarges_and_checks_its_times(clip_mp4: Path) -> None:
    reader = FrameReader(clip_mp4, np.zeros(1), side=4096)
    with VideoClip(clip_mp4) as clip:
        assert (reader.width, reader.height) == (clip.width, clip.height)
    with pytest.raises(SelectionError, match="outside"):
        FrameReader(clip_mp4, np.array([0.5, 2.5]))
    with pytest.raises(ConfigError):
        FrameReader(clip_mp4, np.zeros(1), side=3)
