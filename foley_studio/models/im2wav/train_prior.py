"""What the LOW and UP trainers share: the VQ-VAE and encoder they need, the cached tokens, and
the run itself (process group, model, batches, loop)."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable, Iterator

import torch

from foley_studio.encoders.clip import ClipEncoder
from foley_studio.errors import CheckpointError
from foley_studio.models.im2wav.data import load_cache
from foley_studio.models.im2wav.vqvae import VQVAE
from foley_studio.models.timing import load_with_new_timing, padded_events
from foley_studio.models.weights import load_module, load_state, read_meta
from foley_studio.models.im2wav.training import LoopSettings, train_loop
from foley_studio.training.options import add_ranged
from foley_studio.training.runtime import DistInfo, setup_distributed, teardown_distributed


def add_prior_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments both prior trainers take besides the loop's."""
    parser.add_argument("--vqvae", type=Path, required=True,
                        help="checkpoint folder of 'train im2wav-vqvae' (its model.* files)")
    parser.add_argument("--encoder", default="ViT-B-32/openai",
                        help="CLIP encoder: an open_clip MODEL/PRETRAINED, a local encoder bundle "
                             "folder (from 'train clip'), or 'tiny' (random, for tests); "
                             "default %(default)s")
    add_ranged(parser, "fps", 25.0, "frames per second fed to CLIP")


def load_encoder(spec: str, seed: int = 0) -> ClipEncoder:
    """The encoder named on the command line."""
    if spec == "tiny":
        return ClipEncoder.tiny(seed)
    if Path(spec).is_dir():
        return ClipEncoder.from_bundle(spec)
    model, _, pretrained = spec.partition("/")
    return ClipEncoder.pretrained(model, pretrained or None)


def load_trained_vqvae(folder: Path) -> VQVAE:
    """The VQ-VAE of a training checkpoint folder."""
    if not (Path(folder) / "model.json").is_file():
        raise CheckpointError(f"{folder} is not a VQ-VAE checkpoint folder (no model.json); train "
                              "one with 'foley-studio train im2wav-vqvae'.")
    return load_module(VQVAE, Path(folder) / "model", kind="im2wav-vqvae").eval()


def token_cache(args: argparse.Namespace,
                info: DistInfo) -> tuple[dict[str, torch.Tensor], VQVAE, ClipEncoder]:
    """Cached audio tokens of both levels and CLIP features of every frame of every clip."""
    vqvae = load_trained_vqvae(args.vqvae)
    encoder = load_encoder(args.encoder, args.seed)
    tag = f"{encoder.name}|{(Path(args.vqvae) / 'model.json').read_text()}"
    cache, meta = load_cache(args.data, args.out / "cache", info, seconds=args.seconds, fps=args.fps,
                             encoder=encoder, vqvae=vqvae, tag=tag)
    cache["events"] = padded_events(meta["events"])
    return cache, vqvae, encoder


def add_init_argument(parser: argparse.ArgumentParser) -> None:
    """``--init`` and ``--timing``: fine-tune a shipped prior, adding a timing condition."""
    parser.add_argument("--init", type=Path, default=None,
                        help="start from these prior weights (a bundle's low/up files without "
                             "suffix, e.g. BUNDLE/low) instead of from scratch; its sizes are kept "
                             "(default: none, from scratch)")
    parser.add_argument("--timing", action="store_true",
                        help="add a timing condition (the sync track per token), trained on the "
                             "clips' event times and envelopes; it starts at zero (default off)")
    add_ranged(parser, "timing_lr_scale", 1.0, "the timing condition's learning rate as a multiple "
               "of --lr")


def init_prior(cls, path: Path, kind: str, timing: bool) -> torch.nn.Module:
    """``cls`` rebuilt from the weights at ``path`` (``.json`` + ``.safetensors``), with a
    zero-started timing condition when ``timing`` and the weights have none."""
    config = dict(read_meta(path, kind=kind)["config"])
    config["timing"] = bool(config.get("timing", False) or timing)
    model = cls(**config)
    load_with_new_timing(model, load_state(path), source=str(path))
    return model


def run_prior_training(args: argparse.Namespace, kind: str,
                       build: Callable[[dict, VQVAE, ClipEncoder], torch.nn.Module],
                       batches: Callable[..., Iterator[dict]], loss: Callable) -> int:
    """Train (or resume) a prior: ``build(cache, vqvae, encoder)`` makes the model and
    ``batches(cache, model, batch, fps, seed, device)`` feeds it, one process or under torchrun."""
    info = setup_distributed(args.device)
    try:
        cache, vqvae, encoder = token_cache(args, info)
        torch.manual_seed(args.seed)
        model = build(cache, vqvae, encoder)
        feed = batches(cache, model, args.batch_size, args.fps, args.seed + 1000 * info.rank,
                       info.device)
        losses = train_loop(model, model.config, kind, args.out, feed, loss,
                            LoopSettings.from_args(args, ema=True), info)
        if info.is_main and losses:
            print(f"{kind}: {losses[0]:.3f} → {losses[-1]:.3f} bits/token; weights in {args.out}")
    finally:
        teardown_distributed()
    return 0
