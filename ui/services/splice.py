"""Inpainting that touches only the gap: generated audio spliced into the original with fades.

The crossfades sit inside the gap (equal-power), so every sample outside it is the original,
bit for bit.
"""
from __future__ import annotations

import numpy as np

from foley_studio.errors import SelectionError


def splice(original: np.ndarray, generated: np.ndarray, gap: tuple[int, int],
           fade: int) -> np.ndarray:
    """``original`` with ``[gap)`` samples taken from ``generated``: ``(S,)`` float32.

    Both inputs are ``(S,)`` for the same span; ``fade`` samples at each end of the gap blend
    from one into the other (shortened to half the gap when the gap is short).
    """
    a, b = gap
    if not 0 <= a < b <= len(original):
        raise SelectionError(f"The gap (samples {a}–{b}) must lie inside the {len(original)} "
                             "samples of context; select a gap inside the clip.")
    generated = _fit(generated, len(original))  # (S,)
    out = np.array(original, dtype=np.float32)  # (S,)
    out[a:b] = generated[a:b]
    fade = max(0, min(fade, (b - a) // 2))
    if fade:
        theta = np.linspace(0.0, np.pi / 2, fade, dtype=np.float32)  # (fade,)
        rise, fall = np.sin(theta), np.cos(theta)  # equal power: rise² + fall² = 1
        out[a:a + fade] = original[a:a + fade] * fall + generated[a:a + fade] * rise
        out[b - fade:b] = generated[b - fade:b] * fall + original[b - fade:b] * rise
    return out


def _fit(audio: np.ndarray, length: int) -> np.ndarray:
    """Trim or zero-pad to ``length`` samples."""
    audio = np.asarray(audio, dtype=np.float32)
    if len(audio) >= length:
        return audio[:length]
    return np.pad(audio, (0, length - len(audio)))
