"""Taming-style 2D VQGAN: the spectrogram tokenizer and the image tokenizer.

The module tree reproduces the taming-transformers ``VQModel`` (and SpecVQGAN's, which is the
same with one input channel) so that official state dicts load by name: ``encoder.conv_in``,
``encoder.down.{i}.block.{j}.{norm1,conv1,norm2,conv2,nin_shortcut}``,
``encoder.down.{i}.attn.{j}.{norm,q,k,v,proj_out}``, ``encoder.down.{i}.downsample.conv``,
``encoder.mid.{block_1,attn_1,block_2}``, ``encoder.norm_out``, ``encoder.conv_out``, the mirrored
``decoder.*`` with ``up.{i}.upsample.conv``, ``quant_conv``, ``post_quant_conv`` and
``quantize.embedding.weight``.

Settings: SpecVQGAN's VGGSound codebook is :meth:`VQGANConfig.spectrogram` (1×80×848 → 5×53
tokens), taming's ImageNet f16/1024 is :meth:`VQGANConfig.image` (3×256×256 → 16×16).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn

from foley_studio.errors import ConfigError


@dataclass(frozen=True)
class VQGANConfig:
    """Architecture of one VQGAN; ``resolution`` is the input width that sets where attention sits."""

    in_channels: int = 1
    out_channels: int = 1
    ch: int = 128
    ch_mult: tuple[int, ...] = (1, 1, 2, 2, 4)
    num_res_blocks: int = 2
    attn_resolutions: tuple[int, ...] = (53,)
    resolution: int = 848
    z_channels: int = 256
    embed_dim: int = 256
    n_embed: int = 1024
    dropout: float = 0.0
    beta: float = 0.25
    norm_groups: int = 32

    @property
    def downsample(self) -> int:
        """Input pixels per token along each axis."""
        return 2 ** (len(self.ch_mult) - 1)

    @classmethod
    def spectrogram(cls) -> "VQGANConfig":
        """SpecVQGAN's VGGSound codebook (80×848 mel → 5×53 tokens, 1024 codes)."""
        return cls()

    @classmethod
    def image(cls) -> "VQGANConfig":
        """Taming's ImageNet VQGAN f16/1024 (256×256 RGB → 16×16 tokens)."""
        return cls(in_channels=3, out_channels=3, attn_resolutions=(16,), resolution=256)

    @classmethod
    def from_dict(cls, data: dict) -> "VQGANConfig":
        """Rebuild from :meth:`to_dict` output (lists become tuples); unknown keys are an error."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"Unknown VQGAN settings {unknown}; expected some of {sorted(names)}.")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})

    def to_dict(self) -> dict:
        """JSON-safe fields."""
        return asdict(self)


def _norm(channels: int, groups: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(groups, channels), channels, eps=1e-6, affine=True)


class ResnetBlock(nn.Module):
    """GroupNorm → swish → conv3×3, twice, with a 1×1 shortcut when the width changes."""

    def __init__(self, cin: int, cout: int, dropout: float, groups: int) -> None:
        super().__init__()
        self.norm1 = _norm(cin, groups)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.norm2 = _norm(cout, groups)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        skip = self.nin_shortcut(x) if hasattr(self, "nin_shortcut") else x
        return skip + h


class AttnBlock(nn.Module):
    """Single-head self-attention over all positions of a feature map (1×1 conv projections)."""

    def __init__(self, channels: int, groups: int) -> None:
        super().__init__()
        self.norm = _norm(channels, groups)
        self.q, self.k, self.v, self.proj_out = (nn.Conv2d(channels, channels, 1) for _ in range(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        n = self.norm(x)
        q, k, v = (m(n).reshape(b, 1, c, h * w).transpose(2, 3) for m in (self.q, self.k, self.v))
        out = F.scaled_dot_product_attention(q, k, v)  # (B, 1, HW, C)
        return x + self.proj_out(out.transpose(2, 3).reshape(b, c, h, w))


class Downsample(nn.Module):
    """Pad right/bottom by one, then a stride-2 3×3 conv (taming's asymmetric padding)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, 2, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample(nn.Module):
    """Nearest ×2, then a 3×3 conv."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


def _level(cin: int, cout: int, blocks: int, attn: bool, cfg: VQGANConfig) -> nn.Module:
    level = nn.Module()
    level.block = nn.ModuleList(ResnetBlock(cin if i == 0 else cout, cout, cfg.dropout,
                                            cfg.norm_groups) for i in range(blocks))
    level.attn = nn.ModuleList(AttnBlock(cout, cfg.norm_groups) for _ in range(blocks if attn else 0))
    return level


def _mid(channels: int, cfg: VQGANConfig) -> nn.Module:
    mid = nn.Module()
    mid.block_1 = ResnetBlock(channels, channels, cfg.dropout, cfg.norm_groups)
    mid.attn_1 = AttnBlock(channels, cfg.norm_groups)
    mid.block_2 = ResnetBlock(channels, channels, cfg.dropout, cfg.norm_groups)
    return mid


def _run_level(level: nn.Module, h: torch.Tensor) -> torch.Tensor:
    for i, block in enumerate(level.block):
        h = block(h)
        if len(level.attn):
            h = level.attn[i](h)
    return h


def _run_mid(mid: nn.Module, h: torch.Tensor) -> torch.Tensor:
    return mid.block_2(mid.attn_1(mid.block_1(h)))


class Encoder(nn.Module):
    """Image/spectrogram ``(B, C, H, W)`` → latent ``(B, z, H/f, W/f)``."""

    def __init__(self, cfg: VQGANConfig) -> None:
        super().__init__()
        self.conv_in = nn.Conv2d(cfg.in_channels, cfg.ch, 3, 1, 1)
        mults, res = (1, *cfg.ch_mult), cfg.resolution
        self.down = nn.ModuleList()
        for i, mult in enumerate(cfg.ch_mult):
            level = _level(cfg.ch * mults[i], cfg.ch * mult, cfg.num_res_blocks,
                           res in cfg.attn_resolutions, cfg)
            if i != len(cfg.ch_mult) - 1:
                level.downsample = Downsample(cfg.ch * mult)
                res //= 2
            self.down.append(level)
        width = cfg.ch * cfg.ch_mult[-1]
        self.mid = _mid(width, cfg)
        self.norm_out = _norm(width, cfg.norm_groups)
        self.conv_out = nn.Conv2d(width, cfg.z_channels, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv_in(x)
        for level in self.down:
            h = _run_level(level, h)
            if hasattr(level, "downsample"):
                h = level.downsample(h)
        h = _run_mid(self.mid, h)
        return self.conv_out(F.silu(self.norm_out(h)))


class Decoder(nn.Module):
    """Latent ``(B, z, h, w)`` → ``(B, C, h·f, w·f)`` (no output squashing, as in taming)."""

    def __init__(self, cfg: VQGANConfig) -> None:
        super().__init__()
        width = cfg.ch * cfg.ch_mult[-1]
        res = cfg.resolution // cfg.downsample
        self.conv_in = nn.Conv2d(cfg.z_channels, width, 3, 1, 1)
        self.mid = _mid(width, cfg)
        levels = []
        for i in reversed(range(len(cfg.ch_mult))):
            out = cfg.ch * cfg.ch_mult[i]
            level = _level(width, out, cfg.num_res_blocks + 1, res in cfg.attn_resolutions, cfg)
            width = out
            if i != 0:
                level.upsample = Upsample(out)
                res *= 2
            levels.insert(0, level)
        self.up = nn.ModuleList(levels)
        self.norm_out = _norm(width, cfg.norm_groups)
        self.conv_out = nn.Conv2d(width, cfg.out_channels, 3, 1, 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = _run_mid(self.mid, self.conv_in(z))
        for level in reversed(self.up):
            h = _run_level(level, h)
            if hasattr(level, "upsample"):
                h = level.upsample(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class VectorQuantizer(nn.Module):
    """Nearest-code quantiser with a straight-through gradient (plain argmin, no EMA)."""

    def __init__(self, n_embed: int, embed_dim: int, beta: float) -> None:
        super().__init__()
        self.beta = beta
        self.embedding = nn.Embedding(n_embed, embed_dim)
        nn.init.uniform_(self.embedding.weight, -1.0 / n_embed, 1.0 / n_embed)

    def indices(self, z: torch.Tensor) -> torch.Tensor:
        """Latent ``(B, D, h, w)`` → code indices ``(B, h, w)``."""
        flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])  # (N, D)
        codes = self.embedding.weight
        dist = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ codes.T + codes.pow(2).sum(1)[None]
        return dist.argmin(1).reshape(z.shape[0], z.shape[2], z.shape[3])

    def lookup(self, idx: torch.Tensor) -> torch.Tensor:
        """Indices ``(B, h, w)`` → code vectors ``(B, D, h, w)``."""
        return self.embedding(idx).permute(0, 3, 1, 2)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        idx = self.indices(z)
        zq = self.lookup(idx)
        loss = F.mse_loss(zq, z.detach()) + self.beta * F.mse_loss(z, zq.detach())
        return z + (zq - z).detach(), loss, idx


class VQGAN(nn.Module):
    """Encoder, quantiser and decoder; inputs and outputs live in [-1, 1]."""

    def __init__(self, config: VQGANConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)
        self.quantize = VectorQuantizer(config.n_embed, config.embed_dim, config.beta)
        self.quant_conv = nn.Conv2d(config.z_channels, config.embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(config.embed_dim, config.z_channels, 1)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(B, C, H, W)`` → quantised latent, codebook loss, indices ``(B, H/f, W/f)``."""
        self._check(x)
        return self.quantize(self.quant_conv(self.encoder(x)))

    def decode_latent(self, zq: torch.Tensor) -> torch.Tensor:
        """Quantised latent ``(B, D, h, w)`` → reconstruction ``(B, C, h·f, w·f)``."""
        return self.decoder(self.post_quant_conv(zq))

    @torch.no_grad()
    def tokenize(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W)`` in [-1, 1] → indices ``(B, H/f, W/f)``."""
        self._check(x)
        return self.quantize.indices(self.quant_conv(self.encoder(x)))

    @torch.no_grad()
    def detokenize(self, idx: torch.Tensor) -> torch.Tensor:
        """Indices ``(B, h, w)`` → ``(B, C, h·f, w·f)``."""
        return self.decode_latent(self.quantize.lookup(idx))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        zq, qloss, idx = self.encode(x)
        return self.decode_latent(zq), qloss, idx

    def _check(self, x: torch.Tensor) -> None:
        f, c = self.config.downsample, self.config.in_channels
        if x.dim() != 4 or x.shape[1] != c or x.shape[2] % f or x.shape[3] % f:
            raise ConfigError(f"The VQGAN takes (B, {c}, H, W) with H and W multiples of {f}; "
                              f"got {tuple(x.shape)}.")
