"""The user's preferences: a typed dataclass stored as versioned JSON, values never widget indices.

The file is ``settings.json`` in ``$FOLEY_STUDIO_CONFIG`` when set, else the platform's config
folder (``$XDG_CONFIG_HOME/foley_studio``, ``~/Library/Application Support/foley_studio``,
``%APPDATA%\\foley_studio``). Unknown keys are dropped, older files migrated, newer refused.
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from foley_studio.atomic import write_text_atomic
from foley_studio.errors import ConfigError

SCHEMA_VERSION = 2
MAX_RECENT = 10
DELIVERY = "Delivery"
"""The Preferences section that Export and Send follow (rate, depth, loudness, UCS)."""


@dataclass
class AppSettings:
    """Preferences shown in the Preferences dialog (``metadata['label']``) and stored on disk."""

    schema_version: int = SCHEMA_VERSION
    generator: str = field(default="", metadata={"label": "Default generator"})
    takes: int = field(default=2, metadata={"label": "Takes per generation", "min": 1, "max": 16})
    guidance: float = field(default=3.0, metadata={"label": "Guidance", "min": 0.0, "max": 20.0})
    still_seconds: float = field(default=2.0, metadata={
        "label": "Sound length for a single frame (s)", "min": 0.25, "max": 30.0})
    crossfade_ms: float = field(default=20.0, metadata={
        "label": "Inpaint crossfade (ms)", "min": 0.0, "max": 500.0})
    inpaint_context: float = field(default=1.0, metadata={
        "label": "Inpaint context each side (s)", "min": 0.0, "max": 10.0})
    storyboard_window: float = field(default=1.0, metadata={
        "label": "Storyboard window (s)", "min": 0.1, "max": 10.0})
    autosave_seconds: int = field(default=60, metadata={
        "label": "Autosave every (s)", "min": 5, "max": 3600})
    audio_device: str = field(default="", metadata={"label": "Audio output device (blank: default)"})
    export_bwf: bool = field(default=True, metadata={"label": "Export Broadcast WAV metadata"})
    send_target: str = field(default="reaper", metadata={"label": "Send target"})
    send_host: str = field(default="127.0.0.1", metadata={"label": "DAW host"})
    send_port: int = field(default=8000, metadata={"label": "DAW OSC port", "min": 1, "max": 65535})
    delivery_rate: int = field(default=48000, metadata={
        "label": "Sample rate (Hz)", "section": DELIVERY, "choices": (44100, 48000, 96000)})
    delivery_depth: str = field(default="24", metadata={
        "label": "Bit depth", "section": DELIVERY, "choices": ("24", "32f")})
    delivery_channels: int = field(default=1, metadata={
        "label": "Channels (1 mono, 2 stereo)", "section": DELIVERY, "choices": (1, 2)})
    delivery_normalise: bool = field(default=False, metadata={
        "label": "Normalise loudness", "section": DELIVERY})
    delivery_loudness: float = field(default=-23.0, metadata={
        "label": "Loudness target (LUFS)", "section": DELIVERY, "min": -70.0, "max": -5.0})
    delivery_true_peak: float = field(default=-1.0, metadata={
        "label": "True-peak ceiling (dBTP)", "section": DELIVERY, "min": -9.0, "max": 0.0})
    delivery_limit: bool = field(default=False, metadata={
        "label": "Limit peaks to reach the target", "section": DELIVERY})
    ucs_category: str = field(default="FOLYMisc", metadata={
        "label": "UCS category (CatID)", "section": DELIVERY, "choices": "ucs"})
    ucs_creator: str = field(default="", metadata={
        "label": "UCS CreatorID (your initials)", "section": DELIVERY})
    ucs_source: str = field(default="", metadata={
        "label": "UCS SourceID (blank: the project's name)", "section": DELIVERY})
    ucs_list: str = field(default="", metadata={
        "label": "Full UCS list, JSON (blank: the shipped Foley table)", "section": DELIVERY})
    model_folders: list[str] = field(default_factory=list)
    recent_files: list[str] = field(default_factory=list)

    def add_recent(self, path: str) -> None:
        """Put ``path`` first in the recent files, keeping at most :data:`MAX_RECENT`."""
        path = str(Path(path).resolve())
        self.recent_files = [path, *[p for p in self.recent_files if p != path]][:MAX_RECENT]

    def editable_fields(self, section: Optional[str] = None) -> list[dataclasses.Field]:
        """Fields the Preferences dialog shows (those with a label), all or one ``section``'s
        (``"General"`` for those without one)."""
        return [f for f in dataclasses.fields(self) if "label" in f.metadata
                and section in (None, f.metadata.get("section", "General"))]


def config_dir() -> Path:
    """The folder for settings and autosaves."""
    env = os.environ.get("FOLEY_STUDIO_CONFIG")
    if env:
        return Path(env)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "foley_studio"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "foley_studio"
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "foley_studio"


def settings_path() -> Path:
    """Where :func:`load_settings` reads and :func:`save_settings` writes."""
    return config_dir() / "settings.json"


def load_settings() -> AppSettings:
    """The stored preferences, or defaults when none are stored yet."""
    path = settings_path()
    if not path.is_file():
        return AppSettings()
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The preferences file {path} is damaged ({exc}); delete it to start "
                          "from the defaults.") from exc
    return from_dict(migrate(data, path), path)


def save_settings(settings: AppSettings) -> None:
    """Store ``settings`` atomically."""
    write_text_atomic(settings_path(), json.dumps(dataclasses.asdict(settings), indent=2))


def migrate(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Bring stored preferences to :data:`SCHEMA_VERSION`; refuse a newer file."""
    version = data.get("schema_version", 1)
    if version > SCHEMA_VERSION:
        raise ConfigError(f"{path} was written by a newer Foley Studio (version {version}); "
                          "update Foley Studio or delete the file.")
    if version == 1:  # version 1 stored the output device as an index into the device list
        data.pop("audio_device_index", None)
        data["schema_version"] = 2
    return data


def from_dict(data: dict[str, Any], path: Path) -> AppSettings:
    """Settings from a current-schema dict; unknown keys are dropped, wrong types refused."""
    known = {f.name: f for f in dataclasses.fields(AppSettings)}
    values = {k: v for k, v in data.items() if k in known}
    defaults = AppSettings()
    for name, value in values.items():
        expected = type(getattr(defaults, name))
        if not isinstance(value, expected) and not (expected is float and isinstance(value, int)):
            raise ConfigError(f"{path}: {name} should be a {expected.__name__}, not {value!r}; "
                              "fix it or delete the file.")
    return AppSettings(**values)
