"""Foley Studio: image- and video-conditioned Foley generation.

The package root is cheap to import: it loads neither torch nor Qt. The heavy parts
(models, sampling, training) are reached through their submodules or the lazy names
below, which import on first use.
"""
from __future__ import annotations

import importlib
from typing import Any

from foley_studio.version import __version__

_LAZY = {
    "GenerationRequest": "foley_studio.requests",
    "Take": "foley_studio.requests",
    "TimeRange": "foley_studio.timeline",
    "FoleyStudioError": "foley_studio.errors",
    "CancelToken": "foley_studio.progress",
    "generate": "foley_studio.api",
    "load_generator": "foley_studio.api",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'foley_studio' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)
