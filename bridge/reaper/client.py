"""REAPER through a companion ReaScript: spool a JSON job, trigger the script over OSC, read its reply.

REAPER's OSC has no message that inserts a media file, so ``foley_studio_bridge.lua`` (beside
this file) does the placing. The bridge writes ``<spool>/requests/<id>.json`` atomically, sends
``/action/<command ID>`` (no arguments) to REAPER's OSC listen port, and waits for the script's
``<spool>/replies/<id>.json``. A job carries an expiry time so a late-running script does not
place a take the user has given up on. Every placement the script reports is checked against
the job (position, length, track, name, file, time-based timebase).

When no reply comes, the bridge says why: nothing listens on REAPER's OSC port (an ICMP
"port unreachable" came back: REAPER is not running, or listens elsewhere); the script left no
fresh heartbeat (it is not registered under the action the bridge triggers); or its heartbeat
names another spool folder than the bridge's.
"""
from __future__ import annotations

import json
import math
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Optional

from foley_studio.atomic import write_text_atomic
from foley_studio.errors import BridgeError, DiskFullError

from bridge.results import (CursorResult, HostStatus, MarkerResult, PlaceResult, check_time,
                            take_file)
from bridge.targets import Target, TrackRef, reaper_resource_dir
from bridge.transport import OscLink, PortProbe, i
from bridge.wavinfo import WavInfo, read_wav_info

HOST = "REAPER"
SCRIPT_VERSION = "3"
"""The foley_studio_bridge.lua this bridge speaks to (timebase and source path in replies, the
project's start time in ping)."""
HEARTBEAT = "heartbeat.json"
STALE_S = 3600.0
"""Jobs and replies older than this are left-overs (a job never waits more than 600 s)."""
TIME_TOLERANCE_S = 1e-6
TIMEBASE_TIME = 0
"""C_BEATATTACHMODE of an item that stays at its time whatever the tempo does."""
REINSTALL = "update foley_studio_bridge.lua in REAPER from bridge/reaper/"
_POLL_S = 0.02


