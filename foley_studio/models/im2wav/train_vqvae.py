"""Train the IM2WAV VQ-VAE (both levels) on a dataset folder's audio.

``foley-studio train im2wav-vqvae --data DIR --out CKPT [--preset tiny|paper] [--segment S]``;
under ``torchrun --nproc_per_node N`` it trains data-parallel unchanged.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Iterator

import torch

from foley_studio.errors import ConfigError
from foley_studio.models.im2wav.data import load_cache, random_offsets, random_rows
from foley_studio.models.im2wav.generator import TINY_VQVAE, WORLD_VQVAE
from foley_studio.models.im2wav.layers import UPSAMPLERS
from foley_studio.models.im2wav.losses import COMB_FFT_HOPS
from foley_studio.models.im2wav.train_prior import load_trained_vqvae
from foley_studio.models.im2wav.training import LoopSettings, add_loop_arguments, train_loop
from foley_studio.models.im2wav.vqvae import VQVAE
from foley_studio.training.options import add_ranged
from foley_studio.training.runtime import setup_distributed, teardown_distributed

KIND = "im2wav-vqvae"
PRESETS = {"tiny": TINY_VQVAE, "world": WORLD_VQVAE, "paper": {}}


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``train im2wav-vqvae``."""
    add_loop_arguments(parser)
    add_ranged(parser, "segment_seconds", 1.0, "seconds of audio per example, within --seconds")
    parser.add_argument("--init", type=Path, default=None,
                        help="start from the weights of this 'train im2wav-vqvae' folder "
                             "(default: none, from scratch)")
    parser.add_argument("--decoders-only", action="store_true",
                        help="train only the decoders: encoders and codebooks stay frozen, so the "
                             "tokens (and priors trained on them) stay valid (default off)")
    parser.add_argument("--upsample", choices=UPSAMPLERS, default=None,
                        help="the decoders' upsampling: 'transpose' (Jukebox's transposed convs), "
                             "or 'linear' or 'nearest' interpolation + conv (no token-rate comb by "
                             "construction); with --init, a change rebuilds the decoders' "
                             "upsamplers from scratch (default: the preset's or --init's)")
    add_ranged(parser, "comb_weight", None, "weight of the comb loss (log-spectral L1 at the "
               "harmonics of each level's token rate)", "the preset's or --init's (0 = off)")


def audio_batches(audio: torch.Tensor, batch: int, segment: int, hop: int, seed: int,
                  device: torch.device) -> Iterator[torch.Tensor]:
    """Random ``segment``-sample crops (B, segment) of the cached clips, forever."""
    gen = torch.Generator().manual_seed(seed)
    index = torch.arange(segment)[None]
    while True:
        rows = random_rows(audio.shape[0], batch, gen)
        starts = random_offsets(audio.shape[1], segment, batch, gen, multiple=hop)
        yield audio[rows[:, None], starts[:, None] + index].to(device)


def _loss(model: VQVAE, audio: torch.Tensor):
    out = model(audio)
    return out["loss"], out["metrics"]


def freeze_tokenizer(model: VQVAE) -> VQVAE:
    """Freeze the encoders and codebooks (no gradients, no EMA updates or code restarts)."""
    model.encoders.requires_grad_(False)
    model.bottleneck.requires_grad_(False)
    return model


def _decoder_loss(model: VQVAE, audio: torch.Tensor):
    model.encoders.eval()
    model.bottleneck.eval()  # an eval-mode codebook neither moves nor restarts codes
    return _loss(model, audio)


def initial_model(args: argparse.Namespace) -> VQVAE:
    """The preset's fresh VQ-VAE, or the weights of ``--init`` (frozen up to the codebooks with
    ``--decoders-only``)."""
    if args.decoders_only and args.init is None:
        raise ConfigError("--decoders-only needs --init FOLDER: the trained VQ-VAE whose decoders "
                          "to fine-tune.")
    if args.init is None:
        model = VQVAE(**{**PRESETS[args.preset], "upsample": args.upsample or "transpose"})
    else:
        model = with_upsampler(load_trained_vqvae(args.init), args.upsample)
    if args.comb_weight is not None:  # its range is checked as the command line is read
        model.comb_weight = model.config["comb_weight"] = float(args.comb_weight)
    return freeze_tokenizer(model) if args.decoders_only else model


def with_upsampler(model: VQVAE, kind: str | None) -> VQVAE:
    """``model``, or a copy whose decoders upsample by ``kind``: every weight whose name and shape
    still fit is kept (encoders, codebooks, residual stacks), the new upsampling convs start fresh."""
    if kind is None or kind == model.config.get("upsample", "transpose"):
        return model
    rebuilt = VQVAE(**{**model.config, "upsample": kind})
    fresh = rebuilt.state_dict()
    kept = {k: v for k, v in model.state_dict().items() if k in fresh and fresh[k].shape == v.shape}
    rebuilt.load_state_dict(kept, strict=False)
    print(f"{KIND}: decoders rebuilt with {kind} upsampling; {len(fresh) - len(kept)} of "
          f"{len(fresh)} tensors start fresh")
    return rebuilt


def run_train(args: argparse.Namespace) -> int:
    """Train (or resume) and write the checkpoint folder."""
    if args.segment > args.seconds:  # refused before anything is read or built
        raise ConfigError(f"--segment {args.segment} s does not fit in the --seconds {args.seconds} s "
                          "each clip is read at; give a shorter --segment or a longer --seconds.")
    info = setup_distributed(args.device)
    try:
        torch.manual_seed(args.seed)
        model = initial_model(args)
        audio = load_cache(args.data, args.out / "cache", info, seconds=args.seconds, fps=1.0)[0]["audio"]
        segment = int(round(args.segment * model.sample_rate / model.hops[-1])) * model.hops[-1]
        if model.comb_weight and segment < COMB_FFT_HOPS * model.hops[-1]:
            raise ConfigError(f"The comb loss needs segments of at least {COMB_FFT_HOPS} LOW hops "
                              f"({COMB_FFT_HOPS * model.hops[-1] / model.sample_rate:.3f} s); "
                              f"--segment {args.segment} is shorter.")
        batches = audio_batches(audio, args.batch_size, segment, model.hops[-1],
                                args.seed + 1000 * info.rank, info.device)
        loss_fn = _decoder_loss if args.decoders_only else _loss
        losses = train_loop(model, model.config, KIND, args.out, batches, loss_fn,
                            LoopSettings.from_args(args, ema=False), info)
        if info.is_main and losses:
            print(f"{KIND}: loss {losses[0]:.4f} → {losses[-1]:.4f}; weights in {args.out}")
    finally:
        teardown_distributed()
    return 0
