"""Send takes where the mix happens: REAPER and Ableton Live over OSC, video editors by file.

``connect("reaper")`` / ``connect("ableton")`` (or a preset file or :class:`Target`) gives a
:class:`Bridge` with ``status()``, ``place()``, ``marker()`` and ``move_cursor()``;
:func:`export_timeline` writes accepted takes as .otio, FCP7 XML or CMX3600 EDL. This package
imports only the torch-free foundation of foley_studio, the stdlib, python-osc and
OpenTimelineIO (the latter on first export).
"""
from __future__ import annotations

from bridge.nle import PlacedTake, export_lanes, export_timeline
from bridge.results import CursorResult, HostStatus, MarkerResult, PlaceResult
from bridge.session import Bridge, connect
from bridge.targets import Target, load_target

__all__ = ["Bridge", "connect", "Target", "load_target", "HostStatus", "PlaceResult",
           "MarkerResult", "CursorResult", "PlacedTake", "export_timeline", "export_lanes"]