class Reaper:
    """A REAPER session reached over OSC plus a spool folder. Thread-safe; bounded waits."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.spool = target.spool_dir()
        self._lock = threading.RLock()
        self._make_spool()
        self.link = OscLink(target.host, target.port, bind_host=target.bind_host,
                            bind_port=target.reply_port, label="REAPER", resolve_timeout=target.timeout)

    def close(self) -> None:
        """Release the OSC socket."""
        self.link.close()

    def _make_spool(self) -> None:
        try:
            for sub in ("requests", "replies"):
                (self.spool / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BridgeError(f"Cannot use the REAPER spool folder {self.spool}: {exc.strerror or exc}. "
                              "Choose a writable folder in the target preset (\"spool\").") from exc
        self._prune()

    def _prune(self) -> None:
        """Remove jobs and replies left behind more than :data:`STALE_S` ago (a bridge that
        quit while waiting, or a script that answered after the bridge gave up)."""
        oldest = time.time_ns() - int(STALE_S * 1e9)
        for sub in ("requests", "replies"):
            for path in (self.spool / sub).glob("*.json"):
                stamp = path.name.split("-", 1)[0]
                if stamp.isdigit() and int(stamp) < oldest:
                    path.unlink(missing_ok=True)

    # the job cycle ---------------------------------------------------------------------
    def run_job(self, op: str, **fields: Any) -> dict[str, Any]:
        """Spool one job, trigger the script, and return its reply (raises on failure or silence)."""
        job_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        request = self.spool / "requests" / f"{job_id}.json"
        reply = self.spool / "replies" / f"{job_id}.json"
        with self._lock:
            expires = math.ceil(time.time() + self.target.reply_timeout) + 1
            body = json.dumps({"id": job_id, "op": op, "expires": expires, **fields}, ensure_ascii=False)
            try:
                write_text_atomic(request, body)
            except (DiskFullError, OSError) as exc:
                raise BridgeError(f"Cannot write the REAPER job {request}: {exc}") from exc
            try:
                return _check_reply(self._await(reply, request), op, job_id, reply)
            finally:
                request.unlink(missing_ok=True)
                reply.unlink(missing_ok=True)

    def trigger(self) -> None:
        """Ask REAPER to run the companion script's action."""
        action = self.target.action
        if action.isdigit():
            self.link.send("/action", [i(int(action))])
        else:
            self.link.send(f"/action/{action}")

    def _await(self, reply: Path, request: Path) -> str:
        before = {p: _stamp(p) for p in self._heartbeats()}
        with PortProbe(self.link.address) as probe:
            text = self._poll(reply, probe)
        if text is None:
            raise BridgeError(self._silence(before, request))
        return text

    def _poll(self, reply: Path, probe: PortProbe) -> Optional[str]:
        """Trigger (again on silence) and wait for the reply file; None when none came."""
        start = time.monotonic()
        deadline = start + self.target.reply_timeout
        triggers, next_trigger = 0, start
        while time.monotonic() < deadline:
            if triggers <= self.target.retries and time.monotonic() >= next_trigger:
                self.trigger()
                triggers += 1
                next_trigger = time.monotonic() + self.target.timeout
            if reply.exists():
                return _read(reply)
            if probe.refused():
                raise BridgeError(self._not_running())
            time.sleep(min(_POLL_S, max(0.0, deadline - time.monotonic())))
        return _read(reply) if reply.exists() else None

    def _not_running(self) -> str:
        t = self.target
        return (f"REAPER is not running, or its OSC control does not listen on {t.host}:{t.port}: "
                "nothing takes messages there. Start REAPER, and check Preferences › Control/OSC/web "
                f"(an OSC device with local listen port {t.port}; bridge/reaper/README.md, step 3).")

    def _heartbeats(self) -> tuple[Path, Path]:
        """Where the script leaves its heartbeat: the spool folder, and REAPER's own folder."""
        return self.spool / HEARTBEAT, reaper_resource_dir() / "FoleyStudio" / HEARTBEAT

    def _silence(self, before: dict[Path, Any], request: Path) -> str:
        t = self.target
        head = f"REAPER did not answer within {t.reply_timeout:g} s. "
        found = {p: _heartbeat(p) for p in self._heartbeats()}
        beats = [b for b in found.values() if b]
        fresh = [b for p, b in found.items() if b and _stamp(p) != before[p]]
        elsewhere = [b for b in fresh if not _same_folder(b.get("spool"), self.spool)]
        if elsewhere:
            return head + (f"The companion script ran but reads the spool folder "
                           f"{elsewhere[0].get('spool')}, while Foley Studio writes to {self.spool}: set \"spool\" in the target "
                           "preset to that folder, or point the script at this one "
                           "(bridge/reaper/README.md, step 4).")
        if fresh:
            return head + (f"The companion script (version {fresh[0].get('script')}) ran but left the "
                           f"job {request.stem} unanswered; {REINSTALL}.")
        return head + (f"Its OSC port {t.host}:{t.port} takes messages, but the companion script did "
                       f"not run: register foley_studio_bridge.lua as action {t.action} and tick "
                       "\"Allow binding messages to REAPER actions\" (bridge/reaper/README.md, steps "
                       "2-3)." + _last_run(beats, t.action))

    # public operations -----------------------------------------------------------------
    def status(self) -> HostStatus:
        """Ping the companion script; never raises for an absent REAPER."""
        try:
            reply = self.run_job("ping")
        except BridgeError as exc:
            return HostStatus(HOST, False, detail=str(exc))
        version, script = str(reply.get("version", "")), str(reply.get("script", "?"))
        if script != SCRIPT_VERSION:
            return HostStatus(HOST, False, version, f"the companion script in REAPER is version "
                              f"{script}, this bridge needs {SCRIPT_VERSION}; {REINSTALL}.")
        offset = reply.get("time_offset")
        start = float(offset) if isinstance(offset, (int, float)) and not isinstance(offset, bool) else None
        return HostStatus(HOST, True, version, f"companion script v{script}, spool {self.spool}", start)

    def place(self, take: os.PathLike | str, at: float, track: TrackRef = None, name: str = "",
              metadata: Optional[dict[str, Any]] = None) -> PlaceResult:
        """Place the WAV ``take`` on ``track`` at ``at`` seconds; return what REAPER reports.

        The report is checked against the request; a mismatch is a :class:`BridgeError` that
        says what was placed and what was asked.
        """
        path = str(take_file(take))
        info = read_wav_info(path)
        track = track if track is not None else self.target.track
        fields = {"path": path, "track": track if track is not None else "Foley",
                  "create_track": self.target.create_track, "position": check_time(at),
                  "name": name or Path(path).stem, "metadata": metadata or {}}
        reply = self.run_job("place", **fields)
        _need(reply, {"position": float, "length": float, "track_index": int, "track_name": str,
                      "name": str, "path": str, "timebase": int})
        _check_placed(reply, fields, info)
        return PlaceResult(HOST, path, reply["track_name"], reply["track_index"], reply["position"],
                           reply["length"], reply["name"],
                           {"item_guid": reply.get("item_guid", ""), "timebase": "time"})

    def marker(self, at: float, name: str) -> MarkerResult:
        """Add a named project marker at ``at`` seconds."""
        reply = self.run_job("marker", position=check_time(at), name=name)
        _need(reply, {"position": float, "index": int})
        _check_position(reply["position"], float(at), "the marker")
        return MarkerResult(HOST, reply["position"], str(reply.get("name", name)), reply["index"])

    def move_cursor(self, at: float) -> CursorResult:
        """Move the edit cursor to ``at`` seconds; return where REAPER put it."""
        reply = self.run_job("cursor", position=check_time(at))
        _need(reply, {"position": float})
        _check_position(reply["position"], float(at), "the edit cursor")
        return CursorResult(HOST, reply["position"])


