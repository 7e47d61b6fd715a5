"""Ableton Live through the AbletonOSC double: placement, verification and every error path."""
from __future__ import annotations

import threading
import time

import pytest

from bridge import connect
from foley_studio.errors import BridgeError

from bridge_doubles import LiveDouble, free_udp_port, live_target


def test_status_reports_version(live: LiveDouble) -> None:
    with connect(live_target(live)) as link:
        status = link.status()
    assert status.connected and status.version == "12.1"
    assert live.addresses() == ["/live/test", "/live/application/get/version"]


def test_place_in_arrangement_converts_seconds_to_beats_and_verifies(live: LiveDouble, make_take) -> None:
    live.tempo = 96.0
    take = make_take("door slam.wav", seconds=1.25)
    with connect(live_target(live)) as link:
        result = link.place(take, 12.5, "Dialog")
    beats = 12.5 * 96 / 60
    assert live.tracks[0]["clips"] == [{"name": "door slam", "path": str(take), "start": beats,
                                        "length": pytest.approx(1.25 * 96 / 60)}]
    assert result.track == "Dialog" and result.track_index == 0
    assert result.position == pytest.approx(12.5, abs=1e-5)  # float32 on the way back
    assert result.length == pytest.approx(1.25, abs=1e-5)
    assert result.extra["beats"] == pytest.approx(beats, abs=1e-5)
    create = [r for r in live.received if r[0] == "/live/track/create_audio_clip"]
    assert create[0][1] == (0, str(take), beats, "door slam")  # beats sent as a double: exact


def test_late_positions_survive_float32_replies(live: LiveDouble, make_take) -> None:
    at = 8 * 3600 + 0.0009  # 57600.0018 beats at 120 BPM: float32 answers 57600.0
    with connect(live_target(live)) as link:
        result = link.place(make_take(), at)
    assert result.position == pytest.approx(at, abs=4e-3)
    assert live.tracks[0]["clips"][0]["start"] == at * 2


def test_place_creates_missing_track(live: LiveDouble, make_take) -> None:
    with connect(live_target(live, track="Foley FX")) as link:
        result = link.place(make_take(), 3.0)
    assert [t["name"] for t in live.tracks] == ["Dialog", "Keys", "Foley FX"]
    assert result.track_index == 2 and live.tracks[2]["clips"][0]["start"] == 6.0


def test_default_track_is_made_once(live: LiveDouble, make_take) -> None:
    with connect(live_target(live, track=None)) as link:
        first = link.place(make_take(), 1.0)
        second = link.place(make_take(), 2.0)
        with pytest.raises(BridgeError, match="track name is empty"):
            link.place(make_take(), 3.0, "  ")
    assert [t["name"] for t in live.tracks] == ["Dialog", "Keys", "Foley"]
    assert first.track_index == second.track_index == 2 and len(live.tracks[2]["clips"]) == 2


def test_place_by_index_and_session_view(live: LiveDouble, make_take) -> None:
    live.tracks[0]["slots"][0] = {"name": "old", "path": "", "length": 4.0}
    with connect(live_target(live, view="session")) as link:
        result = link.place(make_take(seconds=2.0), 0.0, 0, name="whoosh")
    assert result.extra["slot"] == 1 and result.position is None
    assert live.tracks[0]["slots"][1]["name"] == "whoosh"
    assert result.length == pytest.approx(2.0, abs=1e-5) and result.name == "whoosh"


def test_unpatched_abletonosc_gets_install_advice(live: LiveDouble, make_take) -> None:
    live.audio_import = False
    with connect(live_target(live)) as link:
        with pytest.raises(BridgeError, match="foley_audio_import.py.*README"):
            link.place(make_take(), 1.0)


def test_midi_track_is_refused(live: LiveDouble, make_take) -> None:
    with connect(live_target(live)) as link:
        with pytest.raises(BridgeError, match="'Keys'.*not an audio track"):
            link.place(make_take(), 1.0, "Keys")
        with pytest.raises(BridgeError, match="no track 7"):
            link.place(make_take(), 1.0, 7)


def test_missing_and_moved_files(live: LiveDouble, make_take, tmp_path) -> None:
    with connect(live_target(live)) as link:
        with pytest.raises(BridgeError, match="nowhere.wav does not exist"):
            link.place(tmp_path / "nowhere.wav", 1.0)
    take = make_take()
    real = live._create_arrangement

    def moved_meanwhile(track, path, beats, name):  # the file goes away between check and import
        take.unlink()
        return real(track, path, beats, name)

    live._create_arrangement = moved_meanwhile
    with connect(live_target(live)) as link:
        with pytest.raises(BridgeError, match="reported an error: .*cannot open"):
            link.place(take, 1.0)


