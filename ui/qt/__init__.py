"""The PyQt6 views: main window, timeline, panels and dialogs. Only this package imports Qt."""
from __future__ import annotations
