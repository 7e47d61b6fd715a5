"""A Vocos vocoder (Siuzdak, 2023): ConvNeXt blocks at the mel frame rate, an inverse-STFT head.

The network predicts each frame's STFT magnitude and phase and lets ``torch.istft`` make the
waveform, so nothing is upsampled by learned layers. That makes it cheap to train and to run on
a CPU, where the world starter's MelGAN, trained as long, stayed far from the spectrogram it was
given. ``[0, 1]`` mel ``(B, M, T)`` → waveform ``(B, T · hop)``, the same contract as
:class:`~foley_studio.models.echoes.melgan.MelGANGenerator`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class VocosConfig:
    """Sizes (the paper's mel model: dim 512, 8 blocks, intermediate 1536)."""

    input_size: int = 80
    dim: int = 512
    intermediate: int = 1536
    blocks: int = 8
    n_fft: int = 1024
    hop_length: int = 256

    @classmethod
    def from_dict(cls, data: dict) -> "VocosConfig":
        """Rebuild from :meth:`to_dict` output."""
        return cls(**data)

    def to_dict(self) -> dict:
        """JSON-safe fields."""
        return asdict(self)


class ConvNeXtBlock(nn.Module):
    """Depthwise conv (k 7) → LayerNorm → pointwise expand, GELU, project → scaled residual."""

    def __init__(self, dim: int, intermediate: int, scale: float) -> None:
        super().__init__()
        self.dwconv = nn.Conv1d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1, self.pwconv2 = nn.Linear(dim, intermediate), nn.Linear(intermediate, dim)
        self.gamma = nn.Parameter(torch.full((dim,), scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, D, T) → (B, D, T)
        y = self.norm(self.dwconv(x).transpose(1, 2))  # (B, T, D)
        y = self.pwconv2(nn.functional.gelu(self.pwconv1(y)))
        return x + (self.gamma * y).transpose(1, 2)


class VocosVocoder(nn.Module):
    """[0, 1] mel ``(B, M, T)`` → waveform ``(B, T · hop)`` (not clipped: a hard limit would stop
    the gradients of loud samples; callers clip, as :meth:`EchoesGenerator.decode_audio` does)."""

    def __init__(self, config: VocosConfig = VocosConfig()) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Conv1d(config.input_size, config.dim, 7, padding=3)
        self.norm = nn.LayerNorm(config.dim, eps=1e-6)
        self.blocks = nn.ModuleList(ConvNeXtBlock(config.dim, config.intermediate, 1.0 / config.blocks)
                                    for _ in range(config.blocks))
        self.final_norm = nn.LayerNorm(config.dim, eps=1e-6)
        self.head = nn.Linear(config.dim, config.n_fft + 2)
        with torch.no_grad():  # start quiet: magnitudes of e⁻⁶ rather than 1 per bin
            self.head.bias[: config.n_fft // 2 + 1] = -6.0
        self.register_buffer("window", torch.hann_window(config.n_fft), persistent=False)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = self.norm(self.embed(mel * 2.0 - 1.0).transpose(1, 2)).transpose(1, 2)  # (B, D, T)
        for block in self.blocks:
            x = block(x)
        out = self.head(self.final_norm(x.transpose(1, 2))).transpose(1, 2)  # (B, n_fft + 2, T)
        log_mag, phase = out.chunk(2, dim=1)  # (B, F, T) each
        spec = torch.polar(torch.exp(log_mag).clamp(max=1e2), phase)
        c = self.config
        return torch.istft(spec, c.n_fft, c.hop_length, c.n_fft, self.window, center=True,
                           length=mel.shape[-1] * c.hop_length)
