"""REAPER: the companion Lua script under lua5.4 against a stand-in API, and full round trips
(bridge writes the job → OSC action trigger → script runs → bridge reads the reply)."""
from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
import soundfile

from bridge import connect
from bridge_doubles import ReaperDouble, free_udp_port, reaper_target, run_lua
from foley_studio.errors import BridgeError

pytestmark = pytest.mark.skipif(shutil.which("lua5.4") is None, reason="lua5.4 is not installed")


def _spool_job(spool: Path, job_id: str, **job) -> None:
    (spool / "requests").mkdir(parents=True, exist_ok=True)
    (spool / "replies").mkdir(parents=True, exist_ok=True)
    (spool / "requests" / f"{job_id}.json").write_text(json.dumps({"id": job_id, **job}), encoding="utf-8")


def _reply(spool: Path, job_id: str) -> dict:
    return json.loads((spool / "replies" / f"{job_id}.json").read_text(encoding="utf-8"))


def _rows(state: Path, kind: str) -> list[list[str]]:
    return [line.split("\t")[1:] for line in state.read_text(encoding="utf-8").splitlines()
            if line.split("\t")[0] == kind]


def test_script_places_items_with_header_lengths(tmp_path: Path, make_take) -> None:
    spool, state = tmp_path / "spool", tmp_path / "state.tsv"
    stereo = make_take("steps.wav", seconds=0.75, rate=44100, channels=2)
    mono = make_take("door.wav", seconds=2.0)
    meta = {"model": "im2wav", "seed": 7, "prompt": "door \"slam\""}
    _spool_job(spool, "a1", op="place", path=str(stereo), track=1, position=3.25, name="steps")
    _spool_job(spool, "a2", op="place", path=str(mono), track="Foley", create_track=True,
               position=61.123456789, name="döör", metadata=meta)
    result = run_lua(spool, "Dialog,Music", state)
    assert result.returncode == 0, result.stderr
    first, second = _reply(spool, "a1"), _reply(spool, "a2")
    assert first["ok"] and first["track_name"] == "Music" and first["track_index"] == 1
    assert first["length"] == pytest.approx(soundfile.info(stereo).duration, abs=1e-12)
    assert second["track_index"] == 2 and second["position"] == 61.123456789
    rows = _rows(state, "item")
    items = [(int(r[0]), float(r[1]), float(r[2]), r[3], r[4]) for r in rows]
    assert items == [(1, 3.25, 0.75, "steps", str(stereo)), (2, 61.123456789, 2.0, "döör", str(mono))]
    assert json.loads(rows[1][5]) == meta
    assert _rows(state, "track")[2] == ["2", "Foley"]
    assert _rows(state, "undo") == [["0"]]  # every undo block closed
    assert list((spool / "requests").iterdir()) == []


@pytest.mark.parametrize("job, message", [
    ({"op": "place", "path": "/nowhere/take.wav", "track": 0, "position": 1.0}, "file not found: /nowhere/take.wav"),
    ({"op": "place", "path": "TAKE", "track": 9, "position": 1.0}, "no track index 9"),
    ({"op": "place", "path": "TAKE", "track": "Nope", "position": 1.0}, "no track named 'Nope'"),
    ({"op": "place", "path": "TAKE", "track": 0, "position": -2}, "position must be a time"),
    ({"op": "marker", "position": 1.0, "expires": 1000}, "expired"),
    ({"op": "explode"}, "unknown job op 'explode'"),
])
def test_script_errors_leave_the_project_alone(tmp_path: Path, make_take, job, message) -> None:
    spool, state = tmp_path / "spool", tmp_path / "state.tsv"
    job = {k: (str(make_take()) if v == "TAKE" else v) for k, v in job.items()}
    _spool_job(spool, "e1", **job)
    run_lua(spool, "Dialog", state)
    reply = _reply(spool, "e1")
    assert reply["ok"] is False and message in reply["error"]
    assert _rows(state, "item") == [] and _rows(state, "marker") == []


def test_script_answers_broken_json(tmp_path: Path) -> None:
    spool, state = tmp_path / "spool", tmp_path / "state.tsv"
    _spool_job(spool, "x", op="ping")
    (spool / "requests" / "x.json").write_text('{"id": "x", "op": ', encoding="utf-8")
    run_lua(spool, "", state)
    assert "not valid JSON" in _reply(spool, "x")["error"]


