"""Audio onset detection and audio-visual synchronisation error.

Detection has two stages:

1. **Spectral flux** on log-spaced bands of an STFT (Hann window ``window_s``, hop ``hop_s``;
   ``bands`` bands from ``band_min_hz`` to Nyquist, as in SuperFlux's log filterbank, so a
   low thump weighs as much as a hiss)::

       P[n, b] = Σ_{k ∈ b} |X[n, k]|²,   L = 10 log10(max(P, floor)),
       flux[n] = mean_b max(0, L[n, b] − L[n−1, b])

   (``broadband=True`` takes the median over bands instead, so only a rise in most bands at
   once, a click, counts; a new tone fading in does not).

   Peaks are frames that are the maximum within ``±peak_s``, exceed the local mean within
   ``±mean_s`` by ``delta_db`` and lie at least ``min_gap_s`` after the previous onset.
   Frames whose window reaches past either end of the clip are skipped: there a sound that
   was already playing cannot be told from one that starts.
2. **Refinement** in the time domain: near the peak frame (see :func:`_refine`), the onset
   is the sample where the log of a causal short-time energy (``energy_s`` box) rises
   fastest, which places a click at its first sample rather than at a frame centre.

Matching pairs detected onsets with visual event times one-to-one, nearest first, within
``window_s``; unmatched events are misses, unmatched onsets extras.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from foley_studio.errors import ConfigError


@dataclass(frozen=True)
class OnsetConfig:
    """Parameters of :func:`detect_onsets` (times in seconds, levels in dB)."""

    window_s: float = 0.0232
    hop_s: float = 0.0029
    floor_db: float = -90.0
    delta_db: float = 3.0
    peak_s: float = 0.02
    mean_s: float = 0.06
    min_gap_s: float = 0.03
    energy_s: float = 0.001
    bands: int = 48
    band_min_hz: float = 40.0
    refine: bool = True
    broadband: bool = False


def spectral_flux(audio: np.ndarray, rate: int, config: OnsetConfig = OnsetConfig()
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Half-wave rectified log-band spectral flux ``(T,)`` and the frame-centre times ``(T,)``."""
    x = _mono(audio, rate)
    n_fft = max(16, int(round(config.window_s * rate)))
    hop = max(1, int(round(config.hop_s * rate)))
    if len(x) <= n_fft:
        raise ConfigError(f"A clip of {len(x)} samples is shorter than one analysis window "
                          f"({n_fft} samples at {rate} Hz); onsets need longer audio.")
    padded = np.pad(x, (n_fft // 2, n_fft // 2), mode="reflect")  # no false onset at the ends
    n_frames = 1 + (len(padded) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n_frames)[:, None]
    power = np.abs(np.fft.rfft(padded[idx] * np.hanning(n_fft + 2)[1:-1], axis=1)) ** 2  # (T, K)
    level = 10.0 * np.log10(np.maximum(power @ _band_matrix(n_fft, rate, config), 10.0 ** (config.floor_db / 10)))
    rises = np.maximum(np.diff(level, axis=0), 0.0)  # (T-1, B)
    flux = np.zeros(n_frames)
    flux[1:] = np.median(rises, axis=1) if config.broadband else rises.mean(axis=1)
    return flux, np.arange(n_frames) * hop / rate


def _band_matrix(n_fft: int, rate: int, config: OnsetConfig) -> np.ndarray:
    """0/1 matrix ``(K, B)`` summing FFT bins into log-spaced bands; empty bands dropped."""
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    edges = np.geomspace(config.band_min_hz, rate / 2, config.bands + 1)
    band = np.clip(np.searchsorted(edges, freqs) - 1, 0, config.bands - 1)  # bins below → band 0
    onehot = np.zeros((len(freqs), config.bands))
    onehot[np.arange(len(freqs)), band] = 1.0
    return onehot[:, onehot.sum(axis=0) > 0]


def pick_peaks(flux: np.ndarray, frame_rate: float, config: OnsetConfig = OnsetConfig()) -> np.ndarray:
    """Indices of the flux peaks that count as onsets (see the module docstring)."""
    peak = max(1, int(round(config.peak_s * frame_rate)))
    mean = max(1, int(round(config.mean_s * frame_rate)))
    gap = int(round(config.min_gap_s * frame_rate))
    is_max = flux == maximum_filter1d(flux, 2 * peak + 1, mode="constant")
    loud = flux >= uniform_filter1d(flux, 2 * mean + 1, mode="nearest") + config.delta_db
    picked: list[int] = []
    for n in np.flatnonzero(is_max & loud):
        if not picked or n - picked[-1] > gap:
            picked.append(int(n))
    return np.asarray(picked, dtype=np.int64)


def detect_onsets(audio: np.ndarray, rate: int, config: OnsetConfig = OnsetConfig()) -> np.ndarray:
    """Onset times in seconds ``(K,)`` of mono ``audio`` ``(S,)`` at ``rate`` Hz."""
    flux, times = spectral_flux(audio, rate, config)
    peaks = pick_peaks(flux, rate / max(1, int(round(config.hop_s * rate))), config)
    onsets = times[peaks]
    edge = config.window_s / 2  # the clip's own start and end are no onsets
    onsets = onsets[(onsets >= edge) & (onsets <= np.shape(audio)[0] / rate - edge)]
    if config.refine and len(onsets):
        onsets = np.array([_refine(np.asarray(audio, np.float64), rate, t, config) for t in onsets])
    return onsets


def _refine(x: np.ndarray, rate: int, t: float, config: OnsetConfig) -> float:
    """The sample near frame time ``t`` where the causal log-energy rises fastest, in seconds.

    A frame's flux peaks as an onset enters its window, up to half a window before the onset,
    so the search spans from half a window before ``t`` to a full window after it.
    """
    half = int(round(config.window_s * rate / 2))
    lo, hi = max(1, int(t * rate) - half), min(len(x), int(t * rate) + 2 * half + 1)
    box = max(1, int(round(config.energy_s * rate)))
    s0 = max(0, lo - box)
    seg = x[s0:hi] ** 2
    energy = np.convolve(seg, np.ones(box) / box)[:len(seg)]  # causal box: ends at each sample
    rise = np.diff(np.log(energy + energy.max() * 1e-4 + 1e-20))  # rise[k] is at sample s0 + k + 1
    return (lo + int(np.argmax(rise[lo - s0 - 1:]))) / rate


def _mono(audio: np.ndarray, rate: int) -> np.ndarray:
    x = np.asarray(audio, np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ConfigError(f"Onset detection needs one mono clip (S,), got shape {x.shape}.")
    if rate <= 0:
        raise ConfigError(f"Sample rate must be positive, got {rate}.")
    return x


@dataclass(frozen=True)
class SyncResult:
    """How well detected onsets line up with visual events (errors are onset − event)."""

    errors_ms: np.ndarray = field(repr=False)
    n_events: int
    n_onsets: int
    nearest_ms: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)  # (n_events,)
    signed_ms: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)  # (n_events,)

    @property
    def matched(self) -> int:
        """Number of event/onset pairs."""
        return int(len(self.errors_ms))

    @property
    def median_abs_ms(self) -> float:
        """Median absolute error of matched pairs in ms (NaN when nothing matched)."""
        return float(np.median(np.abs(self.errors_ms))) if self.matched else float("nan")

    @property
    def median_nearest_ms(self) -> float:
        """Median over all events of the distance to the nearest onset in ms, capped at
        :data:`NEAREST_CAP_MS` (misses count, unlike :attr:`median_abs_ms`; NaN without events)."""
        return float(np.median(self.nearest_ms)) if len(self.nearest_ms) else float("nan")

    @property
    def median_shift_ms(self) -> float:
        """Median over events of the signed offset of the nearest onset (onset − event, ms,
        within ±:data:`NEAREST_CAP_MS`): where the onsets sit against the events; NaN without."""
        return float(np.median(self.signed_ms)) if len(self.signed_ms) else float("nan")

    @property
    def miss_rate(self) -> float:
        """Fraction of visual events with no onset in the window."""
        return 1.0 - self.matched / self.n_events if self.n_events else 0.0

    @property
    def extra_rate(self) -> float:
        """Fraction of detected onsets with no visual event in the window."""
        return 1.0 - self.matched / self.n_onsets if self.n_onsets else 0.0


NEAREST_CAP_MS = 1000.0  # an event with no onset within 1 s counts as 1 s off


def match_onsets(onsets: np.ndarray, events: np.ndarray, window_s: float = 0.05) -> SyncResult:
    """Pair ``onsets`` with ``events`` (seconds) one-to-one, closest pairs first, within ``window_s``."""
    a, b = np.asarray(onsets, np.float64).ravel(), np.asarray(events, np.float64).ravel()
    diff = a[:, None] - b[None, :]  # (K, E)
    used_a, used_b, errors = set(), set(), []
    for i, j in zip(*np.unravel_index(np.argsort(np.abs(diff), axis=None), diff.shape)):
        if abs(diff[i, j]) > window_s:
            break
        if i not in used_a and j not in used_b:
            used_a.add(i), used_b.add(j), errors.append(diff[i, j] * 1000.0)
    nearest = np.abs(diff).min(0) * 1000.0 if len(a) else np.full(len(b), np.inf)  # (E,)
    signed = diff[np.abs(diff).argmin(0), np.arange(len(b))] * 1000.0 if len(a) else np.zeros(0)
    signed = signed[np.abs(signed) <= NEAREST_CAP_MS]  # events with an onset within the cap
    return SyncResult(np.asarray(errors), len(b), len(a), np.minimum(nearest, NEAREST_CAP_MS), signed)


def sync_error(onsets: Sequence[np.ndarray], events: Sequence[np.ndarray],
               window_s: float = 0.05) -> SyncResult:
    """:func:`match_onsets` per clip, pooled over clips."""
    if len(onsets) != len(events):
        raise ConfigError(f"{len(onsets)} onset lists for {len(events)} event lists; give one per clip.")
    parts = [match_onsets(o, e, window_s) for o, e in zip(onsets, events)]
    pooled = lambda name: np.concatenate([getattr(p, name) for p in parts]) if parts else np.zeros(0)  # noqa: E731
    return SyncResult(pooled("errors_ms"), sum(p.n_events for p in parts), sum(p.n_onsets for p in parts),
                      pooled("nearest_ms"), pooled("signed_ms"))
