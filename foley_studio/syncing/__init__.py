"""Where sync tracks come from: the picture, the user's taps and the user's voice.

- :func:`detect_visual_hits` (:mod:`.visual`): frames where something visibly lands, stops
  or turns, from optical flow (numpy, OpenCV; the video is streamed at a small size);
- :func:`detect_learned_hits` (:mod:`.learned`, torch): the same motion features read by a
  small network trained on the procedural world's event frames
  (``foley-studio train sync-detector``, :mod:`.train_detector`);
- :func:`hits_from_taps`, :func:`hits_from_voice`, :func:`record_voice`,
  :func:`output_latency` (:mod:`.performed`): performed and voiced timing.

Every function returns a :class:`~foley_studio.sync.SyncTrack` in source seconds.
Submodules load on first use, so importing this package loads neither OpenCV nor torch.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {"detect_visual_hits": "visual", "VisualConfig": "visual",
            "detect_learned_hits": "learned",
            "hits_from_taps": "performed", "hits_from_voice": "performed",
            "record_voice": "performed", "output_latency": "performed"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
