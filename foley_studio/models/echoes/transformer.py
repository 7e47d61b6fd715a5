"""The Visual Echoes transformer: a MAGE-style encoder/decoder ViT over audio and image tokens.

Sequence: ``[audio tokens, image tokens]``. Audio tokens come from the spectrogram VQGAN's
``rows × cols`` grid flattened **time-major** (all frequency rows of column 0, then column 1,
...), so a time range is a contiguous run of tokens. Image tokens are ``frames`` frames of the
image VQGAN's grid, each flattened row-major.

Each modality has its own token embedding with one extra row, the [MASK] token (index = codebook
size), its own positional embedding and a modality embedding, added before the encoder and again
(decoder copies) before the decoder. The decoder pads dropped positions and replaces masked ones
with one learnable mask embedding shared by both modalities. Output logits are the dot product of
an MLM head's output with the modality's embedding weights (tied), plus a bias.

Video conditioning (``frames > 1``, beyond the paper): a learnable time embedding with one row
per audio column is added to every audio token of that column and to every image token of a
frame at that column's time, so the frames sit at their time positions.

Token dropping rule (the paper's 50 % drop conflicts with mask ratios below 0.5): each modality
drops ``⌊drop_ratio · L⌋`` tokens, **chosen only among its masked tokens**; when fewer are masked,
all masked tokens are dropped. A visible token is never dropped, so the loss and the condition
never lose information to dropping.

Timing (``timing=True``, beyond the paper): every audio column adds a
:class:`~foley_studio.models.timing.TimingEmbedding` of its timing features (the sync track seen
column by column, with each hit's offset inside its column) to all its audio tokens, on the
encoder and the decoder side. The embeddings start at zero and add nothing for the null timing.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from foley_studio.errors import ConfigError
from foley_studio.models.timing import TimingEmbedding, drop_timing
from foley_studio.training.runtime import unwrap


@dataclass(frozen=True)
class EchoesConfig:
    """Sizes of the transformer; the defaults are the paper's ViT-L over 265 + 256 tokens."""

    audio_vocab: int = 1024
    image_vocab: int = 1024
    audio_rows: int = 5
    audio_cols: int = 53
    image_tokens: int = 256
    frames: int = 1
    dim: int = 1024
    depth: int = 24
    heads: int = 16
    decoder_dim: int = 1024
    decoder_depth: int = 8
    decoder_heads: int = 16
    mlp_ratio: float = 4.0
    dropout: float = 0.1
    timing: bool = False

    @property
    def audio_len(self) -> int:
        """Audio tokens per window."""
        return self.audio_rows * self.audio_cols

    @property
    def image_len(self) -> int:
        """Image tokens per window (all frames)."""
        return self.image_tokens * self.frames

    @classmethod
    def from_dict(cls, data: dict) -> "EchoesConfig":
        """Rebuild from :meth:`to_dict` output; unknown keys are an error."""
        names = {f.name for f in fields(cls)}
        if set(data) - names:
            raise ConfigError(f"Unknown transformer settings {sorted(set(data) - names)}.")
        return cls(**data)

    def to_dict(self) -> dict:
        """JSON-safe fields."""
        return asdict(self)


