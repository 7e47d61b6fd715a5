"""Wire compatibility with an independent OSC implementation (liblo's oscdump and oscsend)."""
from __future__ import annotations

import shutil
import struct
import subprocess
import threading
import time

import pytest

from bridge import connect
from bridge.targets import Target
from bridge.transport import OscLink, d, encode, f, i, s
from bridge_doubles import OscDump, free_udp_port, request_answered_by_oscsend
from foley_studio.errors import BridgeError


def _float32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def test_typed_arguments_reach_oscdump(oscdump: OscDump) -> None:
    path = "/tmp/takes dir/été 1.wav"
    with OscLink("127.0.0.1", oscdump.port) as link:
        link.send("/live/track/create_audio_clip", [i(3), s(path), d(24.691357802)])
        link.send("/time", [f(12.345678)])
        link.send("/action/_FOLEY_STUDIO_BRIDGE")
    got = oscdump.messages(3)
    assert [(a, t) for a, t, _ in got] == [("/live/track/create_audio_clip", "isd"), ("/time", "f"),
                                           ("/action/_FOLEY_STUDIO_BRIDGE", "")]
    assert got[0][2][:2] == ["3", path]
    assert float(got[0][2][2]) == pytest.approx(24.691357802, abs=1e-6)
    assert float(got[1][2][0]) == pytest.approx(_float32(12.345678), abs=1e-6)


def test_ableton_place_messages_on_the_wire(oscdump: OscDump, make_take) -> None:
    """Against a silent peer the bridge still sends exactly what AbletonOSC expects, then gives up."""
    target = Target(kind="ableton", port=oscdump.port, reply_port=free_udp_port(), timeout=0.3, retries=0)
    with connect(target) as link:
        assert not link.status().connected
        link._host.link.send("/live/song/create_audio_track", [i(-1)])
    got = oscdump.messages(2)
    assert got == [("/live/test", "", []), ("/live/song/create_audio_track", "i", ["-1"])]


def test_reaper_numeric_action_is_an_int(oscdump: OscDump, tmp_path) -> None:
    target = Target(kind="reaper", port=oscdump.port, reply_port=0, spool=str(tmp_path),
                    action="40044", timeout=0.2, retries=0, reply_timeout=0.3)
    with connect(target) as link:
        assert not link.status().connected
    assert oscdump.messages(1) == [("/action", "i", ["40044"])]


def test_oscsend_reply_reaches_the_listener() -> None:
    with OscLink("127.0.0.1", free_udp_port(), bind_port=free_udp_port()) as link:
        reply = request_answered_by_oscsend(link, "/live/song/get/tempo", "f", "123.5")
    assert reply.args == (123.5,)


def test_oscsend_error_is_raised() -> None:
    if shutil.which("oscsend") is None:
        pytest.skip("oscsend (liblo-tools) is not installed")
    reply_port = free_udp_port()
    with OscLink("127.0.0.1", free_udp_port(), bind_port=reply_port, label="Live") as link:
        timer = threading.Timer(0.2, subprocess.run, args=(
            ["oscsend", "127.0.0.1", str(reply_port), "/live/error", "s", "Unknown OSC address: /x"],))
        timer.start()
        with pytest.raises(BridgeError, match="Live reported an error: Unknown OSC address: /x"):
            link.request("/x", timeout=3.0, retries=0, error_address="/live/error")
        timer.join()


def test_request_never_waits_past_timeout() -> None:
    with OscLink("127.0.0.1", free_udp_port()) as link:
        start = time.monotonic()
        with pytest.raises(BridgeError, match=r"within 0.4 s \(4 tries"):
            link.request("/ping", timeout=0.4, retries=3)
        assert time.monotonic() - start < 0.4 + 1.0


def test_blobs_and_oversized_messages_are_refused() -> None:
    from bridge.transport import Arg

    with pytest.raises(BridgeError, match="file path instead"):
        encode("/audio", [Arg(b"\x00\x01", "b")])
    with pytest.raises(BridgeError, match="over 8192"):
        encode("/path", [s("x" * 9000)])


@pytest.mark.parametrize("port", [0, 70000, True])
def test_bad_ports_are_named(port) -> None:
    with pytest.raises(BridgeError, match=f"{port!r} is not a UDP port"):
        OscLink("127.0.0.1", port)
