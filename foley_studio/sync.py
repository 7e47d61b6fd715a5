"""Sync tracks: where the hits of a region fall, and how loud it is over time (no torch).

A :class:`SyncTrack` is the timing a take must follow: a list of :class:`Hit` times in source
seconds (each with a strength in ``[0, 1]``) and an optional :class:`Envelope`, the intensity
over time as frame-level RMS in dB. It is plain, immutable data: the project file, the take's
provenance (iXML), the CLI's ``--sync hits.json`` and the generators' timing condition all read
and write the same JSON form (:meth:`SyncTrack.to_json`).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Optional

from foley_studio.errors import ConfigError

SOURCES = ("drawn", "detected", "performed", "voiced", "ground-truth")
"""Where a track's hits came from: drawn on the lane, detected from the picture, tapped while
the region played, taken from a vocal imitation, or a dataset's known event times."""

SILENCE_DB = -80.0
"""The floor of an envelope: quieter frames are stored as this value."""

FORMAT_VERSION = 1


def _finite(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ConfigError(f"{what} must be a finite number (got {value}).")
    return value


@dataclass(frozen=True)
class Hit:
    """One sync point: ``time`` in source seconds, ``strength`` in ``[0, 1]`` (1 = loudest)."""

    time: float
    strength: float = 1.0

    def __post_init__(self) -> None:
        if _finite(self.time, "A hit's time") < 0:
            raise ConfigError(f"A hit at {self.time:.3f} s lies before the clip; use 0 s or later.")
        if not 0.0 <= _finite(self.strength, "A hit's strength") <= 1.0:
            raise ConfigError(f"A hit's strength must lie in [0, 1] (got {self.strength}).")


@dataclass(frozen=True)
class Envelope:
    """Intensity over time: ``db[i]`` is the RMS level in dB of the frame at ``start + i / rate``."""

    start: float
    rate: float
    db: tuple[float, ...]

    def __post_init__(self) -> None:
        if _finite(self.start, "An envelope's start") < 0:
            raise ConfigError(f"An envelope starts at {self.start:.3f} s, before the clip.")
        if not 0 < _finite(self.rate, "An envelope's rate") <= 1000:
            raise ConfigError(f"An envelope's rate must lie in (0, 1000] frames/s (got {self.rate}).")
        clean = tuple(max(SILENCE_DB, min(0.0, _finite(v, "An envelope level"))) for v in self.db)
        object.__setattr__(self, "db", clean)

    @property
    def end(self) -> float:
        """Source time just after the last frame."""
        return self.start + len(self.db) / self.rate

    def at(self, times: Iterable[float]) -> list[float]:
        """Levels in dB at source ``times`` (nearest frame; silence outside the envelope)."""
        out = []
        for t in times:
            i = int(math.floor((t - self.start) * self.rate + 1e-9))
            out.append(self.db[i] if 0 <= i < len(self.db) else SILENCE_DB)
        return out

    def shifted(self, seconds: float) -> "Envelope":
        """The same envelope moved by ``seconds``; frames moved before 0 s are dropped."""
        start = self.start + seconds
        drop = max(0, int(math.ceil(-start * self.rate - 1e-9)))
        return Envelope(max(0.0, start + drop / self.rate), self.rate, self.db[drop:])


@dataclass(frozen=True)
class SyncTrack:
    """Hits (sorted by time, no two on the same instant) and an optional intensity envelope."""

    hits: tuple[Hit, ...] = ()
    envelope: Optional[Envelope] = None
    source: str = "drawn"
    notes: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ConfigError(f"Unknown sync source {self.source!r}; use one of {', '.join(SOURCES)}.")
        hits = tuple(sorted(self.hits, key=lambda h: h.time))
        for a, b in zip(hits, hits[1:]):
            if b.time - a.time < 1e-6:
                raise ConfigError(f"Two hits share the time {a.time:.6f} s; remove one.")
        object.__setattr__(self, "hits", hits)

    @classmethod
    def from_times(cls, times: Iterable[float], source: str = "drawn", **kwargs) -> "SyncTrack":
        """A track of full-strength hits at ``times`` (duplicates within 1 µs are merged)."""
        unique: list[float] = []
        for t in sorted(float(t) for t in times):
            if not unique or t - unique[-1] >= 1e-6:
                unique.append(t)
        return cls(tuple(Hit(t) for t in unique), source=source, **kwargs)

    @property
    def times(self) -> list[float]:
        """Hit times in source seconds, ascending."""
        return [h.time for h in self.hits]

    def within(self, start: float, end: float) -> "SyncTrack":
        """The hits in ``[start, end)`` (the envelope is kept whole)."""
        return replace(self, hits=tuple(h for h in self.hits if start <= h.time < end))

    def relative(self, start: float, end: float) -> list[tuple[float, float]]:
        """``(seconds after start, strength)`` of the hits in ``[start, end)``: a model's view."""
        return [(h.time - start, h.strength) for h in self.within(start, end).hits]

    def shifted(self, seconds: float) -> "SyncTrack":
        """Every hit and the envelope moved by ``seconds``; hits moved before 0 s are dropped."""
        hits = tuple(Hit(h.time + seconds, h.strength) for h in self.hits if h.time + seconds >= 0)
        env = self.envelope.shifted(seconds) if self.envelope else None
        return replace(self, hits=hits, envelope=env)

    def snapped(self, fps: float) -> "SyncTrack":
        """Hits moved to the start of the nearest frame at ``fps`` (merging any that meet)."""
        if not 0 < _finite(fps, "The frame rate") <= 1000:
            raise ConfigError(f"The frame rate must lie in (0, 1000] (got {fps}).")
        by_frame: dict[int, Hit] = {}
        for h in self.hits:
            n = int(round(h.time * fps))
            if n not in by_frame or h.strength > by_frame[n].strength:
                by_frame[n] = Hit(n / fps, h.strength)
        return replace(self, hits=tuple(by_frame.values()))

    def to_json(self) -> dict:
        """A JSON-safe dict (the form of ``hits.json``, the project file and iXML provenance)."""
        out: dict = {"version": FORMAT_VERSION, "source": self.source,
                     "hits": [{"time": h.time, "strength": h.strength} for h in self.hits]}
        if self.envelope is not None:
            env = self.envelope
            out["envelope"] = {"start": env.start, "rate": env.rate, "db": list(env.db)}
        if self.notes:
            out["notes"] = dict(self.notes)
        return out

    @classmethod
    def from_json(cls, data: dict) -> "SyncTrack":
        """Rebuild from :meth:`to_json`'s form; a bare list of times is accepted too."""
        if isinstance(data, list):
            return cls.from_times(data)
        try:
            hits = tuple(Hit(float(h["time"]), float(h.get("strength", 1.0))) for h in data["hits"])
            env = data.get("envelope")
            envelope = Envelope(float(env["start"]), float(env["rate"]),
                                tuple(float(v) for v in env["db"])) if env else None
            return cls(hits, envelope, str(data.get("source", "drawn")), dict(data.get("notes", {})))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"This is not a sync track ({exc!s}); expected "
                              '{"hits": [{"time": seconds, "strength": 0..1}, ...]}.') from exc

    def save(self, path: str | Path) -> Path:
        """Write ``hits.json`` atomically."""
        from foley_studio.atomic import atomic_path
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(self.to_json(), indent=1) + "\n")
        return Path(path)

    @classmethod
    def load(cls, path: str | Path) -> "SyncTrack":
        """Read a sync file written by :meth:`save` (or a JSON list of times)."""
        path = Path(path)
        try:
            return cls.from_json(json.loads(path.read_text()))
        except FileNotFoundError as exc:
            raise ConfigError(f"Sync file {path} does not exist; check the path.") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Sync file {path} is not JSON ({exc}); write it with "
                              "'foley-studio sync detect' or save it from the app.") from exc
