"""Hits detected from the picture: the frames where something visibly lands, stops or turns.

:func:`detect_visual_hits` streams the region's frames at a small size (one frame beyond each
end, so the first and last frame have neighbours), turns them into the per-frame motion
features of :mod:`foley_studio.syncing.motion` and picks the peaks of the *impact* curve (the
mean deceleration). A peak is a hit when it is the largest within ``±peak_frames``, rises
above ``floor`` (an absolute level: a still or slowly drifting picture has no hits) and above
``relative`` × the region's largest peak. Each hit sits at its frame's presentation time, so
it is frame-accurate, its strength is its peak over the largest, and the envelope is what a
struck object would sound like: each hit's strength decaying by ``decay_s``, in dB.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator, Optional

import cv2
import numpy as np

from foley_studio.errors import SelectionError
from foley_studio.progress import CancelToken, ProgressFn, check_cancel, report
from foley_studio.sync import SILENCE_DB, Envelope, Hit, SyncTrack
from foley_studio.syncing.motion import FEATURES, frame_features, near_cuts
from foley_studio.timeline import TimeRange

IMPACT = FEATURES.index("impact")


@dataclass(frozen=True)
class VisualConfig:
    """Settings of :func:`detect_visual_hits` (sizes in pixels, levels in frame widths/frame)."""

    max_side: int = 128
    floor: float = 8e-4
    relative: float = 0.15
    peak_frames: int = 2
    decay_s: float = 0.15


@dataclass(frozen=True)
class RegionFrames:
    """The frame times of a region and its one neighbour frame on each side."""

    times: np.ndarray  # (T,) seconds, the frames read (neighbours included)
    inside: np.ndarray  # (T,) bool: the frame is shown inside the region
    fps: float


def region_frames(times: np.ndarray, fps: float, start: float, end: float) -> RegionFrames:
    """The frames whose presentation time lies in ``[start, end)``, plus a neighbour each side."""
    inside = np.flatnonzero((times >= start - 1e-6) & (times < end - 1e-6))
    if len(inside) == 0:
        raise SelectionError(f"No frame is shown in {start:.3f}–{end:.3f} s; select a longer "
                             "region inside the clip.")
    lo, hi = max(0, inside[0] - 1), min(len(times), inside[-1] + 2)
    keep = times[lo:hi]
    return RegionFrames(keep, (keep >= start - 1e-6) & (keep < end - 1e-6), fps)


def grey_frames(clip, times: np.ndarray, cancel: Optional[CancelToken] = None,
                progress: Optional[ProgressFn] = None) -> Iterator[np.ndarray]:
    """Grey ``(H, W)`` uint8 frames of ``clip`` at ``times``, decoded one at a time."""
    for i, t in enumerate(times):
        check_cancel(cancel)
        report(progress, i, len(times))
        yield cv2.cvtColor(clip.frame_at(float(t)), cv2.COLOR_RGB2GRAY)
    report(progress, len(times), len(times))


def detect_visual_hits(source: str | os.PathLike, start: float, end: float, *,
                       config: VisualConfig = VisualConfig(),
                       progress: Optional[ProgressFn] = None,
                       cancel: Optional[CancelToken] = None) -> SyncTrack:
    """Hits in ``[start, end)`` of the video ``source``, detected from its motion (see module)."""
    region, feats = region_features(source, start, end, max_side=config.max_side,
                                    progress=progress, cancel=cancel)
    return hits_from_curve(impact_curve(feats), region, config)


def impact_curve(feats: np.ndarray) -> np.ndarray:
    """The mean deceleration per frame ``(T,)``, zero on either side of a cut."""
    return np.where(near_cuts(feats), 0.0, feats[:, IMPACT])


def region_features(source: str | os.PathLike, start: float, end: float, *, max_side: int = 128,
                    progress: Optional[ProgressFn] = None,
                    cancel: Optional[CancelToken] = None) -> tuple[RegionFrames, np.ndarray]:
    """The frames of ``[start, end)`` (and a neighbour each side) and their motion features
    ``(T, F)``, read at no more than ``max_side`` pixels."""
    from foley_studio.media import VideoClip

    with VideoClip(source, max_side=max_side) as clip:
        span = TimeRange(start, end).within(clip.duration, what=str(source))
        region = region_frames(clip.frame_times(), clip.fps, span.start, span.end)
        return region, frame_features(grey_frames(clip, region.times, cancel, progress))


def pick_peaks(curve: np.ndarray, config: VisualConfig) -> np.ndarray:
    """Indices of the peaks of ``curve`` ``(T,)`` that count as hits (see module)."""
    if len(curve) == 0:
        return np.zeros(0, np.int64)
    k = config.peak_frames
    padded = np.pad(curve, k, constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * k + 1)  # (T, 2k+1)
    is_max = (curve >= windows.max(axis=1)) & (curve > 0)
    level = max(config.floor, config.relative * curve.max())
    picked: list[int] = []
    for i in np.flatnonzero(is_max & (curve >= level)):
        if not picked or i - picked[-1] > k:  # a plateau counts once
            picked.append(int(i))
    return np.asarray(picked, np.int64)


def hits_from_curve(curve: np.ndarray, region: RegionFrames, config: VisualConfig,
                    source: str = "detected") -> SyncTrack:
    """A track from the peaks of a per-frame hit curve ``(T,)`` over ``region``'s frames."""
    return hits_at(pick_peaks(curve, config), curve, region, config.decay_s, source)


def hits_at(peaks: np.ndarray, level: np.ndarray, region: RegionFrames, decay_s: float,
            source: str = "detected") -> SyncTrack:
    """Hits on frames ``peaks`` inside the region, as strong as ``level`` ``(T,)`` there
    relative to the strongest, with their :func:`impact_envelope`."""
    peaks = [i for i in peaks if region.inside[i]]
    top = max((float(level[i]) for i in peaks), default=0.0)
    strength = (lambda i: min(1.0, max(0.0, level[i] / top))) if top > 0 else (lambda i: 1.0)  # noqa: E731
    hits = tuple(Hit(float(region.times[i]), float(strength(i))) for i in peaks)
    return SyncTrack(hits, impact_envelope(hits, region, decay_s), source)


def impact_envelope(hits: tuple[Hit, ...], region: RegionFrames, decay_s: float) -> Envelope:
    """One level per frame of the region: each hit's strength decaying by ``decay_s``, in dB."""
    times = region.times[region.inside]  # (N,)
    level = np.zeros(len(times))
    for h in hits:
        after = np.clip(times - h.time, 0.0, None)
        level = np.maximum(level, np.where(times >= h.time - 1e-6, h.strength * np.exp(-after / decay_s), 0.0))
    db = 20 * np.log10(np.maximum(level, 10 ** (SILENCE_DB / 20)))
    return Envelope(float(times[0]), float(region.fps), tuple(float(v) for v in db))
