"""Waveforms and pictures ↔ VQGAN tokens.

:class:`AudioCodec` joins the mel transform, the spectrogram VQGAN and a vocoder. Audio is cut
in *columns*: one token column is ``f`` mel frames (``f`` = the VQGAN's downsampling) and
``f · hop`` samples, so a time range maps to a run of columns. :class:`ImageCodec` centre-crops
and resizes frames for the image VQGAN and turns tokens back into RGB pictures.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np
import torch
import torch.nn.functional as F

from foley_studio.errors import ConfigError
from foley_studio.progress import ProgressFn, report
from foley_studio.models.echoes.mel import MelConfig, MelSpectrogram
from foley_studio.models.echoes.vqgan import VQGAN

Vocoder = Callable[[torch.Tensor], torch.Tensor]
"""[0, 1] mel ``(B, M, T)`` → waveform ``(B, T · hop)``."""


class AudioCodec:
    """Mel + spectrogram VQGAN + vocoder (None when only tokenising), with column bookkeeping."""

    def __init__(self, vqgan: VQGAN, vocoder: Optional[Vocoder], mel: MelConfig) -> None:
        self.vqgan, self.vocoder, self.mel_config = vqgan, vocoder, mel
        self.mel = MelSpectrogram(mel).to(next(vqgan.parameters()).device)
        self.frames_per_col = vqgan.config.downsample
        self.rows = mel.n_mels // self.frames_per_col
        if mel.n_mels % self.frames_per_col:
            raise ConfigError(f"{mel.n_mels} mel bands do not divide into the VQGAN's "
                              f"{self.frames_per_col}× downsampling.")

    @property
    def samples_per_col(self) -> int:
        """Waveform samples per token column."""
        return self.frames_per_col * self.mel_config.hop_length

    def spectrogram(self, wave: torch.Tensor, cols: int) -> torch.Tensor:
        """[0, 1] mel ``(B, M, cols · f)`` of ``wave`` ``(B, S)`` (zero-padded to fit)."""
        need = cols * self.samples_per_col
        wave = F.pad(wave, (0, max(0, need - wave.shape[-1])))[..., :need]
        return self.mel(wave)[..., : cols * self.frames_per_col]

    @torch.no_grad()
    def tokenize(self, wave: torch.Tensor) -> torch.Tensor:
        """Waveform ``(B, S)`` → tokens ``(B, rows, ⌈S / samples_per_col⌉)``."""
        cols = max(1, -(-wave.shape[-1] // self.samples_per_col))
        spec = self.spectrogram(wave.to(self.mel.fbank.device), cols)
        return self.vqgan.tokenize(spec[:, None] * 2.0 - 1.0)

    @torch.no_grad()
    def spectrogram_of(self, tokens: torch.Tensor) -> torch.Tensor:
        """Tokens ``(B, rows, cols)`` → [0, 1] mel ``(B, M, cols · f)``."""
        return ((self.vqgan.detokenize(tokens)[:, 0] + 1.0) / 2.0).clamp(0.0, 1.0)

    @torch.no_grad()
    def waveform(self, tokens: torch.Tensor, window: int, overlap: int,
                 progress: Optional[ProgressFn] = None) -> torch.Tensor:
        """Tokens ``(B, rows, N)`` → waveform ``(B, N · samples_per_col)``.

        Decoded in windows of ``window`` columns overlapping by ``overlap`` columns (``progress``
        is told after each); the overlaps are joined by linear crossfades.
        """
        n, spc = tokens.shape[-1], self.samples_per_col
        starts = window_starts(n, window, overlap)
        out = torch.zeros(tokens.shape[0], n * spc, device=tokens.device)
        weight = torch.zeros(n * spc, device=tokens.device)
        for i, s in enumerate(starts):
            stop = min(n, s + window)
            wave = self.vocoder(self.spectrogram_of(tokens[..., s:stop]))  # (B, (stop-s)·spc)
            ramp = _ramp((stop - s) * spc, overlap * spc, s > 0, stop < n, tokens.device)
            out[:, s * spc: stop * spc] += wave * ramp
            weight[s * spc: stop * spc] += ramp
            report(progress, i + 1, len(starts))
        return out / weight.clamp_min(1e-8)


def window_starts(n: int, window: int, overlap: int) -> list[int]:
    """Start columns of windows of ``window`` columns covering ``n``, overlapping ≥ ``overlap``."""
    if n <= window:
        return [0]
    hop = window - overlap
    starts = list(range(0, n - window, hop))
    return starts + [n - window]


def _ramp(length: int, fade: int, fade_in: bool, fade_out: bool, device: torch.device) -> torch.Tensor:
    ramp = torch.ones(length, device=device)
    edge = torch.linspace(0.0, 1.0, fade + 2, device=device)[1:-1]
    if fade_in and fade:
        ramp[:fade] = edge
    if fade_out and fade:
        ramp[-fade:] = torch.minimum(ramp[-fade:], edge.flip(0))
    return ramp


def pixels(frames: np.ndarray | torch.Tensor, size: int) -> torch.Tensor:
    """uint8 ``(N, H, W, 3)`` → float ``(N, 3, size, size)`` in [-1, 1] (centre crop, resize)."""
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ConfigError(f"Frames must be (N, H, W, 3) RGB; got shape {tuple(frames.shape)}.")
    x = torch.as_tensor(np.ascontiguousarray(frames)) if isinstance(frames, np.ndarray) else frames
    x = x.permute(0, 3, 1, 2).float() / 127.5 - 1.0
    h, w = x.shape[-2:]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    x = x[..., top: top + side, left: left + side]
    if side != size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return x.clamp(-1.0, 1.0)


class ImageCodec:
    """RGB frames ↔ image VQGAN tokens (frames are centre-cropped square and resized)."""

    def __init__(self, vqgan: VQGAN, size: int) -> None:
        self.vqgan, self.size = vqgan, size
        if size % vqgan.config.downsample:
            raise ConfigError(f"Image size {size} is not a multiple of the image VQGAN's "
                              f"{vqgan.config.downsample}× downsampling.")

    @property
    def tokens_per_image(self) -> int:
        """Tokens per picture."""
        return (self.size // self.vqgan.config.downsample) ** 2

    @torch.no_grad()
    def tokenize(self, frames: np.ndarray) -> torch.Tensor:
        """uint8 frames ``(N, H, W, 3)`` → tokens ``(N, h · w)`` (row-major)."""
        device = next(self.vqgan.parameters()).device
        return self.vqgan.tokenize(pixels(frames, self.size).to(device)).flatten(1)

    @torch.no_grad()
    def pictures(self, tokens: torch.Tensor) -> np.ndarray:
        """Tokens ``(N, h · w)`` → uint8 ``(N, size, size, 3)``."""
        side = self.size // self.vqgan.config.downsample
        x = self.vqgan.detokenize(tokens.reshape(-1, side, side))
        x = ((x.clamp(-1.0, 1.0) + 1.0) * 127.5).round().to(torch.uint8)
        return x.permute(0, 2, 3, 1).cpu().numpy()
