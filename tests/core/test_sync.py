"""The sync track: validation, region views, shifting, snapping and its JSON form."""
import json

import pytest

from foley_studio.errors import ConfigError
from foley_studio.requests import GenerationRequest
from foley_studio.sync import Envelope, Hit, SyncTrack


def test_hits_are_sorted_and_duplicates_refused():
    track = SyncTrack((Hit(2.0), Hit(0.5, 0.3)))
    assert track.times == [0.5, 2.0]
    with pytest.raises(ConfigError, match="share the time"):
        SyncTrack((Hit(1.0), Hit(1.0)))


@pytest.mark.parametrize("time, strength", [(-0.1, 1.0), (float("nan"), 1.0), (1.0, 1.5),
                                            (float("inf"), 0.5)])
def test_bad_hits_are_named(time, strength):
    with pytest.raises(ConfigError, match="hit"):
        Hit(time, strength)


def test_relative_view_and_shift():
    track = SyncTrack.from_times([0.2, 1.0, 1.0, 3.5])
    assert track.relative(1.0, 3.0) == [(0.0, 1.0)]
    moved = track.shifted(-0.5)
    assert moved.times == pytest.approx([0.5, 3.0])


def test_snapped_to_frames_merges_hits_on_one_frame():
    track = SyncTrack((Hit(0.41, 0.2), Hit(0.405, 0.9), Hit(1.0)))
    snapped = track.snapped(25)
    assert snapped.times == pytest.approx([0.4, 1.0])
    assert snapped.hits[0].strength == 0.9


def test_envelope_clamps_and_reads_levels():
    env = Envelope(1.0, 25.0, (0.0, -10.0, -200.0, 5.0))
    assert env.db == (0.0, -10.0, -80.0, 0.0)
    assert env.at([1.0, 1.05, 0.5, 9.0]) == [0.0, -10.0, -80.0, -80.0]
    assert env.shifted(-1.02).start == pytest.approx(0.02)


def test_json_round_trip(tmp_path):
    track = SyncTrack((Hit(0.5, 0.7),), Envelope(0.0, 25.0, (-20.0, -30.0)), "voiced")
    path = track.save(tmp_path / "hits.json")
    assert SyncTrack.load(path) == track
    assert SyncTrack.from_json([1.0, 0.5]).times == [0.5, 1.0]
    (tmp_path / "bad.json").write_text(json.dumps({"hats": []}))
    with pytest.raises(ConfigError, match="not a sync track"):
        SyncTrack.load(tmp_path / "bad.json")


def test_request_conforms_only_with_a_sync_track():
    plain = GenerationRequest("foley", "clip.mp4")
    assert not plain.conforms
    synced = plain.with_changes(sync=SyncTrack.from_times([1.0]))
    assert synced.conforms
    assert not synced.with_changes(conform=False).conforms
