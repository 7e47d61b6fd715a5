"""Convolution stacks shared by the VQ-VAE and the UP prior's token upsampler.

The module names (``model``, ``blocks``) follow the Jukebox layout so that released state dicts
map onto these modules one to one: a residual stack is ``model.{d}.model.{1,3}`` (two convs
around ReLUs), a downsampling stage is ``model.{i}.{0: conv, 1: residual stack}`` and an
upsampling stage ``model.{i}.{0: residual stack, 1: transposed conv}``.

``upsample="linear"`` or ``"nearest"`` replaces each transposed conv by that interpolation and a
k3 conv (``model.{i}.{0: residual stack, 1: interpolation, 2: conv}``). A transposed conv turns a
steady input into a pattern repeating every ``stride`` samples, so a decoder of such stages stamps
its token rate on the output as a harmonic comb (500 Hz at hop 32); interpolation keeps a steady
input steady and has a null at each stage's input rate (Pons et al., "Upsampling artifacts in
neural audio synthesis", 2021).
"""
from __future__ import annotations

import torch
from torch import nn


def quick_gelu(x: torch.Tensor) -> torch.Tensor:
    """The activation of the official priors: ``x·σ(1.702·x)``."""
    return x * torch.sigmoid(1.702 * x)


class FP32LayerNorm(nn.LayerNorm):
    """LayerNorm (eps 1e-5) computed in float32 whatever the input dtype, as the official priors'.

    torch's own kernels already compute in float32 for bfloat16 and float16 inputs and round once
    at the end, so no casts are made here: a sampling step runs two of these per layer, and the
    four casts around each cost more than the normalisation itself.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)


class ResConv1D(nn.Module):
    """``x + conv1x1(relu(conv3_dilated(relu(x))))`` with padding equal to the dilation."""

    def __init__(self, channels: int, hidden: int, dilation: int) -> None:
        super().__init__()
        self.model = nn.Sequential(
            nn.ReLU(),
            nn.Conv1d(channels, hidden, 3, 1, dilation, dilation),
            nn.ReLU(),
            nn.Conv1d(hidden, channels, 1, 1, 0),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, T) → (B, C, T)
        return x + self.model(x)


def dilations(depth: int, growth: int, cycle: int | None, reverse: bool) -> list[int]:
    """Dilation of each residual block: ``growth**(d mod cycle)``, optionally reversed."""
    out = [growth ** (d % cycle if cycle else d) for d in range(depth)]
    return out[::-1] if reverse else out


class Resnet1D(nn.Module):
    """A stack of dilated residual blocks, held as ``model`` or (``list_layout``) as ``blocks``."""

    def __init__(self, channels: int, depth: int, m_conv: float = 1.0, growth: int = 3,
                 cycle: int | None = None, reverse: bool = False, list_layout: bool = False) -> None:
        super().__init__()
        hidden = int(m_conv * channels)
        layers = [ResConv1D(channels, hidden, d) for d in dilations(depth, growth, cycle, reverse)]
        self.list_layout = list_layout
        if list_layout:
            self.blocks = nn.ModuleList(layers)
        else:
            self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, T)
        if not self.list_layout:
            return self.model(x)
        for block in self.blocks:
            x = block(x)
        return x


class DownStack(nn.Module):
    """``down`` strided convs (each followed by a residual stack), then a k3 conv to ``out_ch``."""

    def __init__(self, in_ch: int, out_ch: int, down: int, stride: int, width: int, depth: int,
                 m_conv: float, growth: int, cycle: int | None) -> None:
        super().__init__()
        kernel, pad = 2 * stride, stride // 2
        stages: list[nn.Module] = [
            nn.Sequential(nn.Conv1d(in_ch if i == 0 else width, width, kernel, stride, pad),
                          Resnet1D(width, depth, m_conv, growth, cycle))
            for i in range(down)]
        stages.append(nn.Conv1d(width, out_ch, 3, 1, 1))
        self.model = nn.Sequential(*stages)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, in, T) → (B, out, T / stride**down)
        return self.model(x)


UPSAMPLERS = ("transpose", "linear", "nearest")


def upsampler(kind: str, in_ch: int, out_ch: int, stride: int) -> list[nn.Module]:
    """One ×``stride`` upsampling step: a transposed conv (Jukebox) or interpolation + k3 conv."""
    if kind == "transpose":
        return [nn.ConvTranspose1d(in_ch, out_ch, 2 * stride, stride, stride // 2)]
    if kind in ("linear", "nearest"):
        interpolate = dict(mode="linear", align_corners=False) if kind == "linear" else dict(mode="nearest")
        return [nn.Upsample(scale_factor=stride, **interpolate), nn.Conv1d(in_ch, out_ch, 3, 1, 1)]
    raise ValueError(f"unknown upsampler {kind!r}; use one of {', '.join(UPSAMPLERS)}")


class UpStack(nn.Module):
    """A k3 conv from ``in_ch`` to ``width``, then ``down`` × (residual stack, ×``stride`` upsampler)."""

    def __init__(self, in_ch: int, out_ch: int, down: int, stride: int, width: int, depth: int,
                 m_conv: float, growth: int, cycle: int | None, reverse: bool,
                 list_layout: bool = False, upsample: str = "transpose") -> None:
        super().__init__()
        stages: list[nn.Module] = [nn.Conv1d(in_ch, width, 3, 1, 1)]
        for i in range(down):
            last = i == down - 1
            stages.append(nn.Sequential(
                Resnet1D(width, depth, m_conv, growth, cycle, reverse, list_layout),
                *upsampler(upsample, width, out_ch if last else width, stride)))
        self.model = nn.Sequential(*stages)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, in, T) → (B, out, T · stride**down)
        return self.model(x)
