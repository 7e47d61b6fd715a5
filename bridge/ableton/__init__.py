"""Ableton Live over AbletonOSC (client) plus the AbletonOSC handler that adds audio import."""
from __future__ import annotations

from bridge.ableton.client import AbletonLive

__all__ = ["AbletonLive"]
