"""What the hosts answer: connection status, placed takes, markers and cursor moves."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from foley_studio.errors import BridgeError


@dataclass(frozen=True)
class HostStatus:
    """Whether the host answered, and what it said about itself; ``start``: the host project's
    start time in seconds of timecode, which its ruler adds to positions (REAPER; ``None``:
    the host has no such setting or did not say)."""

    host: str
    connected: bool
    version: str = ""
    detail: str = ""
    start: Optional[float] = None


@dataclass(frozen=True)
class PlaceResult:
    """A take as the host reports it after placing it (times in seconds on the host's timeline)."""

    host: str
    path: str
    track: str
    track_index: int
    position: Optional[float]
    length: float
    name: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MarkerResult:
    """A marker (or cue point) as the host reports it."""

    host: str
    position: float
    name: str
    index: int


@dataclass(frozen=True)
class CursorResult:
    """Where the host's edit cursor (or song position) ended up, in seconds."""

    host: str
    position: float


def take_file(path: os.PathLike | str) -> Path:
    """The absolute path of an existing take, or a :class:`BridgeError` naming it."""
    resolved = Path(path).expanduser().resolve()
    if not resolved.is_file():
        raise BridgeError(f"The take {resolved} does not exist (moved or deleted?); write it again "
                          "or choose a file that exists.")
    return resolved


MAX_TIME_S = 24 * 3600.0
"""Longest time a bridge accepts: a day (timecode and BWF's TimeReference count within one)."""


def check_time(seconds: float, what: str = "position") -> float:
    """``seconds`` as a float if it is a time from 0 to :data:`MAX_TIME_S`, else a :class:`BridgeError`."""
    try:
        value = float(seconds)
    except (TypeError, ValueError, OverflowError) as exc:
        raise BridgeError(f"The {what} {seconds!r} is not a number of seconds.") from exc
    if not 0 <= value <= MAX_TIME_S:
        raise BridgeError(f"The {what} {seconds!r} s must be a time from 0 s to {MAX_TIME_S:.0f} s "
                          "(24 h).")
    return value
