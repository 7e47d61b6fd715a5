"""An Echoes bundle folder: ``bundle.json`` plus one safetensors + JSON pair per component.

Components: ``transformer`` (:class:`EchoesTransformer`), ``audio_vqgan`` and ``image_vqgan``
(:class:`VQGAN`) and ``vocoder`` (:class:`MelGANGenerator`). ``bundle.json`` holds
``{"kind": "echoes", "name", "description", "image_size", "mel": {...}, "vocoder":
"melgan" | "griffin-lim"}``; ``"griffin-lim"`` is the explicit choice to run without vocoder
weights. Importers and trainers add components one at a time with :func:`save_component`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from foley_studio.atomic import write_text_atomic
from foley_studio.errors import CheckpointError
from foley_studio.models.echoes.melgan import MelGANConfig, MelGANGenerator
from foley_studio.models.echoes.transformer import EchoesConfig, EchoesTransformer
from foley_studio.models.echoes.vqgan import VQGAN, VQGANConfig
from foley_studio.models.weights import load_into, load_state, read_meta, save_module
from foley_studio.registry import BUNDLE_FILE

COMPONENTS = {
    "transformer": (EchoesTransformer, EchoesConfig, "echoes-transformer"),
    "audio_vqgan": (VQGAN, VQGANConfig, "echoes-spec-vqgan"),
    "image_vqgan": (VQGAN, VQGANConfig, "echoes-image-vqgan"),
    "vocoder": (MelGANGenerator, MelGANConfig, "echoes-melgan"),
}
"""Component name → (module class, config class, weight-file kind)."""


def kind_of(component: str) -> str:
    """The weight-file kind recorded for ``component``."""
    return COMPONENTS[component][2]


def build(component: str, config: dict) -> torch.nn.Module:
    """A freshly initialised ``component`` from its config dict."""
    cls, cfg_cls, _ = COMPONENTS[component]
    return cls(cfg_cls.from_dict(config))


def save_component(folder: Path, component: str, module: torch.nn.Module, **meta: Any) -> None:
    """Write ``component`` into the bundle ``folder`` and merge ``meta`` into ``bundle.json``."""
    save_module(module, module.config.to_dict(), Path(folder) / component, kind=kind_of(component))
    update_bundle(folder, **meta)


def load_component(folder: Path, component: str, map_location: str = "cpu") -> torch.nn.Module:
    """Rebuild ``component`` from the bundle ``folder`` (sha256 and shapes checked)."""
    path = Path(folder) / component
    meta = read_meta(path, kind=kind_of(component))
    module = build(component, meta["config"])
    load_into(module, load_state(path), source=str(path))
    return module.to(map_location).eval()


def has_component(folder: Path, component: str) -> bool:
    """Whether the bundle holds ``component``."""
    return (Path(folder) / f"{component}.json").is_file()


def read_bundle_json(folder: Path) -> dict:
    """``bundle.json`` of ``folder`` ({} when there is none yet)."""
    path = Path(folder) / BUNDLE_FILE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{path} is damaged ({exc}); delete it and import again.") from exc


def update_bundle(folder: Path, **fields: Any) -> dict:
    """Merge ``fields`` into ``bundle.json`` (created with kind ``echoes`` when absent)."""
    folder = Path(folder)
    meta = {"kind": "echoes", "name": folder.name, "description": "Visual Echoes",
            **read_bundle_json(folder), **fields}
    write_text_atomic(folder / BUNDLE_FILE, json.dumps(meta, indent=2, sort_keys=True))
    return meta