class Block(nn.Module):
    """Pre-norm transformer block with full (bidirectional) attention."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float, dropout: float) -> None:
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, dim), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor, keep: Optional[torch.Tensor] = None) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, n, 3, self.heads, d // self.heads).unbind(2)
        mask = None if keep is None else keep[:, None, None, :]  # (B, 1, 1, N)
        drop = self.dropout if self.training else 0.0
        att = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                             attn_mask=mask, dropout_p=drop)  # (B, H, N, Dh)
        x = x + F.dropout(self.proj(att.transpose(1, 2).reshape(b, n, d)), drop, self.training)
        return x + self.mlp(self.norm2(x))


class MlmHead(nn.Module):
    """Linear → GELU → LayerNorm, then logits against the (tied) token embedding weights."""

    def __init__(self, decoder_dim: int, dim: int, vocab: int) -> None:
        super().__init__()
        self.dense = nn.Linear(decoder_dim, dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.bias = nn.Parameter(torch.zeros(vocab))

    def forward(self, h: torch.Tensor, embedding: nn.Embedding) -> torch.Tensor:
        h = self.norm(F.gelu(self.dense(h)))
        return h @ embedding.weight[: self.bias.shape[0]].T + self.bias  # (B, L, C)


class _Side(nn.Module):
    """Positional, modality and (video) time embeddings for one side (encoder or decoder)."""

    def __init__(self, cfg: EchoesConfig, dim: int) -> None:
        super().__init__()
        self.audio_pos = nn.Parameter(torch.randn(cfg.audio_len, dim) * 0.02)
        self.image_pos = nn.Parameter(torch.randn(cfg.image_tokens, dim) * 0.02)
        self.modality = nn.Parameter(torch.randn(2, dim) * 0.02)
        if cfg.frames > 1:
            self.time = nn.Parameter(torch.randn(cfg.audio_cols, dim) * 0.02)

    def bias(self, cfg: EchoesConfig, frame_cols: Optional[torch.Tensor], batch: int) -> torch.Tensor:
        """Additive embedding for the whole sequence: ``(B, La + Lv, D)``."""
        audio = (self.audio_pos + self.modality[0]).expand(batch, -1, -1)
        image = (self.image_pos + self.modality[1]).repeat(cfg.frames, 1).expand(batch, -1, -1)
        if cfg.frames > 1:
            audio = audio + self.time.repeat_interleave(cfg.audio_rows, 0)
            image = image + self.time[frame_cols].repeat_interleave(cfg.image_tokens, 1)
        return torch.cat([audio, image], 1)


class EchoesTransformer(nn.Module):
    """Masked generative transformer over ``[audio, image]`` token sequences."""

    def __init__(self, config: EchoesConfig) -> None:
        super().__init__()
        self.config = c = config
        self.audio_emb = nn.Embedding(c.audio_vocab + 1, c.dim)
        self.image_emb = nn.Embedding(c.image_vocab + 1, c.dim)
        self.enc_side = _Side(c, c.dim)
        self.encoder = nn.ModuleList(Block(c.dim, c.heads, c.mlp_ratio, c.dropout) for _ in range(c.depth))
        self.enc_norm = nn.LayerNorm(c.dim, eps=1e-6)
        self.decoder_embed = nn.Linear(c.dim, c.decoder_dim)
        self.mask_embed = nn.Parameter(torch.randn(c.decoder_dim) * 0.02)
        self.dec_side = _Side(c, c.decoder_dim)
        self.decoder = nn.ModuleList(Block(c.decoder_dim, c.decoder_heads, c.mlp_ratio, c.dropout)
                                     for _ in range(c.decoder_depth))
        self.dec_norm = nn.LayerNorm(c.decoder_dim, eps=1e-6)
        self.audio_head = MlmHead(c.decoder_dim, c.dim, c.audio_vocab)
        self.image_head = MlmHead(c.decoder_dim, c.dim, c.image_vocab)
        self.apply(_init)
        if c.timing:  # after _init: they start at zero
            self.timing_enc, self.timing_dec = TimingEmbedding(c.dim), TimingEmbedding(c.decoder_dim)

    @property
    def follows_sync(self) -> bool:
        """Whether the model has a timing condition."""
        return self.config.timing

    @property
    def audio_mask_id(self) -> int:
        """Token id of audio [MASK]."""
        return self.config.audio_vocab

    @property
    def image_mask_id(self) -> int:
        """Token id of image [MASK]."""
        return self.config.image_vocab

    def default_frame_cols(self, batch: int, device: torch.device) -> torch.Tensor:
        """Frames spread evenly over the window: their centre columns ``(B, K)``."""
        c = self.config
        cols = ((torch.arange(c.frames, device=device) + 0.5) * c.audio_cols / c.frames).long()
        return cols.expand(batch, -1)

    def forward(self, audio: torch.Tensor, image: torch.Tensor, audio_mask: torch.Tensor,
                image_mask: torch.Tensor, drop: Optional[torch.Tensor] = None,
                frame_cols: Optional[torch.Tensor] = None,
                timing: Optional[torch.Tensor] = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits for every position: audio ``(B, La, Ca)`` and image ``(B, Lv, Cv)``.

        ``audio`` ``(B, La)`` and ``image`` ``(B, Lv)`` hold token ids; ``*_mask`` (True = masked)
        replace them by [MASK]; ``drop`` ``(B, La + Lv)`` (True = dropped, a subset of the masked
        positions) removes positions from the encoder; ``timing`` ``(B, cols, FEATURES)`` are the
        columns' timing features (None: no sync).
        """
        c = self.config
        self._check(audio, image)
        b = audio.shape[0]
        if c.frames > 1 and frame_cols is None:
            frame_cols = self.default_frame_cols(b, audio.device)
        masked = torch.cat([audio_mask, image_mask], 1)  # (B, L)
        x = torch.cat([self.audio_emb(audio.masked_fill(audio_mask, self.audio_mask_id)),
                       self.image_emb(image.masked_fill(image_mask, self.image_mask_id))], 1)
        x = x + self.enc_side.bias(c, frame_cols, b) + self._timing("timing_enc", timing, x.shape[1])
        h = self._decode(self._encode(x, drop), masked, drop, frame_cols, timing)  # (B, L, Dd)
        la = c.audio_len
        return self.audio_head(h[:, :la], self.audio_emb), self.image_head(h[:, la:], self.image_emb)

    def _encode(self, x: torch.Tensor, drop: Optional[torch.Tensor]) -> torch.Tensor:
        """Encoder over kept positions, scattered back to full length (zeros where dropped)."""
        if drop is None:
            for block in self.encoder:
                x = block(x)
            return self.decoder_embed(self.enc_norm(x))
        order = torch.argsort(drop.to(torch.int8), dim=1, stable=True)  # kept positions first
        n_kept = (~drop).sum(1)  # (B,)
        width = int(n_kept.max())
        idx = order[:, :width]  # (B, K)
        keep = torch.arange(width, device=x.device)[None] < n_kept[:, None]  # (B, K)
        h = torch.gather(x, 1, idx[..., None].expand(-1, -1, x.shape[-1]))
        for block in self.encoder:
            h = block(h, keep)
        h = self.decoder_embed(self.enc_norm(h)) * keep[..., None]
        out = h.new_zeros(x.shape[0], x.shape[1], h.shape[-1])
        return out.scatter(1, idx[..., None].expand(-1, -1, h.shape[-1]), h)

    def _decode(self, h: torch.Tensor, masked: torch.Tensor, drop: Optional[torch.Tensor],
                frame_cols: Optional[torch.Tensor], timing: Optional[torch.Tensor]) -> torch.Tensor:
        pad = masked if drop is None else masked | drop
        h = torch.where(pad[..., None], self.mask_embed.to(h.dtype), h)
        h = h + self.dec_side.bias(self.config, frame_cols, h.shape[0])
        h = h + self._timing("timing_dec", timing, h.shape[1])
        for block in self.decoder:
            h = block(h)
        return self.dec_norm(h)

    def _timing(self, name: str, timing: Optional[torch.Tensor], length: int) -> torch.Tensor | float:
        """Per-column timing ``(B, cols, F)`` → additive ``(B, L, D)`` on the audio tokens (0 without)."""
        if timing is None or not self.config.timing:
            return 0.0
        audio = getattr(self, name)(timing).repeat_interleave(self.config.audio_rows, 1)  # (B, La, D)
        return F.pad(audio, (0, 0, 0, length - audio.shape[1]))

    def _check(self, audio: torch.Tensor, image: torch.Tensor) -> None:
        c = self.config
        if audio.shape[1] != c.audio_len or image.shape[1] != c.image_len:
            raise ConfigError(f"The transformer takes {c.audio_len} audio and {c.image_len} image "
                              f"tokens; got {audio.shape[1]} and {image.shape[1]}.")


