"""Generation presets: named sampler settings (and a prompt) to start a request from.

Presets are data: JSON files (``{"schema_version": 1, "name": ..., "takes": ...,
"prompt": ..., "sampler": {"guidance": ..., ...}, "by_generator": {"im2wav": {...}}}``).
``by_generator`` overrides sampler values for one kind of generator, since the same knob
does not suit both (IM2WAV times impacts best at guidance 8, where Visual Echoes loses
accuracy). The ones that ship live in the
project's ``presets/generation/`` folder, sorted by file name; an app or a script adds its own
folders to :func:`list_presets`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from foley_studio.errors import ConfigError
from foley_studio.registry import LOADERS
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
    by_generator: dict[str, SamplerSettings] = field(default_factory=dict)  # kind → settings

    def sampler_for(self, kind: str | None) -> SamplerSettings:
        """The settings for a generator of ``kind`` (``"im2wav"``, ``"echoes"``; None: the base)."""
        return self.by_generator.get(kind, self.sampler) if kind else self.sampler


def load_preset(path: Path) -> GenerationPreset:
    """Read one preset file; raise :class:`ConfigError` naming the file when it is wrong."""
    try:
        data = json.loads(Path(path).read_text())
        if data.get("schema_version", 1) > SCHEMA_VERSION:
            raise ConfigError(f"schema version {data['schema_version']} is newer than this "
                              f"version of Foley Studio reads ({SCHEMA_VERSION})")
        sampler = SamplerSettings(**data.get("sampler", {}))
        return GenerationPreset(str(data["name"]), sampler, int(data.get("takes", 2)),
                                str(data.get("prompt", "")), _by_generator(sampler, data))
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError, ConfigError) as exc:
        raise ConfigError(f"The preset {path} is not valid ({exc}); fix or delete it.") from exc


def _by_generator(base: SamplerSettings, data: dict) -> dict[str, SamplerSettings]:
    """``by_generator``'s overrides, each merged over ``base``."""
    overrides = data.get("by_generator", {})
    unknown = sorted(set(overrides) - set(LOADERS))
    if unknown:
        raise ConfigError(f"by_generator names {', '.join(unknown)}; the generator kinds are "
                          f"{', '.join(LOADERS)}")
    return {kind: replace(base, **values) for kind, values in overrides.items()}


def list_presets(extra_dirs: Iterable[Path] = ()) -> list[GenerationPreset]:
    """The shipped presets, then those in ``extra_dirs`` (each folder sorted by file name)."""
    out: list[GenerationPreset] = []
    for folder in (PRESET_DIR, *extra_dirs):
        files = sorted(Path(folder).glob("*.json")) if Path(folder).is_dir() else []
        out += [load_preset(f) for f in files]
    return out
