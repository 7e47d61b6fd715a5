"""REAPER over OSC plus the companion ReaScript (foley_studio_bridge.lua) that places takes."""
from __future__ import annotations

from bridge.reaper.client import Reaper

__all__ = ["Reaper"]