def test_round_trip_place(reaper_double: ReaperDouble, make_take) -> None:
    take = make_take("glass.wav", seconds=1.2)
    with connect(reaper_target(reaper_double)) as link:
        result = link.place(take, 42.000123, "Music", "glass", {"seed": 3})
    assert reaper_double.received == [("/action/_FOLEY_STUDIO_BRIDGE", ())]
    assert (result.host, result.track, result.track_index) == ("REAPER", "Music", 1)
    assert result.position == 42.000123 and result.length == pytest.approx(1.2, abs=1e-12)
    assert result.extra["item_guid"].startswith("{")
    item = reaper_double.project()["item"][0]
    assert (int(item[0]), float(item[1]), item[3], item[4]) == (1, 42.000123, "glass", str(take))
    assert json.loads(item[5]) == {"seed": 3}
    assert list((reaper_double.spool / "replies").iterdir()) == []


def test_round_trip_status_marker_cursor(reaper_double: ReaperDouble) -> None:
    with connect(reaper_target(reaper_double)) as link:
        status = link.status()
        marker = link.marker(12.5, "impact")
        cursor = link.move_cursor(7.75)
    assert status.connected and status.version.startswith("7.")
    assert (marker.position, marker.name, marker.index) == (12.5, "impact", 1)
    assert cursor.position == 7.75 and reaper_double.project()["cursor"] == [["7.75"]]


def test_moved_file_is_reported_by_the_script(reaper_double: ReaperDouble, make_take) -> None:
    take = make_take()
    reaper_double.before_run = take.unlink
    with connect(reaper_target(reaper_double)) as link:
        with pytest.raises(BridgeError, match="REAPER could not place: file not found"):
            link.place(take, 1.0)


def test_missing_file_is_refused_before_sending(reaper_double: ReaperDouble, tmp_path: Path) -> None:
    with connect(reaper_target(reaper_double)) as link:
        with pytest.raises(BridgeError, match="gone.wav does not exist"):
            link.place(tmp_path / "gone.wav", 1.0)
    assert reaper_double.received == []


def test_wrong_port_is_not_running_and_withdraws_the_job(reaper_double: ReaperDouble, make_take) -> None:
    target = reaper_target(reaper_double, port=free_udp_port(), timeout=0.3, retries=2, reply_timeout=5.0)
    with connect(target) as link:
        start = time.monotonic()
        with pytest.raises(BridgeError, match="REAPER is not running, or its OSC control does not listen"):
            link.place(make_take(), 1.0)
        assert time.monotonic() - start < 5.0  # told at once, not after the reply timeout
        assert not link.status().connected
    assert list((reaper_double.spool / "requests").iterdir()) == []


def test_slow_reaper_is_abandoned_and_places_nothing_late(reaper_double: ReaperDouble, make_take) -> None:
    reaper_double.delay = 1.0
    with connect(reaper_target(reaper_double, timeout=2.0, reply_timeout=0.5)) as link:
        start = time.monotonic()
        with pytest.raises(BridgeError, match="did not answer"):
            link.place(make_take(), 1.0)
        assert time.monotonic() - start < 0.5 + 1.0
    deadline = time.monotonic() + 5
    while not reaper_double.results and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reaper_double.project().get("item") is None


@pytest.mark.parametrize("reply, pattern", [
    ("{not json", "is not JSON"),
    ('{"id": "someone-else", "ok": true}', "does not answer job"),
    ('{"id": "ID", "ok": true, "position": "soon", "length": 1, "track_index": 0, "track_name": "A"}',
     "position='soon'"),
])
def test_malformed_replies(reaper_double: ReaperDouble, make_take, reply, pattern) -> None:
    def forge() -> None:
        request = next((reaper_double.spool / "requests").glob("*.json"))
        text = reply.replace("ID", request.stem)
        (reaper_double.spool / "replies" / request.name).write_text(text, encoding="utf-8")

    reaper_double.run = False
    with connect(reaper_target(reaper_double, timeout=0.2, reply_timeout=5.0)) as link:
        timer = threading.Timer(0.3, forge)
        timer.start()
        with pytest.raises(BridgeError, match=pattern):
            link.place(make_take(), 1.0)
        timer.join()


def test_unwritable_spool_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    from bridge.targets import Target

    with pytest.raises(BridgeError, match="spool folder"):
        connect(Target(kind="reaper", port=8000, reply_port=0, spool=str(blocker / "spool")))


def test_threads_share_one_bridge(reaper_double: ReaperDouble, make_take) -> None:
    takes = [make_take(f"t{k}.wav", seconds=0.25 * (k + 1)) for k in range(3)]
    results, errors = {}, []
    with connect(reaper_target(reaper_double)) as link:
        def work(k: int) -> None:
            try:
                results[k] = link.place(takes[k], 10.0 + k, "Dialog")
            except Exception as exc:  # collected for the main thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert errors == []
    assert {k: (r.position, r.length) for k, r in results.items()} == {
        k: (10.0 + k, pytest.approx(0.25 * (k + 1), abs=1e-12)) for k in range(3)}
