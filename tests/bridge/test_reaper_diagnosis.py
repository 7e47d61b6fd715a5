"""REAPER: the companion script's heartbeat tells "not running", "not registered" and "wrong
spool folder" apart; items get time-based timebase; every reported placement is checked."""
from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from bridge import connect
from bridge_doubles import LUA_SCRIPT, ReaperDouble, free_udp_port, reaper_target, run_lua
from foley_studio.errors import BridgeError

pytestmark = pytest.mark.skipif(shutil.which("lua5.4") is None, reason="lua5.4 is not installed")


def test_every_run_leaves_a_heartbeat(reaper_double: ReaperDouble) -> None:
    before = int(time.time())
    with connect(reaper_target(reaper_double)) as link:
        assert link.status().connected
    for folder in (reaper_double.spool, reaper_double.resource / "FoleyStudio"):
        beat = json.loads((folder / "heartbeat.json").read_text(encoding="utf-8"))
        assert beat["time"] >= before and beat["script"] == "3"
        assert (beat["action"], beat["spool"]) == ("_FOLEY_STUDIO_BRIDGE", str(reaper_double.spool))
        assert beat["reaper"].startswith("7.")


def test_not_running_is_told_at_once(reaper_double: ReaperDouble) -> None:
    target = reaper_target(reaper_double, port=free_udp_port(), timeout=0.5, reply_timeout=8.0)
    with connect(target) as link:
        start = time.monotonic()
        status = link.status()
        assert time.monotonic() - start < target.reply_timeout / 2  # told before the reply timeout
    assert not status.connected and "REAPER is not running" in status.detail
    assert f"local listen port {target.port}" in status.detail


def test_script_not_registered(reaper_double: ReaperDouble) -> None:
    reaper_double.action = "_RS0123456789abcdef"  # REAPER knows the script only under this ID
    with connect(reaper_target(reaper_double, timeout=0.3, reply_timeout=1.0)) as link:
        status = link.status()
    assert "takes messages, but the companion script did not run" in status.detail
    assert "as action _FOLEY_STUDIO_BRIDGE" in status.detail and "never run" in status.detail
    assert reaper_double.results == []


def test_script_registered_under_another_id(reaper_double: ReaperDouble) -> None:
    run_lua(reaper_double.spool, "", reaper_double.state, reaper_double.resource, "_RS0123456789abcdef")
    reaper_double.action = "_RS0123456789abcdef"
    with connect(reaper_target(reaper_double, timeout=0.3, reply_timeout=1.0)) as link:
        status = link.status()
    assert 'last ran at' in status.detail
    assert 'as action _RS0123456789abcdef: put that ID as "action"' in status.detail


def test_wrong_spool_folder(reaper_double: ReaperDouble, tmp_path: Path) -> None:
    reaper_double.script_spool = tmp_path / "elsewhere"
    with connect(reaper_target(reaper_double, timeout=0.3, reply_timeout=1.5)) as link:
        status = link.status()
    assert not status.connected
    assert (f"reads the spool folder {tmp_path / 'elsewhere'}, while Foley Studio writes to "
            f"{reaper_double.spool}") in status.detail
    assert list((reaper_double.spool / "requests").iterdir()) == []


def test_items_get_time_based_timebase(reaper_double: ReaperDouble, make_take) -> None:
    with connect(reaper_target(reaper_double)) as link:
        result = link.place(make_take(), 5.0, "Dialog")
    assert result.extra["timebase"] == "time"
    assert reaper_double.project()["item"][0][6] == "0"  # C_BEATATTACHMODE 0: time


def _forged(reaper_double: ReaperDouble, changes: dict) -> callable:
    """Answer the waiting job like the script would, with ``changes`` applied."""
    def forge() -> None:
        request = next((reaper_double.spool / "requests").glob("*.json"))
        job = json.loads(request.read_text(encoding="utf-8"))
        reply = {"id": job["id"], "ok": True, "position": job["position"], "length": 1.5,
                 "track_index": 0, "track_name": "Foley", "name": job["name"], "path": job["path"],
                 "timebase": 0, "item_guid": "{1}", **changes}
        for key in [k for k, v in changes.items() if v is None]:
            del reply[key]
        (reaper_double.spool / "replies" / request.name).write_text(json.dumps(reply), encoding="utf-8")
    return forge


