"""The timing condition both generators follow: a sync track seen cell by cell.

A *cell* is one position the model holds per slice of time: an IM2WAV LOW token (8 ms in the
world starter) or a Visual Echoes audio column (93 ms). :func:`timing_features` describes each
cell by :data:`FEATURES` numbers (all zero is the *null* condition, "no sync given"):

0. 1: a sync track is given (hits or not);
1. the strongest hit strength inside the cell (0 if none);
2. where the cell's first hit lies inside it, 0 (start) … 1 (end), so timing finer than a cell
   survives; 3. 1 if the cell holds more than one hit;
4.–5. ``exp(−d / τ)`` of the distance ``d`` from the cell's start to the next hit at or after it
   (τ = 30 ms and 150 ms; 0 when none);
6.–7. the same for the time since the last hit before the cell's start;
8. 1 if an intensity envelope is given; 9. its level over the cell, ``(dB + 80) / 80``.

:class:`TimingEmbedding` maps the features to the model width with a small MLP whose last layer
starts at zero (a fine-tuned model starts exactly as the one it came from) and whose output is
gated by feature 0, so the null condition adds exactly nothing.
"""
from __future__ import annotations

from typing import Mapping, Optional, Sequence

import numpy as np
import torch
from torch import nn

from foley_studio.errors import CheckpointError
from foley_studio.sync import SILENCE_DB, Envelope

FEATURES = 10
TAUS = (0.03, 0.15)  # seconds: how far the distance features reach
TIMING_KEY = "timing"  # state-dict names of timing parameters contain this


def timing_features(hits: Sequence[tuple[float, float]], cells: int, cell: float, start: float = 0.0,
                    levels_db: Optional[np.ndarray] = None) -> np.ndarray:
    """Features ``(cells, FEATURES)`` of ``hits`` (``(seconds, strength)``, any order) for cells of
    ``cell`` seconds from ``start``; ``levels_db`` ``(cells,)`` is the envelope per cell, if any."""
    out = np.zeros((cells, FEATURES), np.float32)
    out[:, 0] = 1.0
    hits = sorted((float(t), float(s)) for t, s in hits)
    times = np.array([t for t, _ in hits], np.float64)
    edges = start + np.arange(cells) * cell  # (cells,) cell starts
    if len(times):
        _inside(out, times, np.array([s for _, s in hits], np.float32), start, cell)
        _distances(out, times, edges)
    if levels_db is not None:
        out[:, 8] = 1.0
        out[:, 9] = (np.clip(np.asarray(levels_db, np.float32), SILENCE_DB, 0.0) - SILENCE_DB) / -SILENCE_DB
    return out


def _inside(out: np.ndarray, times: np.ndarray, strength: np.ndarray, start: float, cell: float) -> None:
    """Features 1–3: strength, first offset and "more than one" of the hits inside each cell."""
    pos = (times - start) / cell
    index = np.floor(pos + 1e-9).astype(np.int64)
    keep = (index >= 0) & (index < len(out))
    index, pos, strength = index[keep], pos[keep], strength[keep]
    np.maximum.at(out[:, 1], index, strength)
    count = np.bincount(index, minlength=len(out))
    first = np.full(len(out), np.inf)
    np.minimum.at(first, index, np.clip(pos - index, 0.0, 1.0))
    out[:, 2] = np.where(count > 0, first, 0.0)
    out[:, 3] = count > 1


def _distances(out: np.ndarray, times: np.ndarray, edges: np.ndarray) -> None:
    """Features 4–7: decaying distances to the next hit and from the last one."""
    nxt = np.searchsorted(times, edges - 1e-9, side="left")  # first hit at or after each start
    ahead = np.where(nxt < len(times), times[np.minimum(nxt, len(times) - 1)] - edges, np.inf)
    behind = np.where(nxt > 0, edges - times[np.maximum(nxt - 1, 0)], np.inf)
    for k, tau in enumerate(TAUS):
        out[:, 4 + k] = np.exp(-np.maximum(ahead, 0.0) / tau)
        out[:, 6 + k] = np.exp(-np.maximum(behind, 0.0) / tau)


def envelope_levels(envelope: Optional[Envelope], cells: int, cell: float,
                    start: float = 0.0) -> Optional[np.ndarray]:
    """The envelope's level (dB) at each cell's middle ``(cells,)``, or None without one."""
    if envelope is None:
        return None
    return np.asarray(envelope.at(start + (np.arange(cells) + 0.5) * cell), np.float32)


def rms_db(audio: np.ndarray, hop: int) -> np.ndarray:
    """Frame-level RMS in dB of ``audio`` ``(..., S)`` over frames of ``hop`` samples:
    ``(..., S // hop)``, floored at :data:`~foley_studio.sync.SILENCE_DB` (the envelope of a
    real sound, for training)."""
    audio = np.asarray(audio, np.float32)
    frames = audio[..., :audio.shape[-1] // hop * hop].reshape(*audio.shape[:-1], -1, hop)
    rms = np.sqrt(np.mean(frames ** 2, axis=-1) + 1e-12)
    return np.clip(20 * np.log10(rms), SILENCE_DB, 0.0).astype(np.float32)


def padded_events(events: Sequence[Sequence[float]]) -> torch.Tensor:
    """Each clip's event times (s) in one tensor ``(N, E_max)``, NaN after its last (training data)."""
    out = torch.full((len(events), max([1] + [len(e) for e in events])), float("nan"))
    for i, times in enumerate(events):
        out[i, :len(times)] = torch.tensor(list(times), dtype=torch.float32)
    return out


class TimingEmbedding(nn.Module):
    """Timing features ``(B, T, FEATURES)`` → ``(B, T, width)``; exactly zero for null rows."""

    def __init__(self, width: int, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(FEATURES, hidden), nn.GELU(), nn.Linear(hidden, width))
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.net(features) * features[..., :1]  # gated by "a sync track is given"


def drop_timing(features: torch.Tensor, null: torch.Tensor, envelope_drop: torch.Tensor) -> torch.Tensor:
    """Training dropout: rows ``null`` (B,) get the null condition, rows ``envelope_drop`` (B,)
    lose their envelope (features ``(B, T, FEATURES)``)."""
    features = features.clone()
    features[envelope_drop, :, 8:10] = 0.0
    features[null] = 0.0
    return features


def param_groups(model: nn.Module, lr: float, timing_scale: float = 1.0) -> list[dict]:
    """Optimiser groups of ``model``'s trainable parameters: the timing condition's at
    ``lr · timing_scale`` (new parameters in a short fine-tune), the rest at ``lr``."""
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = [{"params": [p for n, p in named if TIMING_KEY not in n], "lr": lr},
              {"params": [p for n, p in named if TIMING_KEY in n], "lr": lr * timing_scale}]
    return [g for g in groups if g["params"]]


def load_with_new_timing(module: nn.Module, state: Mapping[str, torch.Tensor], *, source: str) -> None:
    """Load ``state`` (a model without a timing condition, or with one) into ``module``; only
    timing parameters may be missing from it (they keep their zero start)."""
    expected = module.state_dict()
    missing = sorted(k for k in set(expected) - set(state) if TIMING_KEY not in k)
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(state) & set(expected) if state[k].shape != expected[k].shape)
    if missing or unexpected or wrong:
        raise CheckpointError(f"{source} does not fit this architecture (missing {missing[:3]}, "
                              f"unexpected {unexpected[:3]}, misshapen {wrong[:3]}); start from a "
                              "model of the same preset.")
    module.load_state_dict(dict(state), strict=False)
