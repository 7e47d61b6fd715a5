"""The weights picker's list: bundled starter models, imported official weights, user folders.

Bundles come from :func:`foley_studio.registry.list_bundles` (starter models, the cache of
converted official weights, ``$FOLEY_STUDIO_MODELS``) plus folders the user added; a folder is
either a bundle itself or a folder of bundles. Generators already built in memory can be added
too (a script, a test, a notebook). Loading happens in a job, never on the GUI thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from foley_studio import registry
from foley_studio.errors import CheckpointError, ModelUnavailableError
from foley_studio.generation import Generator


@dataclass(frozen=True)
class CatalogEntry:
    """One choice in the weights picker; ``key`` is what settings and requests store."""

    key: str
    label: str
    origin: str  # "starter", "imported", "folder" or "memory"
    path: Optional[Path] = None
    kind: str = ""  # "im2wav", "echoes" (a bundle kind; "" when unknown)


class GeneratorCatalog:
    """Names every generator the user can pick and loads the chosen one."""

    def __init__(self, folders: Optional[list[str]] = None) -> None:
        self.folders = [Path(f) for f in folders or []]
        self._memory: dict[str, Generator] = {}
        self._follows: dict[str, bool] = {}  # key → whether the loaded generator follows sync

    def add_generator(self, key: str, generator: Generator) -> None:
        """Offer an already-built generator under ``key``."""
        self._memory[key] = generator

    def add_folder(self, folder: str | Path) -> list[CatalogEntry]:
        """Offer the bundles in ``folder``; raise :class:`CheckpointError` when it holds none."""
        found = _bundles_in(Path(folder))
        if not found:
            raise CheckpointError(f"{folder} holds no model bundle (no bundle.json in it or in "
                                  "its sub-folders); choose the folder a bundle was exported to.")
        if Path(folder) not in self.folders:
            self.folders.append(Path(folder))
        return [self._entry(info, "folder") for info in found]

    def entries(self) -> list[CatalogEntry]:
        """Every choice, in memory first, then user folders, then registry bundles."""
        out = [CatalogEntry(k, f"{k} (in memory)", "memory", kind=_kind_of(g))
               for k, g in self._memory.items()]
        for folder in self.folders:
            out += [self._entry(info, "folder") for info in _bundles_in(folder)]
        out += [self._entry(info, _origin(info)) for info in registry.list_bundles()]
        seen: set[str] = set()
        return [e for e in out if not (e.key in seen or seen.add(e.key))]

    def kind_of(self, key: Optional[str]) -> str:
        """The bundle kind of the entry ``key`` ("" when unknown)."""
        return next((e.kind for e in self.entries() if e.key == key), "")

    def follows_sync(self, key: Optional[str]) -> Optional[bool]:
        """Whether the generator ``key`` follows a sync track (bundles without a timing
        condition ignore it); ``None`` while a bundle has not been loaded yet."""
        if key in self._memory:
            return bool(getattr(self._memory[key], "follows_sync", False))
        return self._follows.get(key)

    def load(self, key: str) -> Generator:
        """The generator for ``key`` (call from a job: loading weights can take seconds)."""
        if key in self._memory:
            return self._memory[key]
        entry = next((e for e in self.entries() if e.key == key), None)
        if entry is None:
            raise ModelUnavailableError(f"No generator {key!r} is available; pick one in the "
                                        "Generate panel or add a folder of weights.")
        from foley_studio import api  # torch loads here, on the worker thread

        generator = api.load_generator(str(entry.path))
        self._follows[key] = bool(getattr(generator, "follows_sync", False))
        return generator

    @staticmethod
    def _entry(info: registry.BundleInfo, origin: str) -> CatalogEntry:
        label = f"{info.name} ({origin})"
        return CatalogEntry(str(info.path), label, origin, info.path, info.kind)


def _kind_of(generator: Generator) -> str:
    """The bundle kind whose loader class ``generator`` is an instance of ("" if none)."""
    name = type(generator).__name__
    return next((kind for kind, target in registry.LOADERS.items() if target.endswith(f":{name}")), "")


def _bundles_in(folder: Path) -> list[registry.BundleInfo]:
    if (folder / registry.BUNDLE_FILE).is_file():
        return [registry.read_bundle(folder)]
    return [registry.read_bundle(m.parent) for m in sorted(folder.glob(f"*/{registry.BUNDLE_FILE}"))]


def _origin(info: registry.BundleInfo) -> str:
    if info.path.resolve().is_relative_to(registry.STARTER_DIR.resolve()):
        return "starter"
    return "imported"
