"""Windowed continuation: sequences longer than a prior's context, and frames for each token.

A sequence of ``total`` tokens is covered by windows of ``n_ctx`` tokens, ``hop`` apart (the
last one is moved back to end exactly at ``total``, as the released sampler does). Each window
after the first is primed with the tokens it shares with the ones already sampled.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foley_studio.errors import ConfigError


@dataclass(frozen=True)
class Window:
    """Tokens ``[start, end)``; the first ``known`` of them were sampled by earlier windows."""

    start: int
    end: int
    known: int

    @property
    def new(self) -> int:
        """How many tokens this window samples."""
        return self.end - self.start - self.known


def plan_windows(total: int, n_ctx: int, hop: int) -> list[Window]:
    """Windows covering ``total`` tokens; a sequence that fits one context is one window."""
    if total <= 0 or n_ctx <= 0 or not 0 < hop <= n_ctx:
        raise ConfigError(f"Cannot plan windows for {total} tokens, context {n_ctx}, hop {hop}.")
    if total <= n_ctx:
        return [Window(0, total, 0)]
    windows, covered = [], 0
    for start in range(0, total - n_ctx + hop, hop):
        start = min(start, total - n_ctx)
        if start + n_ctx > covered:
            windows.append(Window(start, start + n_ctx, max(covered - start, 0)))
            covered = start + n_ctx
    return windows


def hop_for(n_ctx: int, overlap: float, multiple: int = 1) -> int:
    """The hop (a multiple of ``multiple``) that keeps ``overlap`` of each window as priming."""
    if not 0.0 <= overlap < 1.0:
        raise ConfigError(f"Window overlap must lie in [0, 1) (got {overlap}).")
    hop = int(round(n_ctx * (1.0 - overlap) / multiple)) * multiple
    return min(max(hop, multiple), n_ctx)


def nearest_frames(frame_times: np.ndarray, token_times: np.ndarray) -> np.ndarray:
    """Index of the frame closest in time to each token: (T,) ints (ties go to the earlier frame)."""
    order = np.argsort(frame_times, kind="stable")
    times = np.asarray(frame_times, dtype=np.float64)[order]
    right = np.clip(np.searchsorted(times, token_times), 1, max(len(times) - 1, 1))
    left = right - 1
    if len(times) == 1:
        return np.zeros(len(token_times), dtype=np.int64)
    pick = np.where(np.abs(token_times - times[left]) <= np.abs(times[right] - token_times), left, right)
    return order[pick].astype(np.int64)
