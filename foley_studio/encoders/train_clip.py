"""Train a small open_clip CLIP contrastively on a dataset folder's frames and captions.

``foley-studio train clip --data DIR --out FOLDER [--embed-dim 32 --image-size 64]`` writes a
local encoder bundle (``FOLDER/encoder.safetensors`` + ``.json``) usable as ``--encoder FOLDER``
by the IM2WAV prior trainers and inside IM2WAV bundles. Each step pairs one random frame of
each of ``batch`` different clips with the clip's caption (open_clip's symmetric InfoNCE loss).

Frames of one clip share a caption, so that loss teaches frame vectors to ignore *when* in a clip
a frame lies, and per-frame conditioning (IM2WAV's video mode) then cannot time a sound to what
it shows. ``--event-frames`` trains on pairs from each clip instead: a frame showing one of the
main object's events, captioned "…, at the moment it sounds", and a frame away from events with
the plain caption. The same clip on both sides of the contrast makes the vectors tell the two
apart. Rows whose captions are equal are all counted as matches (soft targets).
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
from foley_studio.training.options import add_loop_options, add_ranged
from foley_studio.training.runtime import DistInfo, setup_distributed, teardown_distributed


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``train clip``."""
    parser.add_argument("--data", type=Path, required=True, help="dataset folder (vggsound.csv + video/)")
    parser.add_argument("--out", type=Path, required=True, help="encoder bundle / checkpoint folder")
    add_ranged(parser, "embed_dim", 32, "width of the shared image/text vectors")
    add_ranged(parser, "image_size", 64, "side of the square frames the encoder sees (pixels)")
    add_ranged(parser, "text_width", 64, "text transformer width (its token table is 49408 × "
               "width floats)")
    add_loop_options(parser, steps=2000, batch_size=16, lr=5e-4, warmup=100, weight_decay=0.1,
                     save_every=500, log_every=10)
    add_ranged(parser, "seconds", 4.0, "length each clip is read at (s)")
    add_ranged(parser, "fps", 4.0, "frames kept per second of each clip")
    parser.add_argument("--event-frames", action="store_true",
                        help="pair each clip's event frame (caption + EVENT_WORDS) with a frame away "
                             "from events, so frame vectors show when a sound starts (use --fps 25; "
                             "default off)")
    add_loop_options(parser, seed=0)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")


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


EVENT_WORDS = ", at the moment it sounds"
QUIET_FRAMES = 3   # a frame this many frames or more from every event counts as "away"


def event_pair_batches(frames: torch.Tensor, times: torch.Tensor, captions: list[str],
                       events: list[list[float]], tokenizer, batch: int, image_size: int, seed: int,
                       device: torch.device) -> Iterator[dict]:
    """Pixels (2P, 3, S, S), tokens (2P, L) and caption equality (2P, 2P) of P = batch // 2
    distinct clips, each giving an event frame and a frame away from events, forever."""
    if batch // 2 > frames.shape[0] or batch < 2:
        raise ConfigError(f"--batch-size {batch} must be at least 2 and at most twice the "
                          f"{frames.shape[0]} clips of the dataset.")
    gen = torch.Generator().manual_seed(seed)
    while True:
        rows = torch.randperm(frames.shape[0], generator=gen)[:batch // 2].tolist()
        picks = [event_frame_pair(times[r], events[r], gen) for r in rows]
        index = [(r, f) for r, pair in zip(rows, picks) for f in pair]  # 2P (clip, frame)
        texts = [captions[r] + (EVENT_WORDS if k == 0 and events[r] else "")
                 for r in rows for k in range(2)]
        pixels = preprocess(torch.stack([frames[r, f] for r, f in index]).numpy(), image_size)
        same = torch.tensor([[a == b for b in texts] for a in texts], dtype=torch.float32)
        yield {"pixels": pixels.to(device), "tokens": tokenizer(texts).to(device), "same": same.to(device)}


def event_frame_pair(times: torch.Tensor, events: list[float], gen: torch.Generator) -> tuple[int, int]:
    """(a frame at one of ``events``, a frame away from all) in a clip whose frames lie at ``times`` (F,)."""
    n = len(times)
    if not events:  # nothing to contrast: two random frames under the plain caption
        return tuple(torch.randint(0, n, (2,), generator=gen).tolist())
    at = torch.searchsorted(times, torch.tensor(events, dtype=times.dtype) - 1e-4).clamp(max=n - 1)  # (E,)
    gap = (torch.arange(n)[:, None] - at[None]).abs().min(1).values  # (F,) frames to the nearest event
    quiet = torch.nonzero(gap >= QUIET_FRAMES).flatten()
    quiet = quiet if len(quiet) else torch.nonzero(gap > 0).flatten()
    event = at[torch.randint(0, len(at), (1,), generator=gen)].item()
    return event, quiet[torch.randint(0, len(quiet), (1,), generator=gen)].item()


def soft_contrastive_loss(model: ClipNetwork, b: dict):
    """Symmetric InfoNCE whose targets spread over every row with the same caption."""
    image = F.normalize(model.encode_image(b["pixels"]), dim=-1)  # (R, D)
    text = F.normalize(model.encode_text(b["tokens"]), dim=-1)  # (R, D)
    logits = model.model.logit_scale.exp() * image @ text.T  # (R, R)
    target = b["same"] / b["same"].sum(1, keepdim=True)
    value = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
    return value, {"logit_scale": model.model.logit_scale.exp().item()}


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


def _batches(args: argparse.Namespace, cache: dict, meta: dict, tokenizer, info: DistInfo):
    """The batch stream and loss ``--event-frames`` asks for."""
    seed = args.seed + 1000 * info.rank
    if args.event_frames:  # each rank contrasts its own pairs (the soft targets are per batch)
        if not any(meta["events"]):
            raise ConfigError(f"--event-frames needs event times, and no clip in {args.data} has any "
                              "(events.jsonl); train without it.")
        stream = event_pair_batches(cache["frames"], cache["times"], meta["captions"], meta["events"],
                                    tokenizer, args.batch_size, args.image_size, seed, info.device)
        return stream, soft_contrastive_loss
    return pair_batches(cache["frames"], meta["captions"], tokenizer, args.batch_size, args.image_size,
                        seed, info.device), contrastive_loss(info)


def run_train(args: argparse.Namespace) -> int:
    """Train (or resume) and write the encoder bundle."""
    info = setup_distributed(args.device)
    try:
        cache, meta = load_cache(args.data, args.out / "cache", info, seconds=args.seconds, fps=args.fps,
                                 image_size=args.image_size, keep_frames=True,
                                 tag="events" if args.event_frames else "")
        torch.manual_seed(args.seed)
        config = tiny_config(args.embed_dim, args.image_size, args.text_width)
        model = ClipNetwork(**config)
        tokenizer = tokenizer_for(model.context_length)
        batches, loss = _batches(args, cache, meta, tokenizer, info)
        settings = LoopSettings(steps=args.steps, lr=args.lr, warmup=args.warmup,
                                weight_decay=args.weight_decay, save_every=args.save_every,
                                log_every=args.log_every)
        losses = train_loop(model, config, KIND, args.out, batches, loss, settings, info)
        if info.is_main:
            ClipEncoder(model.cpu(), tokenizer, f"clip:{args.out.name}", config).save(args.out)
            if losses:
                print(f"clip: loss {losses[0]:.3f} → {losses[-1]:.3f}; encoder bundle in {args.out}")
    finally:
        teardown_distributed()
    return 0
