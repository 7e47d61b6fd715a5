"""An Echoes bundle folder: ``bundle.json`` plus one safetensors + JSON pair per component.

Components: ``transformer`` (:class:`EchoesTransformer`), ``audio_vqgan`` and ``image_vqgan``
(:class:`VQGAN`) and ``vocoder`` (:class:`MelGANGenerator` or :class:`VocosVocoder`, told
apart by the weight file's kind). ``bundle.json`` holds ``{"kind": "echoes", "name",
"description", "image_size", "mel": {...}, "vocoder": "melgan" | "vocos" | "griffin-lim"}``;
``"griffin-lim"`` is the explicit choice to run without vocoder weights. Importers and trainers add components one at a time with :func:`save_component`.
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
from foley_studio.models.echoes.vocos import VocosConfig, VocosVocoder
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
VOCODERS = {"melgan": COMPONENTS["vocoder"], "vocos": (VocosVocoder, VocosConfig, "echoes-vocos")}
"""Vocoder architecture (``bundle.json``'s ``"vocoder"``) → (module class, config class, kind)."""


def kind_of(component: str, vocoder: str = "melgan") -> str:
    """The weight-file kind recorded for ``component`` (for the vocoder, of architecture ``vocoder``)."""
    return _spec(component, vocoder)[2]


def _spec(component: str, vocoder: str = "melgan") -> tuple:
    return VOCODERS[vocoder] if component == "vocoder" else COMPONENTS[component]


def _arch_of(module: torch.nn.Module) -> str:
    return next(name for name, (cls, _, _) in VOCODERS.items() if isinstance(module, cls))


def build(component: str, config: dict, vocoder: str = "melgan") -> torch.nn.Module:
    """A freshly initialised ``component`` (vocoder of architecture ``vocoder``) from its config."""
    cls, cfg_cls, _ = _spec(component, vocoder)
    return cls(cfg_cls.from_dict(config))


def save_component(folder: Path, component: str, module: torch.nn.Module, **meta: Any) -> None:
    """Write ``component`` into the bundle ``folder`` and merge ``meta`` into ``bundle.json``
    (for a vocoder, its architecture too)."""
    arch = _arch_of(module) if component == "vocoder" else "melgan"
    save_module(module, module.config.to_dict(), Path(folder) / component, kind=kind_of(component, arch))
    update_bundle(folder, **meta, **({"vocoder": arch} if component == "vocoder" else {}))


def load_component(folder: Path, component: str, map_location: str = "cpu",
                   vocoder: str = "melgan") -> torch.nn.Module:
    """Rebuild ``component`` (a vocoder of architecture ``vocoder``) from the bundle ``folder``
    (kind, sha256 and shapes checked)."""
    path = Path(folder) / component
    meta = read_meta(path, kind=kind_of(component, vocoder))
    module = build(component, meta["config"], vocoder)
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
