"""A minimal observer: views subscribe to model signals without the model knowing Qt."""
from __future__ import annotations

import threading
from typing import Any, Callable


class Signal:
    """A list of callbacks called in order by :meth:`emit` (on the emitting thread)."""

    def __init__(self) -> None:
        self._slots: list[Callable[..., Any]] = []
        self._lock = threading.Lock()

    def connect(self, slot: Callable[..., Any]) -> None:
        """Call ``slot`` on every emit."""
        with self._lock:
            self._slots.append(slot)

    def disconnect(self, slot: Callable[..., Any]) -> None:
        """Stop calling ``slot``; unknown slots are ignored."""
        with self._lock:
            if slot in self._slots:
                self._slots.remove(slot)

    def emit(self, *args: Any) -> None:
        """Call every connected slot with ``args``."""
        with self._lock:
            slots = list(self._slots)
        for slot in slots:
            slot(*args)
