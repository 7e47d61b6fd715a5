"""Train the Visual Echoes transformer on tokenised clips.

``foley-studio train echoes-transformer --data DIR --out DIR --bundle DIR``: the bundle must hold
both tokenizers (trained with ``echoes-spec-vqgan`` / ``echoes-image-vqgan`` or imported). The
training split is tokenised once into ``OUT/tokens.safetensors`` (its ``.json`` records the data
folder, window, frame rate and the tokenizers' sha256); runs that match reuse it. Each item is a
``--seconds`` window of audio tokens and ``--frames`` frames (one random frame, as in the paper,
or with ``--frames K`` one frame from each K-th of the window with its time column). Loss:
cross-entropy on masked tokens, masks from a truncated Gaussian of mean ``--mask-mean``
(see :mod:`.transformer` for the dropping rule); ``--cond-prob`` and ``--null-prob`` leave one
modality whole or mask it whole in that share of rows (both 0 in the paper). Optimiser as MAGE:
AdamW β=(0.9, 0.95), wd 0.05.

Timing (``--timing``): each window also gets its columns' timing features, from the clip's
main-object event times (full-strength hits) and the real audio's RMS per column (the envelope).
``--clip-seconds`` tokenises longer clips than the window and crops a random window of columns
from each at every step (with its frames and events), so the hits fall at every column offset.
``--init BUNDLE`` starts from that bundle's transformer (its sizes kept; new timing parameters
start at zero).
"""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import Dataset, default_collate

from foley_studio.errors import ConfigError
from foley_studio.models.echoes import bundle as bundle_io
from foley_studio.models.echoes.canvas import to_sequence
from foley_studio.models.echoes.codec import AudioCodec, ImageCodec
from foley_studio.models.echoes.mel import MelConfig
from foley_studio.models.echoes.train_common import (Trainee, add_loop_arguments, finished,
                                                     loader, mean_over_ranks, pick_preset, run_loop)
from foley_studio.models.echoes.transformer import (EchoesConfig, EchoesTransformer, MaskingConfig,
                                                    masked_loss)
from foley_studio.models.timing import (load_with_new_timing, padded_events, param_groups, rms_db,
                                        timing_features)
from foley_studio.models.weights import load_state, read_meta, save_state, sha256_of
from foley_studio.training.options import add_loop_options, add_ranged, stated
from foley_studio.training.runtime import EMA, setup_distributed, teardown_distributed, wrap_ddp

PRESETS = {
    "paper": EchoesConfig(),
    # 2-core CPU: ~2.5 M parameters over 105 audio + 16 tokens per frame.
    "world": EchoesConfig(dim=192, depth=4, heads=4, decoder_dim=128, decoder_depth=2, decoder_heads=4),
    "tiny": EchoesConfig(dim=32, depth=2, heads=2, decoder_dim=32, decoder_depth=1, decoder_heads=2,
                         dropout=0.0),
}
CACHE = "tokens"


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``train echoes-transformer``."""
    add_loop_arguments(parser, steps=50000, batch_size=32, lr=1.5e-4)
    add_ranged(parser, "seconds", 4.0, "audio window (paper: 10)")
    add_ranged(parser, "frames", 1, "frames per window (1 = paper)")
    add_ranged(parser, "fps", 2.5, "frames tokenised per second of clip")
    add_ranged(parser, "mask_mean", 0.7, "mean share of tokens masked per modality")
    add_ranged(parser, "cond_prob", 0.0, "share of rows with one modality left unmasked, as at "
               "inference (paper: 0; with --null-prob at most 1)")
    add_ranged(parser, "null_prob", 0.0, "share of rows with one modality masked whole, for "
               "guidance (paper: 0)")
    add_ranged(parser, "label_smoothing", 0.1, "label smoothing of the token loss")
    parser.add_argument("--timing", action="store_true",
                        help="add a timing condition (the sync track per column), trained on the "
                             "clips' event times and envelopes (default off)")
    add_ranged(parser, "timing_lr_scale", 1.0, "the timing condition's learning rate as a multiple "
               "of --lr")
    add_ranged(parser, "timing_null_prob", 0.2, "share of rows trained without timing (besides the "
               "image-null rows)")
    add_ranged(parser, "clip_seconds", 0.0, "tokenise this much of each clip and crop random "
               "windows from it (0: one window from each clip's start)")
    parser.add_argument("--init", type=Path, default=None,
                        help="start from this bundle's transformer instead of from scratch "
                             "(default: none, from scratch)")
    parser.add_argument("--tune", choices=("all", "decoder"), default="all",
                        help=stated("what trains: everything, or (fine-tuning on a slow CPU) only "
                                    "the decoder side and its timing embedding: the encoder then "
                                    "runs without gradients and its timing embedding stays at zero",
                                    "all"))
    add_loop_options(parser, weight_decay=0.05)


class TokenItems(Dataset):
    """Tokenised clips → ``(audio (La,), image (K·T,), frame columns (K,))`` of a window of
    ``cols`` columns (random when the clips are longer), and with ``timing`` the window's timing
    features ``(cols, FEATURES)``."""

    def __init__(self, cache: dict[str, torch.Tensor], frames: int, col_seconds: float,
                 cols: int, timing: bool = False) -> None:
        self.audio, self.images, self.times = cache["audio"], cache["frames"], cache["frame_times"]
        self.k, self.col_seconds, self.cols, self.cache = frames, col_seconds, cols, cache
        self.timing = timing
        if timing and "events" not in cache:
            raise ConfigError("This token cache has no event times; delete it to tokenise again.")

    def __len__(self) -> int:
        return len(self.audio)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, ...]:
        cols, first = self.cols, int(torch.randint(self.audio.shape[-1] - self.cols + 1, ()))
        t0 = first * self.col_seconds
        edges = t0 + np.linspace(0.0, cols * self.col_seconds, self.k + 1)
        times = self.times[i].numpy()
        picks = [self._pick(times, lo, hi) for lo, hi in zip(edges[:-1], edges[1:])]
        frame_cols = torch.as_tensor(np.clip(((times[picks] - t0) / self.col_seconds).astype(int), 0, cols - 1))
        item = (to_sequence(self.audio[i][None, :, first:first + cols])[0], self.images[i, picks].flatten(),
                frame_cols)
        return item + (self._timing(i, first),) if self.timing else item

    def _timing(self, i: int, first: int) -> torch.Tensor:
        """Timing features ``(cols, FEATURES)`` of clip ``i``'s window from column ``first``."""
        events = self.cache["events"][i].numpy()
        levels = self.cache["levels"][i, first:first + self.cols].numpy()
        hits = [(t, 1.0) for t in events[~np.isnan(events)]]
        return torch.from_numpy(timing_features(hits, self.cols, self.col_seconds,
                                                first * self.col_seconds, levels))

    @staticmethod
    def _pick(times: np.ndarray, lo: float, hi: float) -> int:
        inside = np.flatnonzero((times >= lo) & (times < hi))
        if len(inside) == 0:
            return int(np.abs(times - (lo + hi) / 2).argmin())
        return int(inside[int(torch.randint(len(inside), ()))])


