"""The picture's hit detector on made footage with known contact frames."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers_scenes import bouncing_ball

from foley_studio.errors import SelectionError
from foley_studio.sync import SyncTrack
from foley_studio.syncing import detect_visual_hits, visual
from foley_studio.syncing.motion import FEATURES, frame_features

CONTACTS = [14, 30, 44, 57, 69, 80, 90]


@pytest.fixture(scope="module")
def ball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bouncing_ball(tmp_path_factory.mktemp("scene") / "ball.mp4", CONTACTS)


def frames_of(track: SyncTrack, fps: float = 25) -> list[int]:
    return [int(round(t * fps)) for t in track.times]


def test_hits_land_on_the_contact_frames(ball: Path) -> None:
    track = detect_visual_hits(ball, 0.0, 4.0)
    assert frames_of(track) == CONTACTS
    assert track.source == "detected"
    assert max(h.strength for h in track.hits) == 1.0 and min(h.strength for h in track.hits) > 0


def test_a_panning_camera_does_not_move_or_add_hits(tmp_path: Path) -> None:
    path = bouncing_ball(tmp_path / "pan.mp4", CONTACTS, pan=3.0, seed=1)
    assert frames_of(detect_visual_hits(path, 0.0, 4.0)) == CONTACTS


def test_a_gliding_ball_makes_no_hits(tmp_path: Path) -> None:
    path = bouncing_ball(tmp_path / "glide.mp4", [], seed=2)
    assert detect_visual_hits(path, 0.0, 4.0).hits == ()


def test_a_region_keeps_source_times_and_its_own_hits(ball: Path) -> None:
    track = detect_visual_hits(ball, 1.0, 3.0)  # frames 25–74
    assert frames_of(track) == [30, 44, 57, 69]
    env = track.envelope
    assert env.start == pytest.approx(1.0) and env.rate == pytest.approx(25.0) and len(env.db) == 50
    at_hits = env.at([h.time + 1e-4 for h in track.hits])
    assert max(at_hits) == pytest.approx(0.0, abs=1e-6)  # the strongest hit is 0 dB
    assert env.at([1.0])[0] < -30  # long after nothing, before the first hit in the region


def test_frames_are_analysed_small_whatever_the_source_size(tmp_path: Path, monkeypatch) -> None:
    path = bouncing_ball(tmp_path / "big.mp4", CONTACTS, size=(640, 360), frames=60)
    shapes = []
    real = visual.frame_features
    monkeypatch.setattr(visual, "frame_features",
                        lambda frames: real(shapes.append(f.shape) or f for f in frames))
    track = detect_visual_hits(path, 0.0, 2.4)
    assert set(shapes) == {(72, 128)}
    assert frames_of(track) == [14, 30, 44, 57]


def test_the_last_frame_of_a_clip_is_no_hit() -> None:
    rng = np.random.default_rng(0)
    base = (rng.random((48, 64)) * 255).astype(np.uint8)
    frames = [np.roll(base, 2 * i, axis=1) for i in range(5)]  # steady motion, then the clip ends
    feats = frame_features(frames)
    assert feats.shape == (5, len(FEATURES))
    assert feats[-1, FEATURES.index("impact")] == 0.0


@pytest.mark.parametrize("start, end", [(2.005, 2.03), (3.0, 2.0), (5.0, 6.0)])
def test_a_region_without_frames_is_refused(ball: Path, start: float, end: float) -> None:
    with pytest.raises(SelectionError):
        detect_visual_hits(ball, start, end)


def test_progress_is_reported_and_cancel_stops_the_detector(ball: Path) -> None:
    from foley_studio.errors import Cancelled
    from foley_studio.progress import CancelToken

    seen: list[tuple[int, int]] = []
    detect_visual_hits(ball, 1.0, 2.0, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (27, 27) and seen[0] == (0, 27)  # 25 frames and a neighbour each side
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        detect_visual_hits(ball, 0.0, 4.0, cancel=token)


def test_a_cut_between_shots_is_no_hit(tmp_path: Path) -> None:
    path = bouncing_ball(tmp_path / "cut.mp4", CONTACTS, cut=50)
    assert frames_of(detect_visual_hits(path, 0.0, 4.0)) == CONTACTS
