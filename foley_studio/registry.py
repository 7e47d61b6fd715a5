"""Where weight bundles live and which code loads each kind (no torch here).

A bundle is a folder holding ``bundle.json`` (``{"kind": ..., "name": ..., ...}``) and the
safetensors files it names. Bundles are searched, in order, in the folders of
``$FOLEY_STUDIO_MODELS`` (``os.pathsep``-separated), the cache folder
(``$FOLEY_STUDIO_CACHE_DIR``, default ``~/.cache/foley_studio``) and the starter models that
ship with the package. A request may also name a bundle folder directly.
"""
from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from foley_studio.errors import CheckpointError, ModelUnavailableError

BUNDLE_FILE = "bundle.json"
STARTER_DIR = Path(__file__).resolve().parent / "starter"

LOADERS = {
    "im2wav": "foley_studio.models.im2wav.generator:Im2WavGenerator",
    "echoes": "foley_studio.models.echoes.generator:EchoesGenerator",
}
"""Bundle kind → ``module:Class`` whose ``from_bundle(path)`` returns a Generator."""


@dataclass(frozen=True)
class BundleInfo:
    """A bundle found on disk."""

    name: str
    kind: str
    path: Path
    description: str = ""


def cache_dir() -> Path:
    """The folder for downloaded and converted weights."""
    env = os.environ.get("FOLEY_STUDIO_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "foley_studio"


def search_dirs() -> list[Path]:
    """Folders searched for bundles, highest priority first."""
    user = [Path(p) for p in os.environ.get("FOLEY_STUDIO_MODELS", "").split(os.pathsep) if p]
    return [*user, cache_dir() / "models", STARTER_DIR]


def read_bundle(path: Path) -> BundleInfo:
    """Read ``bundle.json`` in ``path``; raise :class:`CheckpointError` if it is unusable."""
    meta_file = Path(path) / BUNDLE_FILE
    try:
        meta = json.loads(meta_file.read_text())
        return BundleInfo(meta["name"], meta["kind"], Path(path), meta.get("description", ""))
    except FileNotFoundError as exc:
        raise CheckpointError(f"{path} is not a model bundle: it has no {BUNDLE_FILE}.") from exc
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{meta_file} is damaged ({exc}); re-export or re-import the "
                              "weights.") from exc


def list_bundles() -> list[BundleInfo]:
    """Every bundle in the search folders (the first of each name wins)."""
    found: dict[str, BundleInfo] = {}
    for root in search_dirs():
        for meta in sorted(root.glob(f"*/{BUNDLE_FILE}")) if root.is_dir() else []:
            info = read_bundle(meta.parent)
            found.setdefault(info.name, info)
    return list(found.values())


def resolve(name_or_path: str) -> BundleInfo:
    """The bundle a user named, by folder path or by name."""
    if Path(name_or_path).is_dir():
        return read_bundle(Path(name_or_path))
    for info in list_bundles():
        if info.name == name_or_path:
            return info
    names = ", ".join(b.name for b in list_bundles()) or "none"
    raise ModelUnavailableError(
        f"No model bundle named {name_or_path!r} on this machine (available: {names}). "
        "Import official weights with 'foley-studio weights import', or add a folder of "
        "bundles to FOLEY_STUDIO_MODELS.")


def loader_for(kind: str):
    """The generator class that loads bundles of ``kind``."""
    if kind not in LOADERS:
        raise CheckpointError(f"Unknown bundle kind {kind!r}; this version loads "
                              f"{', '.join(LOADERS)}.")
    module, cls = LOADERS[kind].split(":")
    return getattr(importlib.import_module(module), cls)
