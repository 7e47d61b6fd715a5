"""The small façade the app and the CLI use: ``connect(target)`` → :class:`Bridge`.

A :class:`Bridge` wraps one host connection (REAPER or Ableton Live). Its calls are
serialised by a lock, so a worker thread and the GUI thread may share it, and each returns
within the target's timeouts or raises :class:`~foley_studio.errors.BridgeError`.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Optional, Union

from foley_studio.errors import BridgeError

from bridge.results import CursorResult, HostStatus, MarkerResult, PlaceResult
from bridge.targets import Target, TrackRef, load_target


def _host_class(kind: str):
    if kind == "reaper":
        from bridge.reaper.client import Reaper

        return Reaper
    from bridge.ableton.client import AbletonLive

    return AbletonLive


class Bridge:
    """One open connection to a DAW: status, place, marker, move_cursor; close when done."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._host = _host_class(target.kind)(target)

    def status(self) -> HostStatus:
        """Whether the host answers, and its version (never raises for an absent host)."""
        with self._lock:
            return self._open().status()

    def place(self, take_path: Union[str, os.PathLike], at: float, track: TrackRef = None,
              name: str = "", metadata: Optional[dict[str, Any]] = None) -> PlaceResult:
        """Put the WAV at ``at`` seconds on ``track`` (name or 0-based index; preset default).

        ``metadata`` (model, seed, prompt…) is stored with the take in REAPER; Live keeps none.
        """
        with self._lock:
            host = self._open()
            if self.target.kind == "reaper":
                return host.place(take_path, at, track, name, metadata)
            return host.place(take_path, at, track, name)

    def marker(self, at: float, name: str) -> MarkerResult:
        """Drop a named marker (REAPER) or locator (Live) at ``at`` seconds."""
        with self._lock:
            return self._open().marker(at, name)

    def move_cursor(self, at: float) -> CursorResult:
        """Move the edit cursor (REAPER) or song position (Live) to ``at`` seconds."""
        with self._lock:
            return self._open().move_cursor(at)

    def close(self) -> None:
        """Release the sockets and stop the reply listener."""
        self._host.close()

    def __enter__(self) -> "Bridge":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self):
        if self._host.link.closed:
            raise BridgeError(f"The connection to {self.target.kind} is closed; connect again.")
        return self._host


def connect(target: Union[Target, str, os.PathLike], **overrides: Any) -> Bridge:
    """Open a :class:`Bridge` to a :class:`Target`, a shipped preset name or a preset file."""
    if not isinstance(target, Target):
        target = load_target(target, **overrides)
    elif overrides:
        target = target.with_changes(**{k: v for k, v in overrides.items() if v is not None})
    return Bridge(target)
