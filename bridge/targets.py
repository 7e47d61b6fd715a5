"""Where takes go: host, ports, track, spool folder and timeouts, loaded from JSON presets.

A preset is a JSON object; ``kind`` says which host it drives. Unknown keys, wrong types and
out-of-range values are refused with a :class:`~foley_studio.errors.ConfigError` that names the
file and the key. The shipped presets live in ``presets/targets/`` (``reaper.json``,
``ableton.json``); :func:`load_target` takes one of those names or a path.
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from foley_studio.errors import ConfigError

PRESET_DIR = Path(__file__).resolve().parents[1] / "presets" / "targets"
KINDS = ("reaper", "ableton")
VIEWS = ("arrangement", "session")
TrackRef = Union[str, int, None]


@dataclass(frozen=True)
class Target:
    """One DAW to send takes to.

    ``port`` is where the host listens for OSC; ``reply_port`` where its answers arrive
    (AbletonOSC: 11001; REAPER answers through the spool, 0 = any free port), heard on
    ``bind_host``: 127.0.0.1 keeps the bridge private to this computer; a host on another
    computer needs 0.0.0.0 or this computer's address. ``track`` is a
    track name or a 0-based index (REAPER: not counting the master). ``spool`` is the folder
    shared with the REAPER companion script (None: ``FoleyStudio/spool`` in REAPER's resource
    folder). ``action`` is the command ID the script is registered under.
    """

    kind: str
    host: str = "127.0.0.1"
    port: int = 11000
    reply_port: int = 11001
    bind_host: str = "127.0.0.1"
    track: TrackRef = None
    create_track: bool = True
    view: str = "arrangement"
    spool: Optional[str] = None
    action: str = "_FOLEY_STUDIO_BRIDGE"
    timeout: float = 2.0
    retries: int = 1
    reply_timeout: float = 10.0
    name: str = ""

    def __post_init__(self) -> None:
        _check(self.kind in KINDS, "kind", self.kind, f"one of {', '.join(KINDS)}")
        _check(self.view in VIEWS, "view", self.view, f"one of {', '.join(VIEWS)}")
        for key in ("port", "reply_port"):
            low = 1 if key == "port" else 0
            _check(low <= getattr(self, key) <= 65535, key, getattr(self, key), f"a UDP port {low}–65535")
        for key in ("timeout", "reply_timeout"):
            _check(0 < getattr(self, key) <= 600, key, getattr(self, key), "seconds in (0, 600]")
        _check(0 <= self.retries <= 10, "retries", self.retries, "0–10")
        _check(bool(self.host), "host", self.host, "a host name or IP address")
        _check(self.action.startswith("_") or self.action.isdigit(), "action", self.action,
               "a command ID such as _FOLEY_STUDIO_BRIDGE or _RS… (from REAPER's Action list)")
        _check(not isinstance(self.track, int) or self.track >= 0, "track", self.track,
               "a track name or an index ≥ 0")

    def spool_dir(self) -> Path:
        """The spool folder (``~`` expanded), defaulting to REAPER's resource folder."""
        if self.spool:
            return Path(os.path.expanduser(self.spool))
        return reaper_resource_dir() / "FoleyStudio" / "spool"

    def with_changes(self, **changes: Any) -> "Target":
        """A copy with some fields replaced (validated again)."""
        return dataclasses.replace(self, **changes)


def reaper_resource_dir() -> Path:
    """REAPER's per-user resource folder on this operating system."""
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "REAPER"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "REAPER"
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "REAPER"


def load_target(preset: Union[str, os.PathLike], **overrides: Any) -> Target:
    """Load a target from a shipped preset name (``"reaper"``, ``"ableton"``) or a JSON file."""
    path = Path(preset)
    if not path.suffix and not path.exists():
        path = PRESET_DIR / f"{preset}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"Target preset {path} does not exist; use reaper, ableton or a JSON "
                          f"file like those in {PRESET_DIR}.") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"Target preset {path} is not valid JSON ({exc}); fix or replace it.") from exc
    return target_from_dict(data, source=str(path), **overrides)


def target_from_dict(data: Any, *, source: str = "the target", **overrides: Any) -> Target:
    """Build a :class:`Target` from a JSON object, checking keys and types."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source} must hold a JSON object with a \"kind\" key.")
    data = {**data, **{k: v for k, v in overrides.items() if v is not None}}
    fields = {f.name: f for f in dataclasses.fields(Target)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(fields)}.")
    if "kind" not in data:
        raise ConfigError(f"{source} has no \"kind\"; add \"kind\": \"reaper\" or \"ableton\".")
    for key, value in data.items():
        _check_type(source, key, value)
    try:
        return Target(**data)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from exc


_TYPES = {"port": int, "reply_port": int, "retries": int, "timeout": (int, float),
          "reply_timeout": (int, float), "create_track": bool, "track": (str, int, type(None)),
          "spool": (str, type(None))}


def _check_type(source: str, key: str, value: Any) -> None:
    want = _TYPES.get(key, str)
    bad_bool = isinstance(value, bool) and want is not bool
    if bad_bool or not isinstance(value, want):
        names = want.__name__ if isinstance(want, type) else " or ".join(t.__name__ for t in want)
        raise ConfigError(f"{source}: \"{key}\" is {value!r}; it must be {names.replace('NoneType', 'null')}.")


def _check(ok: bool, key: str, value: Any, want: str) -> None:
    if not ok:
        raise ConfigError(f"\"{key}\" is {value!r}; it must be {want}.")
