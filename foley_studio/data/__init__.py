"""The procedural audio-visual world and the dataset loader models train on.

- :mod:`~foley_studio.data.world`: :func:`render_clip` draws one clip (frames, sound, the
  times of its visible events, a caption) from a seed, as arrays.
- :mod:`~foley_studio.data.render`: clips to H.264/AAC mp4 files and a VGGSound-style
  manifest (:func:`render_dataset`, used by ``foley-studio synth``).
- :mod:`~foley_studio.data.dataset`: :class:`AVDataset` reads such folders (and real
  VGGSound) as crops of synchronised picture and sound.

Names load on first use, so ``import foley_studio.data`` stays cheap.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AVDataset": "foley_studio.data.dataset",
    "CLASSES": "foley_studio.data.world",
    "EVENT_KINDS": "foley_studio.data.world",
    "Clip": "foley_studio.data.world",
    "Event": "foley_studio.data.world",
    "FPS": "foley_studio.data.world",
    "SAMPLE_RATE": "foley_studio.data.world",
    "render_clip": "foley_studio.data.world",
    "render_dataset": "foley_studio.data.render",
    "write_mp4": "foley_studio.data.render",
    "read_manifest": "foley_studio.data.manifest",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'foley_studio.data' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