def _tokenizers(bundle: Path, device: torch.device) -> tuple[AudioCodec, ImageCodec]:
    for part in ("audio_vqgan", "image_vqgan"):
        if not bundle_io.has_component(bundle, part):
            raise ConfigError(f"{bundle} has no {part}; train or import the tokenizers first.")
    meta = bundle_io.read_bundle_json(bundle)
    audio = AudioCodec(bundle_io.load_component(bundle, "audio_vqgan", str(device)), None,
                       MelConfig(**meta.get("mel", {})))
    image = ImageCodec(bundle_io.load_component(bundle, "image_vqgan", str(device)),
                       int(meta.get("image_size", 256)))
    return audio, image


def _cache_key(args: argparse.Namespace, cols: int) -> dict:
    return {"data": str(Path(args.data).resolve()), "cols": cols, "fps": args.fps, "events": 1,
            "audio_vqgan": sha256_of(Path(args.bundle) / "audio_vqgan.safetensors"),
            "image_vqgan": sha256_of(Path(args.bundle) / "image_vqgan.safetensors")}


def tokenize_dataset(args: argparse.Namespace, audio: AudioCodec, image: ImageCodec,
                     cols: int) -> dict[str, torch.Tensor]:
    """Audio tokens ``(N, R, cols)``, frame tokens ``(N, F, T)``, frame times ``(N, F)``, the
    main-object event times ``(N, E)`` (s, NaN-padded) and the RMS level per column ``(N, cols)``."""
    from tqdm import tqdm

    from foley_studio.data.dataset import AVDataset

    seconds = cols * audio.samples_per_col / audio.mel_config.sample_rate
    ds = AVDataset(args.data, sample_rate=audio.mel_config.sample_rate, seconds=seconds, fps=args.fps)
    count = max(1, int(round(seconds * args.fps)))
    out: dict[str, list] = {"audio": [], "frames": [], "frame_times": [], "levels": []}
    events = []
    for i in tqdm(range(len(ds)), desc="tokenising"):
        item = ds[i]
        out["audio"].append(audio.tokenize(torch.from_numpy(item["audio"])[None])[0, :, :cols].cpu())
        idx = np.minimum(np.arange(count), len(item["frames"]) - 1)  # short clips repeat their last frame
        out["frames"].append(image.tokenize(item["frames"][idx]).cpu())
        out["frame_times"].append(torch.from_numpy(item["frame_times"][idx]).float())
        levels = rms_db(np.pad(item["audio"], (0, cols * audio.samples_per_col)), audio.samples_per_col)
        out["levels"].append(torch.from_numpy(levels[:cols]))
        events.append(np.asarray(item["events"], np.float32).tolist())
    return {**{k: torch.stack(v) for k, v in out.items()}, "events": padded_events(events)}


