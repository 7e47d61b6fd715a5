"""Generation presets: named sampler settings (and a prompt) the Generate panel can apply.

Four presets ship with the app; users add their own as JSON files in ``<config>/presets/``
(``{"name": ..., "takes": ..., "prompt": ..., "sampler": {"guidance": ..., ...}}``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from foley_studio.errors import ConfigError
from foley_studio.requests import SamplerSettings
from ui.model.settings import config_dir


@dataclass(frozen=True)
class GenerationPreset:
    """A named starting point for the Generate panel."""

    name: str
    sampler: SamplerSettings = field(default_factory=SamplerSettings)
    takes: int = 2
    prompt: str = ""


BUILTIN = (
    GenerationPreset("Balanced"),
    GenerationPreset("Tight to picture", SamplerSettings(guidance=6.0, temperature=0.9)),
    GenerationPreset("Varied takes", SamplerSettings(guidance=2.0, temperature=1.2), takes=4),
    GenerationPreset("Quick draft", SamplerSettings(steps=8, guidance=3.0), takes=1),
)


def user_preset_dir() -> Path:
    """Where user presets live."""
    return config_dir() / "presets"


def load_preset(path: Path) -> GenerationPreset:
    """Read one preset file; raise :class:`ConfigError` naming the file when it is wrong."""
    try:
        data = json.loads(path.read_text())
        return GenerationPreset(str(data["name"]), SamplerSettings(**data.get("sampler", {})),
                                int(data.get("takes", 2)), str(data.get("prompt", "")))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, ConfigError) as exc:
        raise ConfigError(f"The preset {path} is not valid ({exc}); fix or delete it.") from exc


def list_presets() -> list[GenerationPreset]:
    """Built-in presets, then the user's (sorted by file name)."""
    folder = user_preset_dir()
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return [*BUILTIN, *(load_preset(f) for f in files)]
