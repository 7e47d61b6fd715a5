"""Own weight format: safetensors tensors plus a JSON config that rebuilds the module.

``save_module(module, config, path)`` writes ``path.safetensors`` and ``path.json``; the JSON
holds the constructor arguments, the sha256 of the tensor file, the code version and a format
version. ``load_module(cls, path)`` checks all of that and names any tensor that does not fit.
No pickle anywhere.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Type, TypeVar

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from foley_studio.atomic import atomic_path, write_text_atomic
from foley_studio.downloads import sha256_file as sha256_of
from foley_studio.errors import CheckpointError
from foley_studio.version import __version__

FORMAT_VERSION = 1
M = TypeVar("M", bound=torch.nn.Module)


TORCH_MAGIC = (b"PK\x03\x04", b"\x80\x02\x8a")
"""How files written by ``torch.save`` start: a zip archive, or the legacy pickle format."""


def require_torch_file(path: Path, what: str = "a PyTorch checkpoint") -> None:
    """Raise :class:`CheckpointError` unless ``path`` starts like a ``torch.save`` file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise CheckpointError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if not any(head.startswith(magic) for magic in TORCH_MAGIC):
        raise CheckpointError(f"{path} is not {what} (it is not a file written by torch.save); "
                              "check that you gave the downloaded weight file.")


def save_state(state: Mapping[str, torch.Tensor], config: Mapping[str, Any], path: Path,
               *, kind: str, extra: Mapping[str, Any] | None = None) -> None:
    """Write ``state`` to ``path.safetensors`` and its description to ``path.json``, atomically."""
    path = Path(path)
    tensors = {k: v.detach().contiguous().cpu() for k, v in _untie(state).items()}
    with atomic_path(path.with_suffix(".safetensors")) as tmp:
        save_file(tensors, str(tmp))
        digest = sha256_of(tmp)
    meta = {"format_version": FORMAT_VERSION, "kind": kind, "config": dict(config),
            "sha256": digest, "code_version": __version__, **(extra or {})}
    write_text_atomic(path.with_suffix(".json"), json.dumps(meta, indent=2, sort_keys=True))


def save_module(module: torch.nn.Module, config: Mapping[str, Any], path: Path, *,
                kind: str, extra: Mapping[str, Any] | None = None) -> None:
    """Save a module's state dict with the constructor ``config`` that rebuilds it."""
    save_state(module.state_dict(), config, path, kind=kind, extra=extra)


def read_meta(path: Path, *, kind: str | None = None) -> dict:
    """Read and check ``path.json``; verify the tensor file's sha256."""
    path = Path(path)
    meta_path, tensor_path = path.with_suffix(".json"), path.with_suffix(".safetensors")
    if not meta_path.is_file() or not tensor_path.is_file():
        raise CheckpointError(f"Weights {path} are incomplete: need both {meta_path.name} and "
                              f"{tensor_path.name}.")
    meta = json.loads(meta_path.read_text())
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise CheckpointError(f"{meta_path} was written by a newer Foley Studio "
                              f"({meta.get('code_version')}); update to load it.")
    if kind is not None and meta.get("kind") != kind:
        raise CheckpointError(f"{meta_path} holds a {meta.get('kind')!r} model, not {kind!r}; "
                              "pick the matching file.")
    if sha256_of(tensor_path) != meta.get("sha256"):
        raise CheckpointError(f"{tensor_path} does not match its recorded sha256: the file is "
                              "corrupt or was replaced. Re-export or re-import it.")
    return meta


def load_state(path: Path) -> dict[str, torch.Tensor]:
    """Read a safetensors file into CPU tensors."""
    try:
        return load_file(str(Path(path).with_suffix(".safetensors")))
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"Cannot read {path}: {exc}.") from exc


def load_module(cls: Type[M], path: Path, *, kind: str, map_location: str = "cpu") -> M:
    """Rebuild ``cls(**config)`` from ``path.json`` and load ``path.safetensors`` into it."""
    meta = read_meta(path, kind=kind)
    module = cls(**meta["config"])
    load_into(module, load_state(path), source=str(path))
    return module.to(map_location)


def load_into(module: torch.nn.Module, state: Mapping[str, torch.Tensor], *, source: str) -> None:
    """Strictly load ``state`` into ``module``, naming missing, unexpected or misshapen tensors."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise CheckpointError(f"{source} does not fit this architecture: missing "
                              f"{_few(missing)}; unexpected {_few(unexpected)}.")
    for key, value in state.items():
        if tuple(value.shape) != tuple(expected[key].shape):
            raise CheckpointError(f"{source}: tensor {key} has shape {tuple(value.shape)}, the "
                                  f"model expects {tuple(expected[key].shape)}.")
    module.load_state_dict(dict(state), strict=True)


def _few(keys: list[str]) -> str:
    return "none" if not keys else ", ".join(keys[:5]) + (f" (+{len(keys) - 5} more)" if len(keys) > 5 else "")


def _untie(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """safetensors refuses shared storage: clone tensors that alias an earlier one."""
    seen: dict[tuple, str] = {}
    out = {}
    for key, value in state.items():
        ident = (value.untyped_storage().data_ptr(), value.storage_offset(), tuple(value.shape))
        out[key] = value.clone() if ident in seen else value
        seen.setdefault(ident, key)
    return out
