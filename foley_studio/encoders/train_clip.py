"""Train a small open_clip CLIP contrastively on a dataset folder's frames and captions.

``foley-studio train clip --data DIR --out FOLDER [--embed-dim 32 --image-size 64]`` writes a
local encoder bundle (``FOLDER/encoder.safetensors`` + ``.json``) usable as ``--encoder FOLDER``
by the IM2WAV prior trainers and inside IM2WAV bundles. Each step pairs one random frame of
each of ``batch`` different clips with the clip's caption (open_clip's symmetric InfoNCE loss).
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Iterator

import torch
from torch.nn import functional as F

from foley_studio.encoders.clip import KIND, ClipEncoder, ClipNetwork, tokenizer_for, preprocess, tiny_config
from foley_studio.errors import ConfigError
from foley_studio.models.im2wav.data import load_cache
from foley_studio.models.im2wav.training import LoopSettings, train_loop
from foley_studio.training.runtime import DistInfo, setup_distributed, teardown_distributed


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``train clip``."""
    parser.add_argument("--data", type=Path, required=True, help="dataset folder (vggsound.csv + video/)")
    parser.add_argument("--out", type=Path, required=True, help="encoder bundle / checkpoint folder")
    parser.add_argument("--embed-dim", type=int, default=32)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--text-width", type=int, default=64,
                        help="text transformer width (its token table is 49408 × width floats)")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--save-every", type=int, default=500)
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=4.0, help="length each clip is read at")
    parser.add_argument("--fps", type=float, default=4.0, help="frames kept per second of each clip")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None)


def pair_batches(frames: torch.Tensor, captions: list[str], tokenizer, batch: int, image_size: int,
                 seed: int, device: torch.device) -> Iterator[dict]:
    """(pixels (B, 3, S, S), caption tokens (B, L)) of ``batch`` distinct clips, forever."""
    if batch > frames.shape[0]:
        raise ConfigError(f"--batch-size {batch} exceeds the {frames.shape[0]} clips of the dataset.")
    gen = torch.Generator().manual_seed(seed)
    while True:
        rows = torch.randperm(frames.shape[0], generator=gen)[:batch]
        which = torch.randint(0, frames.shape[1], (batch,), generator=gen)
        pixels = preprocess(frames[rows, which].numpy(), image_size)
        yield {"pixels": pixels.to(device),
               "tokens": tokenizer([captions[i] for i in rows.tolist()]).to(device)}


def contrastive_loss(info: DistInfo):
    """open_clip's CLIP loss over every rank's batch."""
    import open_clip

    loss = open_clip.ClipLoss(gather_with_grad=True, rank=info.rank, world_size=info.world_size)

    def fn(model: ClipNetwork, b: dict):
        image = F.normalize(model.encode_image(b["pixels"]), dim=-1)
        text = F.normalize(model.encode_text(b["tokens"]), dim=-1)
        value = loss(image, text, model.model.logit_scale.exp())
        return value, {"logit_scale": model.model.logit_scale.exp().item()}

    return fn


def run_train(args: argparse.Namespace) -> int:
    """Train (or resume) and write the encoder bundle."""
    info = setup_distributed(args.device)
    try:
        cache, meta = load_cache(args.data, args.out / "cache", info, seconds=args.seconds, fps=args.fps,
                                 image_size=args.image_size, keep_frames=True)
        torch.manual_seed(args.seed)
        config = tiny_config(args.embed_dim, args.image_size, args.text_width)
        model = ClipNetwork(**config)
        tokenizer = tokenizer_for(model.context_length)
        batches = pair_batches(cache["frames"], meta["captions"], tokenizer, args.batch_size,
                               args.image_size, args.seed + 1000 * info.rank, info.device)
        settings = LoopSettings(steps=args.steps, lr=args.lr, warmup=args.warmup,
                                weight_decay=args.weight_decay, save_every=args.save_every,
                                log_every=args.log_every)
        losses = train_loop(model, config, KIND, args.out, batches, contrastive_loss(info), settings, info)
        if info.is_main:
            ClipEncoder(model.cpu(), tokenizer, f"clip:{args.out.name}", config).save(args.out)
            if losses:
                print(f"clip: loss {losses[0]:.3f} → {losses[-1]:.3f}; encoder bundle in {args.out}")
    finally:
        teardown_distributed()
    return 0