def _check_position(placed: float, asked: float, what: str) -> None:
    if abs(placed - asked) > TIME_TOLERANCE_S:
        raise BridgeError(f"REAPER put {what} at {placed:.6f} s instead of {asked:.6f} s; check it "
                          f"in REAPER and {REINSTALL}.")


def _check_placed(reply: dict[str, Any], asked: dict[str, Any], info: WavInfo) -> None:
    """Raise if what REAPER reports differs from the job in ``asked``."""
    wrong = []
    if abs(reply["position"] - asked["position"]) > TIME_TOLERANCE_S:
        wrong.append(f"at {reply['position']:.6f} s instead of {asked['position']:.6f} s")
    if abs(reply["length"] - info.duration) > max(TIME_TOLERANCE_S, 1.0 / info.rate):
        wrong.append(f"{reply['length']:.6f} s long instead of {info.duration:.6f} s")
    track = asked["track"]
    if reply["track_index"] != track if isinstance(track, int) else reply["track_name"] != track:
        wrong.append(f"on track {reply['track_index']} ({reply['track_name']!r}) instead of {track!r}")
    if reply["name"] != asked["name"]:
        wrong.append(f"named {reply['name']!r} instead of {asked['name']!r}")
    if not _same_folder(reply["path"], Path(asked["path"])):
        wrong.append(f"from {reply['path']} instead of {asked['path']}")
    if reply["timebase"] != TIMEBASE_TIME:
        wrong.append(f"with timebase {reply['timebase']} instead of time ({TIMEBASE_TIME}), so a "
                     "tempo change would move it")
    if wrong:
        raise BridgeError(f"REAPER placed {asked['path']} but {'; '.join(wrong)}. Undo it in REAPER "
                          f"(Edit › Undo \"Foley Studio: place …\") and {REINSTALL}.")


def _heartbeat(path: Path) -> Optional[dict[str, Any]]:
    """The companion script's heartbeat file, or None when absent or unreadable."""
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    ok = isinstance(beat, dict) and isinstance(beat.get("time"), (int, float))
    return beat if ok and not isinstance(beat["time"], bool) else None


def _stamp(path: Path) -> Optional[tuple[int, int]]:
    """What changes whenever the file is written again (it is replaced by a rename)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_ino


def _last_run(beats: list[dict[str, Any]], action: str) -> str:
    if not beats:
        return " It has never run on this computer with this spool folder."
    last = max(beats, key=lambda b: b["time"])
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(last["time"]))
    ran_as = str(last.get("action", ""))
    if ran_as and ran_as != action:
        return (f" It last ran at {when} as action {ran_as}: put that ID as \"action\" in the "
                "target preset.")
    return f" It last ran at {when}."


def _same_folder(reported: Any, ours: Path) -> bool:
    """Whether a path the script reported names the same file or folder as ``ours``."""
    if not isinstance(reported, str) or not reported:
        return False
    return _norm(reported) == _norm(str(ours))


def _norm(path: str) -> str:
    return os.path.normcase(os.path.realpath(os.path.expanduser(path)))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BridgeError(f"Cannot read REAPER's reply {path}: {exc}") from exc


def _check_reply(text: str, op: str, job_id: str, path: Path) -> dict[str, Any]:
    try:
        reply = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BridgeError(f"REAPER's reply {path} is not JSON ({exc}); {REINSTALL}.") from exc
    if not isinstance(reply, dict) or reply.get("id") != job_id or not isinstance(reply.get("ok"), bool):
        raise BridgeError(f"REAPER's reply {path} does not answer job {job_id}: {text[:200]!r}; "
                          f"{REINSTALL}.")
    if not reply["ok"]:
        raise BridgeError(f"REAPER could not {op}: {reply.get('error', 'no reason given')}.")
    return reply


def _need(reply: dict[str, Any], fields: dict[str, type]) -> None:
    for key, kind in fields.items():
        value = reply.get(key)
        ok = isinstance(value, (int, float)) if kind is float else isinstance(value, kind)
        if not ok or isinstance(value, bool):
            raise BridgeError(f"REAPER's reply has {key}={value!r}, expected a {kind.__name__}; "
                              f"{REINSTALL}.")