def load_tokens(args: argparse.Namespace, info, cols: int) -> dict[str, torch.Tensor]:
    """The token cache for this run, built by rank 0 when missing or stale."""
    path, key = Path(args.out) / CACHE, _cache_key(args, cols)
    fresh = (path.with_suffix(".json")).is_file() and read_meta(path, kind="echoes-tokens")["config"] == key
    if info.is_main and not fresh:
        audio, image = _tokenizers(args.bundle, info.device)
        save_state(tokenize_dataset(args, audio, image, cols), key, path, kind="echoes-tokens")
    if dist.is_initialized():
        dist.barrier()
    return load_state(path)


def model_config(args: argparse.Namespace, audio: AudioCodec, image: ImageCodec) -> EchoesConfig:
    """The preset sized to the tokenizers, the window and the frame count."""
    cols = int(args.seconds * audio.mel_config.sample_rate // audio.samples_per_col)
    if cols < 1:
        raise ConfigError(f"A {args.seconds}-s window holds no token column; use a longer --seconds.")
    return dataclasses.replace(pick_preset(PRESETS, args.preset), audio_vocab=audio.vqgan.config.n_embed,
                               image_vocab=image.vqgan.config.n_embed, audio_rows=audio.rows,
                               audio_cols=cols, image_tokens=image.tokens_per_image, frames=args.frames)


def masking_config(args: argparse.Namespace) -> MaskingConfig:
    """The masking options, checked: the two whole-modality shares may not exceed 1 together."""
    if min(args.cond_prob, args.null_prob) < 0 or args.cond_prob + args.null_prob > 1:
        raise ConfigError(f"--cond-prob {args.cond_prob} and --null-prob {args.null_prob} must be "
                          "shares in [0, 1] that add up to at most 1.")
    return MaskingConfig(mean=args.mask_mean, cond_prob=args.cond_prob, null_prob=args.null_prob,
                         timing_null_prob=args.timing_null_prob)


def initial_model(args: argparse.Namespace, cfg: EchoesConfig) -> EchoesTransformer:
    """A fresh transformer of ``cfg``, or with ``--init`` the bundle's (checked against ``cfg``),
    with a zero-started timing condition when ``--timing`` asks for one."""
    if args.init is None:
        return EchoesTransformer(dataclasses.replace(cfg, timing=args.timing))
    path = Path(args.init) / "transformer"
    start = EchoesConfig.from_dict(read_meta(path, kind=bundle_io.kind_of("transformer"))["config"])
    if dataclasses.replace(start, timing=False, dropout=cfg.dropout) != dataclasses.replace(cfg, timing=False):
        raise ConfigError(f"{path} has other sizes ({start}) than this run ({cfg}); use the same "
                          "--preset, --seconds and --frames as the model was trained with.")
    model = EchoesTransformer(dataclasses.replace(start, timing=start.timing or args.timing))
    load_with_new_timing(model, load_state(path), source=str(path))
    return model


ENCODER_SIDE = ("audio_emb.", "image_emb.", "enc_side.", "encoder.", "enc_norm.", "timing_enc.")


def freeze_encoder(model: EchoesTransformer) -> None:
    """Stop gradients into the encoder side (embeddings are tied with the heads, so they stay too)."""
    for name, p in model.named_parameters():
        p.requires_grad_(not name.startswith(ENCODER_SIDE))


def run_train(args: argparse.Namespace) -> int:
    """Tokenise (once), train, and write the transformer into the bundle."""
    masking = masking_config(args)  # refused before anything is read or built
    info = setup_distributed(args.device)
    torch.manual_seed(args.seed + info.rank)
    audio, image = _tokenizers(args.bundle, torch.device("cpu"))
    cfg = model_config(args, audio, image)
    clip_cols = int(args.clip_seconds * audio.mel_config.sample_rate // audio.samples_per_col)
    model = initial_model(args, cfg).to(info.device)
    cfg = model.config
    if args.tune == "decoder":
        freeze_encoder(model)
    data = TokenItems(load_tokens(args, info, max(cfg.audio_cols, clip_cols)), cfg.frames,
                      audio.samples_per_col / audio.mel_config.sample_rate, cfg.audio_cols, cfg.timing)
    opt = torch.optim.AdamW(param_groups(model, args.lr, args.timing_lr_scale), args.lr, betas=(0.9, 0.95),
                            weight_decay=args.weight_decay)
    trainee = Trainee(wrap_ddp(model, info), opt, bundle_io.kind_of("transformer"), cfg.to_dict(),
                      EMA(model, args.ema) if args.ema else None)
    batches = loader(data, args.batch_size, info, seed=args.seed, workers=args.workers, collate=default_collate)

    def step(batch, index: int) -> dict[str, float]:
        tokens_a, tokens_v, cols, *timing = (t.to(info.device) for t in batch)
        loss = masked_loss(trainee.model, tokens_a, tokens_v, masking, label_smoothing=args.label_smoothing,
                           frame_cols=cols if cfg.frames > 1 else None, timing=timing[0] if timing else None)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return {"loss": mean_over_ranks(loss)}

    run_loop(step, batches, trainees={"model": trainee}, args=args, info=info, desc="echoes-transformer")
    if info.is_main:
        bundle_io.save_component(args.bundle, "transformer", finished(trainee))
    teardown_distributed()
    return 0