def _init(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, std=0.02)


# ---- training-time masking -------------------------------------------------------------------

def truncated_normal(n: int, mean: float, std: float, low: float, high: float,
                     generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """``n`` draws from N(mean, std²) truncated to [low, high] (inverse-CDF sampling)."""
    normal = torch.distributions.Normal(torch.tensor(mean, dtype=torch.float64),
                                        torch.tensor(std, dtype=torch.float64))
    lo, hi = normal.cdf(torch.tensor(low)), normal.cdf(torch.tensor(high))
    u = lo + (hi - lo) * torch.rand(n, generator=generator, dtype=torch.float64)
    return normal.icdf(u).clamp(low, high).float()


def random_mask(ratios: torch.Tensor, length: int,
                generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Per row, mask ``ceil(ratio · length)`` random positions (at least one): ``(B, L)`` bool."""
    counts = torch.ceil(ratios * length).long().clamp(1, length)  # (B,)
    scores = torch.rand(len(ratios), length, generator=generator)
    rank = scores.argsort(1).argsort(1)
    return rank < counts[:, None]


def drop_from_masked(mask: torch.Tensor, drop_ratio: float,
                     generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Drop ``⌊drop_ratio · L⌋`` positions per row, only among masked ones: ``(B, L)`` bool."""
    b, length = mask.shape
    target = math.floor(drop_ratio * length)
    counts = mask.sum(1).clamp(max=target)  # (B,)
    scores = torch.rand(b, length, generator=generator) + (~mask).float() * 2.0  # visible rank last
    rank = scores.argsort(1).argsort(1)
    return rank < counts[:, None]


@dataclass(frozen=True)
class MaskingConfig:
    """Training-time masking: truncated Gaussian ratios per modality, then token dropping.

    ``cond_prob`` and ``null_prob`` (0 in the paper) are the shares of rows in which one modality,
    picked at random, is left whole (as the condition is at inference) or masked whole (the null
    condition classifier-free guidance compares against: the paper's "CFG training").
    Timing features, when given, are the null ones in every row whose image is masked whole (so
    guidance compares "pictures and sync" with "neither") and otherwise in ``timing_null_prob``
    of the rows; half the rows lose the envelope.
    """

    mean: float = 0.7
    std: float = 0.25
    low: float = 0.2
    high: float = 1.0
    drop_ratio: float = 0.5
    cond_prob: float = 0.0
    null_prob: float = 0.0
    timing_null_prob: float = 0.2


def sample_masks(batch: int, cfg: EchoesConfig, masking: MaskingConfig,
                 generator: Optional[torch.Generator] = None) -> tuple[torch.Tensor, ...]:
    """Audio mask ``(B, La)``, image mask ``(B, Lv)`` and drop ``(B, La + Lv)``, ratios drawn per modality."""
    m = masking
    ratio_a = truncated_normal(batch, m.mean, m.std, m.low, m.high, generator)
    ratio_v = truncated_normal(batch, m.mean, m.std, m.low, m.high, generator)
    audio_mask = random_mask(ratio_a, cfg.audio_len, generator)
    image_mask = random_mask(ratio_v, cfg.image_len, generator)
    if m.cond_prob or m.null_prob:
        audio_mask, image_mask = whole_modality(audio_mask, image_mask, m, generator)
    drop = torch.cat([drop_from_masked(audio_mask, m.drop_ratio, generator),
                      drop_from_masked(image_mask, m.drop_ratio, generator)], 1)
    return audio_mask, image_mask, drop


def whole_modality(audio_mask: torch.Tensor, image_mask: torch.Tensor, masking: MaskingConfig,
                   generator: Optional[torch.Generator] = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Leave one modality unmasked in ``cond_prob`` of the rows and mask one whole in ``null_prob``.

    Masks are ``(B, La)`` and ``(B, Lv)`` bool; the modality is drawn per row, each with odds 1/2.
    """
    u = torch.rand(audio_mask.shape[0], generator=generator)  # (B,)
    on_audio = torch.rand(audio_mask.shape[0], generator=generator) < 0.5  # (B,)
    show = u < masking.cond_prob
    hide = (u >= masking.cond_prob) & (u < masking.cond_prob + masking.null_prob)
    audio_mask = torch.where((show & on_audio)[:, None], False, audio_mask)
    audio_mask = torch.where((hide & on_audio)[:, None], True, audio_mask)
    image_mask = torch.where((show & ~on_audio)[:, None], False, image_mask)
    image_mask = torch.where((hide & ~on_audio)[:, None], True, image_mask)
    return audio_mask, image_mask


def masked_loss(model: nn.Module, audio: torch.Tensor, image: torch.Tensor,
                masking: MaskingConfig, *, label_smoothing: float = 0.0,
                frame_cols: Optional[torch.Tensor] = None, timing: Optional[torch.Tensor] = None,
                generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Cross-entropy on the masked positions of both modalities (mean over masked tokens).

    ``model`` is an :class:`EchoesTransformer`, possibly wrapped in DDP; ``timing``
    ``(B, cols, FEATURES)`` the columns' timing features, dropped as :class:`MaskingConfig` says.
    """
    cfg = unwrap(model).config
    audio_mask, image_mask, drop = (t.to(audio.device) for t in
                                    sample_masks(audio.shape[0], cfg, masking, generator))
    if timing is not None:
        b = audio.shape[0]
        null = image_mask.all(1) | (torch.rand(b, generator=generator) < masking.timing_null_prob).to(audio.device)
        timing = drop_timing(timing, null, (torch.rand(b, generator=generator) < 0.5).to(audio.device))
    logits_a, logits_v = model(audio, image, audio_mask, image_mask, drop, frame_cols, timing)
    loss_a = F.cross_entropy(logits_a[audio_mask], audio[audio_mask], reduction="sum",
                             label_smoothing=label_smoothing)
    loss_v = F.cross_entropy(logits_v[image_mask], image[image_mask], reduction="sum",
                             label_smoothing=label_smoothing)
    return (loss_a + loss_v) / (audio_mask.sum() + image_mask.sum())
