"""Generation presets: named sampler settings (and a prompt) to start a request from.

Presets are data: JSON files (``{"schema_version": 1, "name": ..., "takes": ...,
"prompt": ..., "sampler": {"guidance": ..., ...}}``). The ones that ship live in the
project's ``presets/generation/`` folder, sorted by file name; an app or a script adds its own
folders to :func:`list_presets`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from foley_studio.errors import ConfigError
from foley_studio.requests import SamplerSettings

SCHEMA_VERSION = 1
PRESET_DIR = Path(__file__).resolve().parents[1] / "presets" / "generation"


@dataclass(frozen=True)
class GenerationPreset:
    """A named starting point for a generation request."""

    name: str
    sampler: SamplerSettings = field(default_factory=SamplerSettings)
    takes: int = 2
    prompt: str = ""


def load_preset(path: Path) -> GenerationPreset:
    """Read one preset file; raise :class:`ConfigError` naming the file when it is wrong."""
    try:
        data = json.loads(Path(path).read_text())
        if data.get("schema_version", 1) > SCHEMA_VERSION:
            raise ConfigError(f"schema version {data['schema_version']} is newer than this "
                              f"version of Foley Studio reads ({SCHEMA_VERSION})")
        return GenerationPreset(str(data["name"]), SamplerSettings(**data.get("sampler", {})),
                                int(data.get("takes", 2)), str(data.get("prompt", "")))
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError, ConfigError) as exc:
        raise ConfigError(f"The preset {path} is not valid ({exc}); fix or delete it.") from exc


def list_presets(extra_dirs: Iterable[Path] = ()) -> list[GenerationPreset]:
    """The shipped presets, then those in ``extra_dirs`` (each folder sorted by file name)."""
    out: list[GenerationPreset] = []
    for folder in (PRESET_DIR, *extra_dirs):
        files = sorted(Path(folder).glob("*.json")) if Path(folder).is_dir() else []
        out += [load_preset(f) for f in files]
    return out
