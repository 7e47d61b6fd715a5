"""The MelGAN vocoder SpecVQGAN ships, its multi-scale discriminator, and a labelled Griffin-Lim.

:class:`MelGANGenerator` has the official module tree (``model.{i}.weight_g|weight_v|bias``,
residual blocks ``model.{i}.block.{2,4}.*`` and ``model.{i}.shortcut.*``), so SpecVQGAN's
``best_netG.pt`` loads by name. Its input is the [0, 1] mel of :mod:`.mel` (80 bands); its
output is 256 samples per frame at 22.05 kHz. :class:`GriffinLimVocoder` is the explicit
fallback a user may choose when no vocoder weights exist; nothing switches to it silently.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
import torchaudio.functional as AF
from torch import nn

from foley_studio.models.echoes.mel import MelConfig, MelSpectrogram


def _to_weight_norm(module: nn.Module) -> None:
    """Replace ``module.weight`` by ``weight_g · weight_v / ‖weight_v‖`` (norm over dims ≥ 1).

    Filters start with unit norm, which keeps the activations' scale through the stack.
    """
    weight = module.weight.detach()
    del module.weight
    nn.init.normal_(weight, 0.0, 0.02)
    module.weight_g = nn.Parameter(torch.ones_like(weight.norm(dim=(1, 2), keepdim=True)))
    module.weight_v = nn.Parameter(weight.clone())


def _weight(module: nn.Module) -> torch.Tensor:
    v = module.weight_v
    return module.weight_g * v / v.norm(dim=(1, 2), keepdim=True)


class WNConv1d(nn.Conv1d):
    """Conv1d with weight normalisation stored as ``weight_g`` / ``weight_v``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _to_weight_norm(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, _weight(self), self.bias)


class WNConvTranspose1d(nn.ConvTranspose1d):
    """ConvTranspose1d with weight normalisation stored as ``weight_g`` / ``weight_v``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _to_weight_norm(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv_transpose1d(x, _weight(self), self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)


class ResidualStack(nn.Module):
    """``shortcut(x) + conv1×1(lrelu(conv3_dilated(pad(lrelu(x)))))``."""

    def __init__(self, dim: int, dilation: int) -> None:
        super().__init__()
        self.block = nn.Sequential(nn.LeakyReLU(0.2), nn.ReflectionPad1d(dilation),
                                   WNConv1d(dim, dim, kernel_size=3, dilation=dilation),
                                   nn.LeakyReLU(0.2), WNConv1d(dim, dim, kernel_size=1))
        self.shortcut = WNConv1d(dim, dim, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.block(x)


@dataclass(frozen=True)
class MelGANConfig:
    """MelGAN generator size (SpecVQGAN's VGGSound vocoder: 80 mels, ngf 32, 3 layers)."""

    input_size: int = 80
    ngf: int = 32
    n_residual_layers: int = 3
    ratios: tuple[int, ...] = (8, 8, 2, 2)

    @property
    def hop_length(self) -> int:
        """Output samples per input frame."""
        out = 1
        for r in self.ratios:
            out *= r
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "MelGANConfig":
        """Rebuild from :meth:`to_dict` output."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})

    def to_dict(self) -> dict:
        """JSON-safe fields."""
        return asdict(self)


class MelGANGenerator(nn.Module):
    """[0, 1] mel ``(B, M, T)`` → waveform ``(B, T·hop)`` in [-1, 1]."""

    def __init__(self, config: MelGANConfig = MelGANConfig()) -> None:
        super().__init__()
        self.config = config
        mult = 2 ** len(config.ratios)
        layers: list[nn.Module] = [nn.ReflectionPad1d(3),
                                   WNConv1d(config.input_size, mult * config.ngf, kernel_size=7)]
        for r in config.ratios:
            width = mult * config.ngf // 2
            layers += [nn.LeakyReLU(0.2),
                       WNConvTranspose1d(mult * config.ngf, width, kernel_size=2 * r, stride=r,
                                         padding=r // 2 + r % 2, output_padding=r % 2)]
            layers += [ResidualStack(width, 3 ** j) for j in range(config.n_residual_layers)]
            mult //= 2
        layers += [nn.LeakyReLU(0.2), nn.ReflectionPad1d(3),
                   WNConv1d(config.ngf, 1, kernel_size=7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return self.model(mel).squeeze(1)


class GriffinLimVocoder(nn.Module):
    """Labelled fallback: invert the [0, 1] mel by a non-negative pseudo-inverse and Griffin-Lim.

    Deterministic (zero-phase start) so take ``i`` stays reproducible from its seed.
    """

    def __init__(self, mel: MelConfig = MelConfig(), n_iter: int = 32) -> None:
        super().__init__()
        self.mel = MelSpectrogram(mel)
        self.n_iter = n_iter
        self.register_buffer("inverse", torch.linalg.pinv(self.mel.fbank), persistent=False)  # (F, M)

    def forward(self, spec: torch.Tensor) -> torch.Tensor:
        c = self.mel.config
        magnitude = (self.inverse @ self.mel.inverse_db(spec)).clamp_min(0.0)  # (B, F, T)
        frames = spec.shape[-1]
        wave = AF.griffinlim(magnitude, self.mel.window, c.n_fft, c.hop_length, c.n_fft, 1.0,
                             self.n_iter, 0.99, (frames - 1) * c.hop_length, False)
        return F.pad(wave, (0, c.hop_length)).clamp(-1.0, 1.0)  # (B, frames · hop)


class _ScaleDiscriminator(nn.Module):
    """One MelGAN waveform discriminator; returns every layer's activations."""

    def __init__(self, ndf: int, n_layers: int, factor: int) -> None:
        super().__init__()
        layers = [nn.Sequential(nn.ReflectionPad1d(7), WNConv1d(1, ndf, 15), nn.LeakyReLU(0.2))]
        nf = ndf
        for _ in range(n_layers):
            prev, nf = nf, min(nf * factor, 1024)
            layers.append(nn.Sequential(
                WNConv1d(prev, nf, factor * 10 + 1, stride=factor, padding=factor * 5,
                         groups=max(1, prev // 4)), nn.LeakyReLU(0.2)))
        prev, nf = nf, min(nf * 2, 1024)
        layers.append(nn.Sequential(WNConv1d(prev, nf, 5, padding=2), nn.LeakyReLU(0.2)))
        layers.append(WNConv1d(nf, 1, 3, padding=1))
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = []
        for layer in self.layers:
            x = layer(x)
            feats.append(x)
        return feats


class MultiScaleDiscriminator(nn.Module):
    """MelGAN's ``num_D`` discriminators on the waveform at successive ×2 average-pooled rates."""

    def __init__(self, num_d: int = 3, ndf: int = 16, n_layers: int = 4, factor: int = 4) -> None:
        super().__init__()
        self.discs = nn.ModuleList(_ScaleDiscriminator(ndf, n_layers, factor) for _ in range(num_d))

    def forward(self, wave: torch.Tensor) -> list[list[torch.Tensor]]:
        x, outs = wave.unsqueeze(1), []  # (B, 1, S)
        for disc in self.discs:
            outs.append(disc(x))
            x = F.avg_pool1d(x, 4, stride=2, padding=1, count_include_pad=False)
        return outs
