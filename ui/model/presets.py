"""The Generate panel's presets: those that ship with Foley Studio, then the user's own.

Users add presets as JSON files in ``<config>/presets/`` (the format of
:mod:`foley_studio.presets`).
"""
from __future__ import annotations

from pathlib import Path

from foley_studio import presets as _presets
from foley_studio.presets import GenerationPreset, load_preset
from ui.model.settings import config_dir

__all__ = ["GenerationPreset", "load_preset", "list_presets", "user_preset_dir", "builtin_presets"]


def user_preset_dir() -> Path:
    """Where user presets live."""
    return config_dir() / "presets"


def builtin_presets() -> list[GenerationPreset]:
    """The presets that ship with Foley Studio."""
    return _presets.list_presets()


def list_presets() -> list[GenerationPreset]:
    """Shipped presets, then the user's (sorted by file name)."""
    return _presets.list_presets([user_preset_dir()])
