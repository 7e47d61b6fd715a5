"""Hosts that answer late, twice, with junk, or not at all: the listener survives, stale answers
are discarded, nothing is created before the host can finish, and every placement is checked."""
from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from bridge import connect
from bridge.transport import OscLink
from bridge_doubles import (MALFORMED, LiveDouble, free_udp_port, live_target, osc_datagram,
                            request_answered_by_oscsend)
from foley_studio.errors import BridgeError

REPO = Path(__file__).resolve().parents[2]


def _send_raw(port: int, *datagrams: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for data in datagrams:
            sock.sendto(data, ("127.0.0.1", port))


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_listener_survives_any_datagram(case: str) -> None:
    with OscLink("127.0.0.1", free_udp_port(), bind_port=0) as link:
        port = link.bind_address[1]
        timer = threading.Timer(0.1, _send_raw, args=(port, MALFORMED[case], MALFORMED[case],
                                                      osc_datagram("/live/test", "ok")))
        timer.start()
        reply = link.request("/live/test", timeout=3.0, retries=0)
        timer.join()
        assert reply.args == ("ok",) and link._thread.is_alive()


def test_independent_peer_after_junk_is_heard() -> None:
    with OscLink("127.0.0.1", free_udp_port(), bind_port=0) as link:
        _send_raw(link.bind_address[1], MALFORMED["truncated bundle"])
        reply = request_answered_by_oscsend(link, "/live/song/get/tempo", "d", "97.25")
    assert reply.args == (97.25,)


@pytest.mark.parametrize("case", ["truncated bundle", "unknown content in a bundle", "garbage"])
def test_placement_survives_junk_before_every_answer(live: LiveDouble, make_take, case: str) -> None:
    live.noise = MALFORMED[case]
    with connect(live_target(live)) as link:
        result = link.place(make_take(), 2.0)
    assert result.position == pytest.approx(2.0, abs=1e-5) and len(live.tracks[0]["clips"]) == 1


def test_junk_only_is_named_in_the_no_answer_message(live: LiveDouble) -> None:
    live.garble["/live/test"] = MALFORMED["truncated bundle"]
    with connect(live_target(live, timeout=0.4, retries=1)) as link:
        status = link.status()
    assert not status.connected and "2 datagram(s) that are not OSC" in status.detail


def test_no_library_warning_reaches_the_terminal() -> None:
    """python-osc reports unknown bundle contents through the root logger, which prints."""
    code = textwrap.dedent(f"""
        import socket
        from bridge.transport import OscLink
        from bridge_doubles import MALFORMED, osc_datagram
        with OscLink("127.0.0.1", 9, bind_port=0) as link:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                for data in MALFORMED.values():
                    sock.sendto(data, link.bind_address)
                sock.sendto(osc_datagram("/live/test", "ok"), link.bind_address)
            assert link.wait_for("/live/test", until=__import__("time").monotonic() + 3) is not None
        print("done")
    """)
    env = {"PYTHONPATH": f"{REPO}:{REPO / 'tests' / 'bridge'}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, "done\n", "")


def test_late_answers_after_a_resend_are_not_taken_for_the_next_query(live: LiveDouble, make_take) -> None:
    """Every answer comes after the first send's share of the timeout, so each query is resent
    and its second answer arrives while the bridge already asks the next thing."""
    live.delay = 0.3
    with connect(live_target(live, timeout=0.5, retries=1)) as link:
        result = link.place(make_take("knock.wav", seconds=0.5), 3.0)
        assert link._host.link.discarded > 0
    assert result.position == pytest.approx(3.0, abs=1e-5) and result.name == "knock"
    assert [c["start"] for c in live.tracks[0]["clips"]] == [6.0]
    assert live.addresses().count("/live/track/create_audio_clip") == 1


def test_one_slow_answer_then_a_stale_one(live: LiveDouble, make_take) -> None:
    """The clip list is slow once: its stale copy must not pass for the list after creating."""
    live.delays["/live/track/get/arrangement_clips/start_time"] = [0.7]
    with connect(live_target(live, timeout=1.0, retries=1)) as link:
        result = link.place(make_take(), 1.0)
    assert result.position == pytest.approx(1.0, abs=1e-5) and len(live.tracks[0]["clips"]) == 1


def test_duplicated_answers(live: LiveDouble, make_take) -> None:
    live.duplicate.update(live._handlers())
    with connect(live_target(live, track="New")) as link:
        first = link.place(make_take(), 1.0)
        second = link.place(make_take(), 2.0)
    assert [t["name"] for t in live.tracks] == ["Dialog", "Keys", "New"]
    assert (first.track_index, second.track_index) == (2, 2)
    assert [c["start"] for c in live.tracks[2]["clips"]] == [2.0, 4.0]


@pytest.mark.parametrize("unknown_errors", [True, False])
def test_stock_abletonosc_changes_nothing(live: LiveDouble, make_take, unknown_errors: bool) -> None:
    live.audio_import, live.unknown_errors = False, unknown_errors
    with connect(live_target(live, track="Foley", timeout=0.3)) as link:
        with pytest.raises(BridgeError, match="nothing was changed.*foley_audio_import.py"):
            link.place(make_take(), 1.0)
    assert [t["name"] for t in live.tracks] == ["Dialog", "Keys"]
    assert "/live/song/create_audio_track" not in live.addresses()


@pytest.mark.parametrize("at", [90_000.0, 1e300, float("nan")])
def test_a_meaningless_position_changes_nothing(live: LiveDouble, make_take, at: float) -> None:
    with connect(live_target(live, track="Foley")) as link:
        with pytest.raises(BridgeError, match="must be a time from 0 s to 86400 s"):
            link.place(make_take(), at)
    assert live.received == []


def test_not_a_wav_changes_nothing(live: LiveDouble, tmp_path: Path) -> None:
    fake = tmp_path / "take.wav"
    fake.write_bytes(b"ID3 not audio")
    with connect(live_target(live, track="Foley")) as link:
        with pytest.raises(BridgeError, match="not a WAV"):
            link.place(fake, 1.0)
    assert live.received == []


def test_name_is_kept_in_the_arrangement(live: LiveDouble, make_take) -> None:
    with connect(live_target(live)) as link:
        result = link.place(make_take("take_0007.wav"), 1.0, name="door slam, take 7")
    assert live.tracks[0]["clips"][0]["name"] == "door slam, take 7" == result.name


@pytest.mark.parametrize("change, pattern", [
    ({"name": "something else"}, "named 'something else' instead of 'take'"),
    ({"length": 9.0}, "4.500000 s long instead of 1.500000 s"),
])
def test_a_wrong_placement_is_an_error(live: LiveDouble, make_take, change, pattern) -> None:
    real = live._create_arrangement

    def misplace(track, path, beats, name=""):
        real(track, path, beats, name)
        live.tracks[track]["clips"][-1].update(change)

    live._create_arrangement = misplace
    with connect(live_target(live)) as link:
        with pytest.raises(BridgeError, match=f"Live placed .* on track 0 \\('Dialog'\\) but {pattern}"):
            link.place(make_take(), 1.0)


def test_session_clip_gets_the_file_name_checked(live: LiveDouble, make_take) -> None:
    live.delay = 0.3
    with connect(live_target(live, view="session", timeout=0.5, retries=1)) as link:
        result = link.place(make_take("rustle.wav", seconds=1.0), 0.0)
    assert result.name == "rustle" and live.tracks[0]["slots"][0]["name"] == "rustle"
    assert result.length == pytest.approx(1.0, abs=1e-5)


def test_marker_and_cursor_with_a_late_live(live: LiveDouble) -> None:
    live.delay = 0.3
    with connect(live_target(live, timeout=0.5, retries=1)) as link:
        cursor = link.move_cursor(0.0)
        marker = link.marker(3.0, "impact")
        again = link.marker(3.0, "impact 2")
    assert cursor.position == 0.0 and (marker.index, again.index) == (0, 0)
    assert live.cues == [["impact 2", 6.0]] and again.position == pytest.approx(3.0)


def test_a_song_position_that_does_not_move_is_an_error(live: LiveDouble) -> None:
    live.override["/live/song/set/current_song_time"] = lambda beats: None
    with connect(live_target(live, timeout=0.3, retries=0)) as link:
        with pytest.raises(BridgeError, match="did not move to 4.000000 s"):
            link.move_cursor(4.0)


def test_a_track_live_does_not_create_is_not_named(live: LiveDouble, make_take) -> None:
    live.override["/live/song/create_audio_track"] = lambda index: None
    with connect(live_target(live, track="Foley", timeout=0.3, retries=0)) as link:
        with pytest.raises(BridgeError, match="did not create the audio track 'Foley'"):
            link.place(make_take(), 1.0)
    assert "/live/track/set/name" not in live.addresses()
    assert "/live/track/create_audio_clip" not in live.addresses()
