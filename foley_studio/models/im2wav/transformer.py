"""The priors' causal transformer: SDPA attention, optional Jukebox block-sparse layers, KV cache.

A sequence of length ``n_ctx`` is seen as ``blocks`` rows of ``block_ctx`` tokens. With
``attn_order=2`` layer ``d`` attends, in turn, within its row (causal), down its column (causal)
and to the whole previous row (no mask; the first row sees zero keys and values, so its output
there is ``c_proj``'s bias), exactly as the released IM2WAV priors do; ``attn_order=0`` is dense
causal attention everywhere and ``1`` alternates row and column. Scores are scaled by
``1/sqrt(attention width / heads)``. Each block computes ``a = attn(ln_0(x))``,
``m = mlp(ln_1(x + a))``, ``x + a + m`` (quick_gelu MLP, float32 LayerNorm, no final norm).

For sampling, :class:`KVCache` holds preallocated keys and values of every layer; a prefill writes
positions ``[0, P)`` in one pass and each step writes one position in place.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn
from torch.nn import functional as F

from foley_studio.errors import ConfigError
from foley_studio.models.im2wav.layers import FP32LayerNorm, quick_gelu

DENSE, ROW, COLUMN, PREV_ROW = "dense", "row", "column", "prev_row"
ORDERS = {0: (DENSE,), 1: (ROW, COLUMN), 2: (ROW, COLUMN, PREV_ROW)}


def layer_patterns(depth: int, attn_order: int) -> list[str]:
    """The attention pattern of each layer for a Jukebox ``attn_order`` (0, 1 or 2)."""
    if attn_order not in ORDERS:
        raise ConfigError(f"attn_order {attn_order} is not supported; use 0 (dense), 1 (row/column) "
                          "or 2 (row/column/previous row).")
    cycle = ORDERS[attn_order]
    return [cycle[d % len(cycle)] for d in range(depth)]


@dataclass
class KVCache:
    """Preallocated keys and values per layer: each (R, L, n_state)."""

    keys: list[torch.Tensor]
    values: list[torch.Tensor]

    @classmethod
    def allocate(cls, depth: int, rows: int, length: int, n_state: int, *,
                 device: torch.device, dtype: torch.dtype) -> "KVCache":
        """Empty buffers for ``rows`` sequences of up to ``length`` tokens."""
        make = lambda: torch.zeros(rows, length, n_state, device=device, dtype=dtype)  # noqa: E731
        return cls([make() for _ in range(depth)], [make() for _ in range(depth)])


def _blocked_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, pattern: str,
                       block_ctx: int) -> torch.Tensor:
    """Full-sequence attention for one pattern. q, k, v: (B, H, T, dh) with T % block_ctx == 0."""
    b, h, t, dh = q.shape
    if pattern == DENSE:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    nb = t // block_ctx
    rows = lambda x: x.reshape(b, h, nb, block_ctx, dh)  # noqa: E731
    if pattern == ROW:
        return F.scaled_dot_product_attention(rows(q), rows(k), rows(v), is_causal=True).reshape(b, h, t, dh)
    if pattern == COLUMN:
        cols = lambda x: rows(x).transpose(2, 3)  # noqa: E731  (B, H, bc, nb, dh)
        out = F.scaled_dot_product_attention(cols(q), cols(k), cols(v), is_causal=True)
        return out.transpose(2, 3).reshape(b, h, t, dh)
    shift = lambda x: F.pad(rows(x)[:, :, :-1], (0, 0, 0, 0, 1, 0))  # noqa: E731  previous row, zeros first
    return F.scaled_dot_product_attention(rows(q), shift(k), shift(v)).reshape(b, h, t, dh)


def _step_keys(k: torch.Tensor, v: torch.Tensor, pattern: str, block_ctx: int,
               pos: int) -> Optional[tuple[torch.Tensor, torch.Tensor]]:
    """The cached keys/values (R, L, D) a query at ``pos`` sees; None for the zero-padded first row."""
    if pattern == DENSE:
        return k[:, :pos + 1], v[:, :pos + 1]
    row_start = pos - pos % block_ctx
    if pattern == ROW:
        return k[:, row_start:pos + 1], v[:, row_start:pos + 1]
    if pattern == COLUMN:
        col = pos % block_ctx
        return k[:, col:pos + 1:block_ctx], v[:, col:pos + 1:block_ctx]
    if row_start == 0:
        return None
    return k[:, row_start - block_ctx:row_start], v[:, row_start - block_ctx:row_start]


class Attention(nn.Module):
    """One attention layer: ``c_attn`` → q | k | v (width ``n_state``), pattern, ``c_proj``."""

    def __init__(self, width: int, n_state: int, heads: int, pattern: str, block_ctx: int) -> None:
        super().__init__()
        if n_state % heads:
            raise ConfigError(f"Attention width {n_state} is not divisible by {heads} heads.")
        self.c_attn = nn.Linear(width, 3 * n_state)
        self.c_proj = nn.Linear(n_state, width)
        self.heads, self.n_state, self.pattern, self.block_ctx = heads, n_state, pattern, block_ctx

    def _split(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, D) → (B, H, T, D/H)
        return x.reshape(x.shape[0], x.shape[1], self.heads, -1).transpose(1, 2)

    def _merge(self, x: torch.Tensor) -> torch.Tensor:  # (B, H, T, D/H) → (B, T, D)
        return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], -1)

    def forward(self, x: torch.Tensor, cache: Optional[tuple[torch.Tensor, torch.Tensor]] = None,
                pos: int = 0) -> torch.Tensor:
        """``x`` (B, T, W) at positions ``[pos, pos+T)``; T == 1 when ``pos`` > 0 (a cached step)."""
        q, k, v = self.c_attn(x).chunk(3, dim=-1)  # 3 × (B, T, D)
        if cache is not None:
            cache[0][:, pos:pos + x.shape[1]] = k
            cache[1][:, pos:pos + x.shape[1]] = v
        if pos > 0:
            return self._step(q, cache, pos)
        t = x.shape[1]
        pad = (-t) % self.block_ctx if self.pattern != DENSE else 0
        q, k, v = (self._split(F.pad(z, (0, 0, 0, pad))) for z in (q, k, v))
        out = self._merge(_blocked_attention(q, k, v, self.pattern, self.block_ctx))[:, :t]
        return self.c_proj(out)

    def _step(self, q: torch.Tensor, cache: tuple[torch.Tensor, torch.Tensor], pos: int) -> torch.Tensor:
        seen = _step_keys(cache[0], cache[1], self.pattern, self.block_ctx, pos)
        if seen is None:  # first row of a previous-row layer: zero keys and values → zero output
            return self.c_proj(torch.zeros_like(q))
        out = F.scaled_dot_product_attention(self._split(q), self._split(seen[0]), self._split(seen[1]))
        return self.c_proj(self._merge(out))


class ResAttnBlock(nn.Module):
    """``x + a + m`` with ``a = attn(ln_0(x))`` and ``m = mlp(ln_1(x + a))``."""

    def __init__(self, width: int, n_state: int, mlp_width: int, heads: int, pattern: str,
                 block_ctx: int) -> None:
        super().__init__()
        self.ln_0 = FP32LayerNorm(width)
        self.attn = Attention(width, n_state, heads, pattern, block_ctx)
        self.ln_1 = FP32LayerNorm(width)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(width, mlp_width)
        self.mlp.c_proj = nn.Linear(mlp_width, width)

    def forward(self, x: torch.Tensor, cache: Optional[tuple[torch.Tensor, torch.Tensor]] = None,
                pos: int = 0) -> torch.Tensor:
        h = x + self.attn(self.ln_0(x), cache, pos)
        return h + self.mlp.c_proj(quick_gelu(self.mlp.c_fc(self.ln_1(h))))


class Transformer(nn.Module):
    """A stack of :class:`ResAttnBlock` over ``n_ctx`` positions split into ``blocks`` rows."""

    def __init__(self, width: int, depth: int, n_ctx: int, heads: int = 1, attn_order: int = 2,
                 blocks: int = 64, m_attn: float = 0.25, m_mlp: float = 1.0) -> None:
        super().__init__()
        if n_ctx % blocks:
            raise ConfigError(f"n_ctx {n_ctx} must be a multiple of blocks {blocks}.")
        self.n_state, self.n_ctx = int(m_attn * width), n_ctx
        block_ctx = n_ctx // blocks
        self.blocks = nn.ModuleList(
            ResAttnBlock(width, self.n_state, int(m_mlp * width), heads, p, block_ctx)
            for p in layer_patterns(depth, attn_order))

    def allocate_cache(self, rows: int, *, device: torch.device, dtype: torch.dtype) -> KVCache:
        """A KV cache for ``rows`` sequences of ``n_ctx`` tokens."""
        return KVCache.allocate(len(self.blocks), rows, self.n_ctx, self.n_state, device=device, dtype=dtype)

    def forward(self, x: torch.Tensor, cache: Optional[KVCache] = None, pos: int = 0) -> torch.Tensor:
        """(B, T, W) → (B, T, W); with ``cache``, also store keys/values at ``[pos, pos+T)``."""
        for i, block in enumerate(self.blocks):
            layer_cache = None if cache is None else (cache.keys[i], cache.values[i])
            x = block(x, layer_cache, pos)
        return x
