"""Sound synthesis primitives for the procedural world (numpy only, float32 mono).

Event sounds are built so that their first sample is already loud (attack well under a
millisecond): placed at the first sample of an event's frame, their onset *is* the event time.
"""
from __future__ import annotations

import numpy as np


def seconds(n: int, sr: int) -> np.ndarray:
    """Sample times ``(n,)`` in seconds."""
    return np.arange(n, dtype=np.float64) / sr


def attack_decay(n: int, sr: int, decay: float, attack: float = 0.0003) -> np.ndarray:
    """Envelope ``(n,)``: a rise over ``attack`` s (reaches 63 % after one attack time constant
    and 95 % after three) times an exponential decay with time constant ``decay`` s."""
    t = seconds(n, sr)
    return ((1.0 - np.exp(-(t + 1.0 / sr) / attack)) * np.exp(-t / decay)).astype(np.float32)


def band_noise(rng: np.random.Generator, n: int, sr: int, lo: float, hi: float,
               tilt: float = 0.0) -> np.ndarray:
    """White noise ``(n,)`` band-limited to ``[lo, hi]`` Hz, spectrum tilted by ``f**-tilt``,
    scaled to unit RMS."""
    spec = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / sr)
    gain = ((freqs >= lo) & (freqs <= hi)) / np.maximum(freqs, 1.0) ** (tilt / 2)
    out = np.fft.irfft(spec * gain, n)
    return (out / (np.sqrt(np.mean(out ** 2)) + 1e-12)).astype(np.float32)


def harmonics(freq: np.ndarray, sr: int, amps, phases=None) -> np.ndarray:
    """Sum of harmonics ``k = 1..len(amps)`` of a (possibly varying) frequency ``(n,)`` in Hz;
    partials above Nyquist are left out."""
    phase = 2 * np.pi * np.cumsum(freq) / sr  # (n,)
    out = np.zeros(len(freq), np.float64)
    for k, amp in enumerate(amps, start=1):
        offset = 0.0 if phases is None else phases[k - 1]
        audible = (k * freq < sr / 2 - 200).astype(np.float64)
        out += amp * audible * np.sin(k * phase + offset)
    return out.astype(np.float32)


def sweep(n: int, sr: int, f_start: float, f_end: float, curve: float = 1.0) -> np.ndarray:
    """A sine ``(n,)`` gliding from ``f_start`` to ``f_end`` Hz (``curve`` shapes the glide)."""
    frac = np.linspace(0.0, 1.0, n) ** curve
    return harmonics(f_start + (f_end - f_start) * frac, sr, [1.0])


def per_sample(values: np.ndarray, spf: int, n: int) -> np.ndarray:
    """Stretch one control value per video frame ``(F,)`` to ``(n,)`` samples, linearly
    interpolated between frame starts."""
    frame_pos = np.arange(len(values)) * spf
    return np.interp(np.arange(n), frame_pos, values).astype(np.float32)


def place(out: np.ndarray, snippet: np.ndarray, start: int, gain: float = 1.0) -> None:
    """Add ``snippet`` into ``out`` from sample ``start`` on (cut at the end of ``out``)."""
    if start >= len(out):
        return
    stop = min(len(out), start + len(snippet))
    out[start:stop] += gain * snippet[: stop - start]


def one_pole_lowpass(x: np.ndarray, sr: int, cutoff: float) -> np.ndarray:
    """A gentle first-order low-pass filter (scipy's lfilter)."""
    from scipy.signal import lfilter

    a = float(np.exp(-2 * np.pi * cutoff / sr))
    return lfilter([1 - a], [1, -a], x).astype(np.float32)


def normalise_rms(x: np.ndarray, target: float) -> np.ndarray:
    """Scale ``x`` to the RMS ``target`` (silence stays silence)."""
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    return x if rms < 1e-9 else (x * (target / rms)).astype(np.float32)
