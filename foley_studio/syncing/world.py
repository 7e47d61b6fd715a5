"""The procedural world's clips as sync-detection examples, and how detected hits are scored.

:func:`world_rows` reads ``events.jsonl`` (one row per clip: id, class label, split and the
visible events with their frames); :func:`clip_features` gives a clip's motion features
``(T, F)`` for its whole length (cached as ``.npy`` under ``cache`` when given, so tuning and
training read each clip once); :func:`score` pools per-class precision, recall and error of
detected hits within ``±tolerance`` frames, pairing hits with events one to one, nearest first.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from foley_studio.errors import ConfigError
from foley_studio.syncing.visual import RegionFrames, region_features


def world_rows(root: str | Path, split: Optional[str] = None) -> list[dict]:
    """The rows of ``root/events.jsonl`` (of one ``split`` when given), in file order."""
    path = Path(root) / "events.jsonl"
    if not path.is_file():
        raise ConfigError(f"{path} does not exist; render the world first with 'foley-studio synth'.")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def clip_path(root: str | Path, row: dict) -> Path:
    """The video file of a world row."""
    return Path(root) / "video" / f"{row['id']}_{int(row['start']):06d}.mp4"


def event_frames(row: dict, main_only: bool = False) -> np.ndarray:
    """Distinct frames ``(E,)`` of the row's events (only the main object's when asked)."""
    frames = {e["frame"] for e in row["events"] if e.get("main", True) or not main_only}
    return np.asarray(sorted(frames), np.int64)


def clip_features(root: str | Path, row: dict, cache: Optional[Path] = None
                  ) -> tuple[RegionFrames, np.ndarray]:
    """The whole clip's frames and motion features ``(T, F)``, read once and cached."""
    target = cache / f"{row['id']}.npz" if cache is not None else None
    if target is not None and target.is_file():
        data = np.load(target)
        return RegionFrames(data["times"], data["inside"], float(data["fps"])), data["feats"]
    region, feats = region_features(clip_path(root, row), 0.0, float(row["seconds"]))
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        np.savez(target, times=region.times, inside=region.inside, fps=region.fps, feats=feats)
    return region, feats


@dataclass
class Tally:
    """Pooled matches of one class: counts and the matched errors in frames."""

    hits: int = 0
    events: int = 0
    matched: int = 0
    errors: list = field(default_factory=list)

    def add(self, predicted: np.ndarray, truth: np.ndarray, tolerance: int) -> None:
        """Pair ``predicted`` with ``truth`` frames one to one, nearest first, within ``tolerance``."""
        from foley_studio.evaluation.onsets import match_onsets

        result = match_onsets(np.asarray(predicted, float), np.asarray(truth, float), tolerance + 0.01)
        self.hits, self.events = self.hits + len(predicted), self.events + len(truth)
        self.matched += result.matched
        self.errors.extend((result.errors_ms / 1000.0).tolist())  # in frames

    def figures(self, fps: float) -> dict:
        """Precision, recall, F1 and the median |error| of matched hits in ms."""
        p = self.matched / self.hits if self.hits else float("nan")
        r = self.matched / self.events if self.events else float("nan")
        f1 = 2 * p * r / (p + r) if self.hits and self.events and p + r > 0 else float("nan")
        err = float(np.median(np.abs(self.errors))) * 1000 / fps if self.errors else float("nan")
        return {"precision": p, "recall": r, "f1": f1, "median_error_ms": err,
                "hits": self.hits, "events": self.events}


def score(results: Iterable[tuple[str, np.ndarray, np.ndarray]], fps: float,
          tolerance: int = 1) -> dict[str, dict]:
    """Per class (and ``all``): :meth:`Tally.figures` of ``(class, predicted, true)`` frames."""
    tallies: dict[str, Tally] = {}
    for label, predicted, truth in results:
        for key in (label, "all"):
            tallies.setdefault(key, Tally()).add(predicted, truth, tolerance)
    return {key: t.figures(fps) for key, t in sorted(tallies.items())}
