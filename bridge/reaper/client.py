"""REAPER through a companion ReaScript: spool a JSON job, trigger the script over OSC, read its reply.

REAPER's OSC has no message that inserts a media file, so ``foley_studio_bridge.lua`` (beside
this file) does the placing. The bridge writes ``<spool>/requests/<id>.json`` atomically, sends
``/action/<command ID>`` (no arguments) to REAPER's OSC listen port, and waits for the script's
``<spool>/replies/<id>.json``. A job carries an expiry time so a late-running script does not
place a take the user has given up on.
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
from bridge.targets import Target, TrackRef
from bridge.transport import OscLink, i

HOST = "REAPER"
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
                return _check_reply(self._await(reply), op, job_id, reply)
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

    def _await(self, reply: Path) -> str:
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
            time.sleep(min(_POLL_S, max(0.0, deadline - time.monotonic())))
        if reply.exists():
            return _read(reply)
        raise BridgeError(self._silence())

    def _silence(self) -> str:
        t = self.target
        return (f"REAPER did not answer within {t.reply_timeout:g} s. Check that REAPER is running "
                f"with OSC control listening on {t.host}:{t.port} (Preferences › Control/OSC/web), "
                f"that foley_studio_bridge.lua is registered as action {t.action} "
                f"(bridge/reaper/README.md), and that it uses the spool folder {self.spool}.")

    # public operations -----------------------------------------------------------------
    def status(self) -> HostStatus:
        """Ping the companion script; never raises for an absent REAPER."""
        try:
            reply = self.run_job("ping")
        except BridgeError as exc:
            return HostStatus(HOST, False, detail=str(exc))
        return HostStatus(HOST, True, str(reply.get("version", "")),
                          f"companion script v{reply.get('script', '?')}, spool {self.spool}")

    def place(self, take: os.PathLike | str, at: float, track: TrackRef = None, name: str = "",
              metadata: Optional[dict[str, Any]] = None) -> PlaceResult:
        """Place the WAV ``take`` on ``track`` at ``at`` seconds; return what REAPER reports."""
        path = str(take_file(take))
        track = track if track is not None else self.target.track
        fields = {"path": path, "track": track if track is not None else "Foley",
                  "create_track": self.target.create_track, "position": check_time(at),
                  "name": name or Path(path).stem, "metadata": metadata or {}}
        reply = self.run_job("place", **fields)
        _need(reply, {"position": float, "length": float, "track_index": int, "track_name": str})
        return PlaceResult(HOST, path, reply["track_name"], reply["track_index"], reply["position"],
                           reply["length"], str(reply.get("name", fields["name"])),
                           {"item_guid": reply.get("item_guid", "")})

    def marker(self, at: float, name: str) -> MarkerResult:
        """Add a named project marker at ``at`` seconds."""
        reply = self.run_job("marker", position=check_time(at), name=name)
        _need(reply, {"position": float, "index": int})
        return MarkerResult(HOST, reply["position"], str(reply.get("name", name)), reply["index"])

    def move_cursor(self, at: float) -> CursorResult:
        """Move the edit cursor to ``at`` seconds; return where REAPER put it."""
        reply = self.run_job("cursor", position=check_time(at))
        _need(reply, {"position": float})
        return CursorResult(HOST, reply["position"])


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BridgeError(f"Cannot read REAPER's reply {path}: {exc}") from exc


def _check_reply(text: str, op: str, job_id: str, path: Path) -> dict[str, Any]:
    try:
        reply = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BridgeError(f"REAPER's reply {path} is not JSON ({exc}); reinstall "
                          "foley_studio_bridge.lua from bridge/reaper/.") from exc
    if not isinstance(reply, dict) or reply.get("id") != job_id or not isinstance(reply.get("ok"), bool):
        raise BridgeError(f"REAPER's reply {path} does not answer job {job_id}: {text[:200]!r}; "
                          "reinstall foley_studio_bridge.lua from bridge/reaper/.")
    if not reply["ok"]:
        raise BridgeError(f"REAPER could not {op}: {reply.get('error', 'no reason given')}.")
    return reply


def _need(reply: dict[str, Any], fields: dict[str, type]) -> None:
    for key, kind in fields.items():
        value = reply.get(key)
        ok = isinstance(value, (int, float)) if kind is float else isinstance(value, kind)
        if not ok or isinstance(value, bool):
            raise BridgeError(f"REAPER's reply has {key}={value!r}, expected a {kind.__name__}; "
                              "reinstall foley_studio_bridge.lua from bridge/reaper/.")
