"""Filling token canvases window by window with the transformer and guided unmasking.

An audio *canvas* is a ``(B, rows, N)`` token grid over any length of audio; ``unknown`` marks
the columns to generate. :func:`fill_audio` walks the canvas with model-sized windows: a window
holding a short unknown run is centred on it (context on both sides: inpainting); a longer run is
filled left to right, each new window overlapping the previous one by ``context`` columns
(outpainting and long audio). Known columns are never changed.

Guidance: the guide modality is the one with nothing to generate; its unconditional pass sees
it fully masked (and the null timing: one scale guides on pictures and sync together), and both
passes run in one batch (``2B`` rows).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import torch

from foley_studio.progress import CancelToken, ProgressFn
from foley_studio.sampling.maskgit import UnmaskSettings, guided_logits, unmask
from foley_studio.models.echoes.transformer import EchoesTransformer


@dataclass
class WindowImages:
    """Image side of one window: tokens ``(B, Lv)``, which are unknown or absent, frame columns."""

    tokens: torch.Tensor
    unknown: torch.Tensor
    absent: bool = False
    frame_cols: Optional[torch.Tensor] = None  # (B, K)
    timing: Optional[torch.Tensor] = None  # (B, cols, FEATURES): the window's sync, None without


ImagesFor = Callable[[int], WindowImages]
"""Start column of a window → its image side."""


def to_sequence(grid: torch.Tensor) -> torch.Tensor:
    """Audio grid ``(B, rows, cols)`` → time-major sequence ``(B, rows · cols)``."""
    return grid.transpose(1, 2).reshape(grid.shape[0], -1)


def to_grid(seq: torch.Tensor, rows: int) -> torch.Tensor:
    """Time-major sequence ``(B, rows · cols)`` → grid ``(B, rows, cols)``."""
    return seq.reshape(seq.shape[0], -1, rows).transpose(1, 2)


def plan_window(unknown: torch.Tensor, window: int, context: int) -> int:
    """Start column of the next window for the unknown columns ``(N,)`` (N ≥ window)."""
    cols = torch.nonzero(unknown).flatten()
    first, last, n = int(cols[0]), int(cols[-1]), unknown.shape[0]
    if last - first + 1 <= window - 2 * min(context, window // 4):
        start = (first + last + 1) // 2 - window // 2
    else:
        start = first - context
    return max(0, min(start, n - window))


def count_windows(unknown: torch.Tensor, window: int, context: int) -> int:
    """How many windows :func:`fill_audio` will run for ``unknown`` ``(N,)``."""
    unknown, count = unknown.clone(), 0
    while bool(unknown.any()):
        start = plan_window(unknown, window, context)
        unknown[start: start + window] = False
        count += 1
    return count


class Guided:
    """Logits function for one window: conditional and unconditional passes in one batch."""

    def __init__(self, model: EchoesTransformer, images: WindowImages, scale: float) -> None:
        self.model, self.images, self.scale = model, images, scale
        self.la = model.config.audio_len

    def __call__(self, tokens: torch.Tensor, unknown: torch.Tensor) -> torch.Tensor:
        la, im = self.la, self.images
        audio, image = tokens[:, :la], tokens[:, la:]
        a_mask = unknown[:, :la]
        v_mask = torch.ones_like(unknown[:, la:]) if im.absent else unknown[:, la:]
        guide = self._guide(a_mask, v_mask)
        if guide is None or self.scale == 1.0:
            return self._joint(*self.model(audio, image, a_mask, v_mask, frame_cols=im.frame_cols,
                                           timing=im.timing))
        a_null = torch.ones_like(a_mask) if guide == "audio" else a_mask
        v_null = torch.ones_like(v_mask) if guide == "image" else v_mask
        cols = None if im.frame_cols is None else im.frame_cols.repeat(2, 1)
        timing = None if im.timing is None else torch.cat([im.timing, torch.zeros_like(im.timing)])
        la_out, lv_out = self.model(audio.repeat(2, 1), image.repeat(2, 1), torch.cat([a_mask, a_null]),
                                    torch.cat([v_mask, v_null]), frame_cols=cols, timing=timing)
        both = self._joint(la_out, lv_out)  # (2B, L, C)
        b = audio.shape[0]
        return guided_logits(both[:b], both[b:], self.scale)

    def _guide(self, a_mask: torch.Tensor, v_mask: torch.Tensor) -> Optional[str]:
        if self.images.absent:
            return None
        if not bool(v_mask.any()):
            return "image"
        return "audio" if not bool(a_mask.any()) else None

    @staticmethod
    def _joint(audio: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        """Concatenate per-modality logits along the sequence, padding vocabularies with -inf."""
        c = max(audio.shape[-1], image.shape[-1])
        pad = [torch.nn.functional.pad(x.float(), (0, c - x.shape[-1]), value=float("-inf"))
               for x in (audio, image)]
        return torch.cat(pad, 1)


def fill_window(model: EchoesTransformer, audio: torch.Tensor, audio_unknown: torch.Tensor,
                images: WindowImages, *, settings: UnmaskSettings, guidance: float,
                generators: Sequence[torch.Generator], progress: Optional[ProgressFn] = None,
                cancel: Optional[CancelToken] = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Unmask one window: audio ``(B, La)`` and image ``(B, Lv)`` tokens with their unknowns."""
    la = audio.shape[1]
    tokens = torch.cat([audio.masked_fill(audio_unknown, 0), images.tokens], 1)
    unknown = torch.cat([audio_unknown, images.unknown & (not images.absent)], 1)
    out = unmask(Guided(model, images, guidance), tokens, unknown, settings=settings,
                 generators=generators, progress=progress, cancel=cancel)
    return out[:, :la], out[:, la:]


def fill_audio(model: EchoesTransformer, canvas: torch.Tensor, unknown: torch.Tensor,
               images_for: ImagesFor, *, context: int, settings: UnmaskSettings, guidance: float,
               generators: Sequence[torch.Generator], progress: Optional[ProgressFn] = None,
               cancel: Optional[CancelToken] = None) -> torch.Tensor:
    """Fill the ``unknown`` columns ``(N,)`` of ``canvas`` ``(B, rows, N)``; N ≥ the window."""
    cfg = model.config
    canvas, unknown = canvas.clone(), unknown.clone()
    total = count_windows(unknown, cfg.audio_cols, context) * settings.steps
    done = 0
    while bool(unknown.any()):
        start = plan_window(unknown, cfg.audio_cols, context)
        stop = start + cfg.audio_cols
        cols = unknown[start:stop].repeat_interleave(cfg.audio_rows)[None].expand(canvas.shape[0], -1)
        sub = (lambda d, t, base=done: progress(base + d, total)) if progress else None
        audio, _ = fill_window(model, to_sequence(canvas[..., start:stop]), cols.to(canvas.device),
                               images_for(start), settings=settings, guidance=guidance,
                               generators=generators, progress=sub, cancel=cancel)
        canvas[..., start:stop] = to_grid(audio, cfg.audio_rows)
        unknown[start:stop] = False
        done += settings.steps
    return canvas