def test_wrong_port_times_out_within_bound(live: LiveDouble, make_take) -> None:
    target = live_target(live, port=free_udp_port(), timeout=0.6, retries=2)
    with connect(target) as link:
        start = time.monotonic()
        status = link.status()
        elapsed = time.monotonic() - start
        with pytest.raises(BridgeError, match="No answer from Ableton Live .* within 0.6 s"):
            link.place(make_take(), 1.0)
    assert not status.connected and "3 tries" in status.detail
    assert elapsed < 0.6 + 1.0


def test_unknown_host_name_is_a_bridge_error(live: LiveDouble) -> None:
    target = live_target(live, host="host.invalid", timeout=0.5)
    start = time.monotonic()
    with pytest.raises(BridgeError, match="host.invalid"):
        connect(target)
    assert time.monotonic() - start < 0.5 + 1.0


def test_unreachable_address_is_a_bridge_error(live: LiveDouble, make_take) -> None:
    with pytest.raises(BridgeError, match='set "bind_host" to "0.0.0.0"'):
        connect(live_target(live, host="192.0.2.1"))
    target = live_target(live, host="192.0.2.1", bind_host="0.0.0.0", timeout=0.5, retries=1)
    with connect(target) as link:  # TEST-NET-1: nobody answers there
        start = time.monotonic()
        with pytest.raises(BridgeError, match="192.0.2.1"):
            link.place(make_take(), 1.0)
        assert time.monotonic() - start < 0.5 + 1.0


def test_slow_host_answering_after_timeout(make_take) -> None:
    slow = LiveDouble(free_udp_port(), delay=0.8)
    try:
        with connect(live_target(slow, timeout=0.5, retries=0)) as link:
            start = time.monotonic()
            with pytest.raises(BridgeError, match="No answer"):
                link.place(make_take(), 1.0)
            assert time.monotonic() - start < 0.5 + 1.0
            slow.delay = 0.0
            time.sleep(0.9)  # the late answer arrives and must not be taken for the next one
            assert link.status().connected
    finally:
        slow.close()


@pytest.mark.parametrize("garble, call, pattern", [
    ({"/live/song/get/tempo": ("fast",)}, "place", "tempo.*'fast'"),
    ({"/live/application/get/version": ("twelve",)}, "status", "version.*'twelve'"),
    ({"/live/song/get/tempo": b"\x00garbage that is not OSC"}, "place", "not OSC"),
])
def test_malformed_replies(live: LiveDouble, make_take, garble, call, pattern) -> None:
    live.garble.update(garble)
    with connect(live_target(live)) as link:
        with pytest.raises(BridgeError, match=pattern):
            link.status() if call == "status" else link.place(make_take(), 1.0)


def test_marker_and_cursor(live: LiveDouble) -> None:
    with connect(live_target(live)) as link:
        cursor = link.move_cursor(4.0)
        first = link.marker(2.0, "door")
        again = link.marker(2.0, "door 2")  # reuses the locator already there
    assert cursor.position == pytest.approx(4.0)
    assert live.cues == [["door 2", 4.0]]
    assert first.index == again.index == 0 and again.position == pytest.approx(2.0)


def test_calls_from_many_threads_get_their_own_replies(live: LiveDouble, make_take) -> None:
    takes = [make_take(f"t{k}.wav", seconds=0.5) for k in range(4)]
    errors: list[Exception] = []
    with connect(live_target(live)) as link:
        def work(k: int) -> None:
            try:
                assert link.place(takes[k], float(k)).position == pytest.approx(k, abs=1e-5)
            except Exception as exc:  # collected for the main thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
    assert errors == []
    assert sorted(c["start"] for c in live.tracks[0]["clips"]) == [0.0, 2.0, 4.0, 6.0]


def test_reply_port_already_taken(live: LiveDouble) -> None:
    with connect(live_target(live)):
        with pytest.raises(BridgeError, match=f"port.*{live.reply_port}|{live.reply_port}.*port"):
            connect(live_target(live))


def test_close_leaves_no_thread_or_socket(live: LiveDouble) -> None:
    before = {t.ident for t in threading.enumerate()}
    link = connect(live_target(live))
    assert link.status().connected
    link.close()
    assert {t.ident for t in threading.enumerate()} - before == set()
    assert link._host.link._sock.fileno() == -1
    with pytest.raises(BridgeError, match="closed"):
        link.status()