@pytest.mark.parametrize("changes, pattern", [
    ({"position": 2.0}, "at 2.000000 s instead of 1.000000 s"),
    ({"length": 0.5}, "0.500000 s long instead of 1.500000 s"),
    ({"track_name": "Dialog"}, "on track 0 \\('Dialog'\\) instead of 'Foley'"),
    ({"name": "take 2"}, "named 'take 2' instead of 'take'"),
    ({"path": "/elsewhere/take.wav"}, "from /elsewhere/take.wav instead of"),
    ({"timebase": 1}, "timebase 1 instead of time \\(0\\), so a tempo change would move it"),
    ({"timebase": None}, "timebase=None, expected a int; update foley_studio_bridge.lua"),
])
def test_a_wrong_placement_is_an_error(reaper_double: ReaperDouble, make_take, changes, pattern) -> None:
    reaper_double.run = False
    with connect(reaper_target(reaper_double, timeout=0.2, reply_timeout=5.0)) as link:
        timer = threading.Timer(0.3, _forged(reaper_double, changes))
        timer.start()
        with pytest.raises(BridgeError, match=pattern):
            link.place(make_take(), 1.0)
        timer.join()


def test_a_faithful_report_passes(reaper_double: ReaperDouble, make_take) -> None:
    reaper_double.run = False
    with connect(reaper_target(reaper_double, timeout=0.2, reply_timeout=5.0)) as link:
        timer = threading.Timer(0.3, _forged(reaper_double, {}))
        timer.start()
        assert link.place(make_take(), 1.0).position == 1.0
        timer.join()


def test_an_old_script_is_not_connected(reaper_double: ReaperDouble, tmp_path: Path) -> None:
    old = tmp_path / "old_bridge.lua"
    old.write_text(LUA_SCRIPT.read_text(encoding="utf-8").replace('SCRIPT_VERSION = "3"', 'SCRIPT_VERSION = "2"'))
    reaper_double.script = old
    with connect(reaper_target(reaper_double)) as link:
        status = link.status()
    assert not status.connected and "version 2, this bridge needs 3; update" in status.detail


@pytest.mark.parametrize("op, call", [("cursor", "move_cursor"), ("marker", "marker")])
def test_a_cursor_or_marker_elsewhere_is_an_error(reaper_double: ReaperDouble, op, call) -> None:
    def forge() -> None:
        request = next((reaper_double.spool / "requests").glob("*.json"))
        reply = {"id": request.stem, "ok": True, "position": 4.5, "index": 1, "name": "hit"}
        (reaper_double.spool / "replies" / request.name).write_text(json.dumps(reply), encoding="utf-8")

    reaper_double.run = False
    with connect(reaper_target(reaper_double, timeout=0.2, reply_timeout=5.0)) as link:
        timer = threading.Timer(0.3, forge)
        timer.start()
        with pytest.raises(BridgeError, match="at 4.500000 s instead of 2.000000 s"):
            link.move_cursor(2.0) if call == "move_cursor" else link.marker(2.0, "hit")
        timer.join()


def test_left_over_jobs_and_late_replies_are_removed(reaper_double: ReaperDouble) -> None:
    old, fresh = f"{time.time_ns() - 2 * 3600 * 10**9:020d}-dead", f"{time.time_ns():020d}-live"
    for sub in ("requests", "replies"):
        (reaper_double.spool / sub).mkdir(parents=True, exist_ok=True)
        for job in (old, fresh):
            (reaper_double.spool / sub / f"{job}.json").write_text("{}", encoding="utf-8")
    (reaper_double.spool / "replies" / "notes.json").write_text("{}", encoding="utf-8")
    with connect(reaper_target(reaper_double)):
        pass
    for sub in ("requests", "replies"):
        names = sorted(p.name for p in (reaper_double.spool / sub).iterdir())
        assert names == ([f"{fresh}.json", "notes.json"] if sub == "replies" else [f"{fresh}.json"])
