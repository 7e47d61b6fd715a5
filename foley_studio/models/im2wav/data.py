"""Training data for IM2WAV, read once per dataset folder and cached as safetensors.

Every clip of a split is read at a fixed length and frame rate (so clips stack), then cached:
its 16 kHz audio, and, when an encoder and a VQ-VAE are given, the L2-normalised CLIP vector of
each frame and the VQ-VAE tokens of both levels. Under torchrun rank 0 builds the cache and
the other ranks wait for it.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.distributed as dist
from tqdm import tqdm

from foley_studio.data.manifest import CSV_NAME
from foley_studio.errors import ConfigError
from foley_studio.models.weights import load_state, read_meta, save_state
from foley_studio.training.runtime import DistInfo


def cache_key(*parts: object) -> str:
    """A short stable hash naming a cache file."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def _read_clips(root: Path, split: str, seconds: float, fps: float, sample_rate: int,
                image_size: Optional[int], show: bool) -> list[dict]:
    from foley_studio.data.dataset import AVDataset

    data = AVDataset(root, split=split, sample_rate=sample_rate, seconds=seconds, fps=fps,
                     image_size=image_size)
    if len(data) == 0:
        raise ConfigError(f"{root} has no clips in split {split!r}; render some with "
                          "'foley-studio synth --out DIR --clips N'.")
    return [data[i] for i in tqdm(range(len(data)), desc="reading clips", disable=not show)]


@torch.no_grad()
def _encode(clips: list[dict], encoder, vqvae, keep_frames: bool, show: bool) -> dict[str, torch.Tensor]:
    audio = torch.from_numpy(np.stack([c["audio"] for c in clips]))  # (N, S)
    out = {"audio": audio,
           "times": torch.from_numpy(np.stack([c["frame_times"] for c in clips]).astype(np.float32))}
    if keep_frames:
        out["frames"] = torch.from_numpy(np.stack([c["frames"] for c in clips]))  # (N, F, H, W, 3)
    if encoder is not None:
        out["features"] = torch.stack([encoder.embed_frames(c["frames"])
                                       for c in tqdm(clips, desc="CLIP features", disable=not show)])
    if vqvae is not None:
        vqvae = vqvae.eval()
        tokens = [vqvae.encode(audio[i:i + 1]) for i in range(len(clips))]
        out.update(up=torch.cat([t[0] for t in tokens]), low=torch.cat([t[1] for t in tokens]))
    return out


def load_cache(root: Path, cache_dir: Path, info: DistInfo, *, split: str = "train",
               seconds: float = 4.0, fps: float = 25.0, sample_rate: int = 16000,
               encoder=None, vqvae=None, image_size: Optional[int] = None,
               keep_frames: bool = False, tag: str = "") -> tuple[dict[str, torch.Tensor], dict]:
    """Stacked tensors of every clip: audio (N, S), times (N, F) and optionally features
    (N, F, C), up (N, T_up), low (N, T_low), frames (N, F, H, W, 3); and a description with the
    clips' ids, captions and main-object event times (s). Built once by rank 0, then read from
    disk by every rank."""
    manifest = Path(root) / CSV_NAME  # a re-rendered or edited dataset gets a new cache
    stamp = manifest.stat().st_mtime_ns if manifest.is_file() else 0
    key = cache_key(Path(root).resolve(), stamp, split, seconds, fps, sample_rate, image_size,
                    keep_frames, tag)
    path = Path(cache_dir) / f"clips-{key}"
    if info.is_main and not path.with_suffix(".json").is_file():
        clips = _read_clips(Path(root), split, seconds, fps, sample_rate, image_size, show=True)
        tensors = _encode(clips, encoder, vqvae, keep_frames, show=True)
        save_state(tensors, {"ids": [c["id"] for c in clips], "captions": [c["caption"] for c in clips],
                             "events": [np.asarray(c["events"]).tolist() for c in clips],
                             "seconds": seconds, "fps": fps}, path, kind="im2wav-cache")
    if dist.is_initialized():
        dist.barrier()
    return load_state(path), read_meta(path, kind="im2wav-cache")["config"]


def random_rows(count: int, batch: int, generator: torch.Generator) -> torch.Tensor:
    """``batch`` clip indices drawn with replacement: (B,)."""
    return torch.randint(0, count, (batch,), generator=generator)


def random_offsets(lengths: int, window: int, batch: int, generator: torch.Generator,
                   multiple: int = 1) -> torch.Tensor:
    """Window starts (B,) in ``[0, lengths − window]``, multiples of ``multiple``."""
    slots = (lengths - window) // multiple + 1
    if slots < 1:
        raise ConfigError(f"Clips of {lengths} tokens are shorter than the {window}-token context; "
                          "train on longer clips (--seconds) or a smaller n_ctx.")
    return torch.randint(0, slots, (batch,), generator=generator) * multiple


def window_frames(times: torch.Tensor, start_s: torch.Tensor, count: int) -> torch.Tensor:
    """Indices (B, count) of ``count`` consecutive frames from the first one at or after each start."""
    first = torch.searchsorted(times.contiguous(), start_s[:, None].contiguous())[:, 0]  # (B,)
    first = first.clamp(0, times.shape[1] - count)
    return first[:, None] + torch.arange(count)[None]


def gather_rows(x: torch.Tensor, rows: torch.Tensor, starts: torch.Tensor, length: int) -> torch.Tensor:
    """``x[rows[b], starts[b]:starts[b]+length]`` for each b: (B, length, ...)."""
    index = starts[:, None] + torch.arange(length)[None]  # (B, length)
    return x[rows[:, None], index]


def frames_per_window(fps: float, window_s: float) -> int:
    """How many frames a training window of ``window_s`` seconds holds at ``fps``."""
    return max(1, int(round(window_s * fps)))
