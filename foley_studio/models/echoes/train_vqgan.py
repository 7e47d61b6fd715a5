"""Train a Visual Echoes tokenizer: the spectrogram VQGAN or the image VQGAN.

``foley-studio train echoes-spec-vqgan|echoes-image-vqgan --data DIR --out DIR --bundle DIR``.
Loss: L1 reconstruction + codebook/commitment loss; from ``--disc-from`` (SpecVQGAN: 30001) a
PatchGAN discriminator adds a hinge adversarial term weighted by ``--disc-weight`` (a fixed
weight, not taming's adaptive one). No perceptual loss: SpecVQGAN's LPAPS weights never loaded
in the released run either (its README erratum), and it keeps CPU training cheap.
Spectrogram crops are ``resolution`` mel frames (848 for the paper preset); image crops are
frames centre-cropped and resized to ``resolution`` (256 paper, 128 for the world).
"""
from __future__ import annotations

import argparse

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from foley_studio.errors import ConfigError
from foley_studio.models.echoes import bundle as bundle_io
from foley_studio.models.echoes.codec import pixels
from foley_studio.models.echoes.mel import MelConfig, MelSpectrogram
from foley_studio.models.echoes.train_common import (Trainee, add_loop_arguments, finished,
                                                     loader, mean_over_ranks, memory_cached,
                                                     pick_preset, preset_mel, run_loop)
from foley_studio.models.echoes.vqgan import VQGAN, VQGANConfig
from foley_studio.training.options import add_ranged
from foley_studio.training.runtime import (EMA, setup_distributed, teardown_distributed, unwrap,
                                           wrap_ddp)

SPEC_PRESETS = {
    "paper": VQGANConfig.spectrogram(),
    # 2-core CPU: 336 mel frames (3.9 s) → 10 × 42 tokens (8× down: a column is 93 ms, half
    # the paper's 16×, so onsets and the world's short sounds survive), no attention.
    "world": VQGANConfig(ch=16, ch_mult=(1, 2, 2, 4), num_res_blocks=1, attn_resolutions=(),
                         resolution=336, z_channels=32, embed_dim=32, n_embed=256),
    "tiny": VQGANConfig(ch=8, ch_mult=(1, 2, 2, 2, 2), num_res_blocks=1, attn_resolutions=(8,),
                        resolution=128, z_channels=8, embed_dim=8, n_embed=32),
}
IMAGE_PRESETS = {
    "paper": VQGANConfig.image(),
    # 2-core CPU: 128×128 world frames shrunk to 64×64 → 4 × 4 tokens, so 8 video frames
    # cost the transformer only 128 tokens.
    "world": VQGANConfig(in_channels=3, out_channels=3, ch=16, ch_mult=(1, 1, 2, 2, 4),
                         num_res_blocks=1, attn_resolutions=(), resolution=64, z_channels=32,
                         embed_dim=32, n_embed=256),
    "tiny": VQGANConfig(in_channels=3, out_channels=3, ch=8, ch_mult=(1, 2, 2), num_res_blocks=1,
                        attn_resolutions=(4,), resolution=16, z_channels=8, embed_dim=8, n_embed=24),
}


class CodeRestarts:
    """Dead-code restarts: codes unused for ``every`` steps jump to random encoder outputs.

    The plain argmin quantiser otherwise settles on a handful of codes early in a short run.
    The latents of the last batch are caught by a hook on ``quant_conv``; under DDP rank 0's
    codebook is broadcast after a restart so every process keeps the same codes.
    """

    def __init__(self, vqgan: VQGAN, every: int, seed: int) -> None:
        self.vqgan, self.every = vqgan, every
        self.used = torch.zeros(vqgan.config.n_embed, dtype=torch.bool)
        self.latent: torch.Tensor | None = None
        self.rng = torch.Generator().manual_seed(seed)
        vqgan.quant_conv.register_forward_hook(self._catch)

    def _catch(self, module: nn.Module, inputs, output: torch.Tensor) -> None:
        self.latent = output.detach()  # (B, D, h, w)

    @torch.no_grad()
    def update(self, idx: torch.Tensor, step: int) -> int:
        """Mark the codes in ``idx`` used; on a restart step, move the unused ones. Returns how many."""
        self.used[idx.flatten().unique().cpu()] = True
        if (step + 1) % self.every or self.latent is None:
            return 0
        dead = (~self.used).nonzero().flatten()
        weight = self.vqgan.quantize.embedding.weight
        if len(dead):
            flat = self.latent.permute(0, 2, 3, 1).reshape(-1, weight.shape[1]).cpu()  # (N, D)
            picks = flat[torch.randint(len(flat), (len(dead),), generator=self.rng)]
            weight[dead.to(weight.device)] = picks.to(weight)
        if dist.is_initialized():
            dist.broadcast(weight, 0)
        self.used.zero_()
        return len(dead)


class PatchDiscriminator(nn.Module):
    """PatchGAN: stride-2 4×4 convs with batch norm, one logit per patch."""

    def __init__(self, channels: int, ndf: int = 64, layers: int = 3) -> None:
        super().__init__()
        mods: list[nn.Module] = [nn.Conv2d(channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2)]
        width = ndf
        for n in range(1, layers + 1):
            out = ndf * min(2 ** n, 8)
            mods += [nn.Conv2d(width, out, 4, 2 if n < layers else 1, 1, bias=False),
                     nn.BatchNorm2d(out), nn.LeakyReLU(0.2)]
            width = out
        mods.append(nn.Conv2d(width, 1, 4, 1, 1))
        self.main = nn.Sequential(*mods)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)


class AudioCrops(Dataset):
    """A random ``samples``-long piece of each clip's audio (zero-padded), float32 ``(samples,)``."""

    def __init__(self, dataset, samples: int) -> None:
        self.dataset, self.samples = dataset, samples

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> torch.Tensor:
        audio = self.dataset[i]["audio"]
        audio = np.pad(audio, (0, max(0, self.samples - len(audio))))
        start = int(torch.randint(len(audio) - self.samples + 1, ()))
        return torch.from_numpy(audio[start: start + self.samples])


class RandomFrames(Dataset):
    """One random frame of each clip, uint8 ``(H, W, 3)``."""

    def __init__(self, dataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> torch.Tensor:
        frames = self.dataset[i]["frames"]
        return torch.from_numpy(frames[int(torch.randint(len(frames), ()))])


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``train echoes-spec-vqgan`` / ``echoes-image-vqgan``."""
    add_loop_arguments(parser, steps=20000, batch_size=8, lr=4.5e-6 * 8)
    add_ranged(parser, "disc_from", 30001, "step that starts the discriminator")
    add_ranged(parser, "disc_weight", 0.8, "weight of the adversarial loss")
    add_ranged(parser, "restart_every", 0, "every N steps, move the codes no batch used since the "
               "last restart onto random encoder outputs (0 = off; counters codebook collapse)")
    add_ranged(parser, "crop_frames", None, "mel frames per spectrogram training crop, a multiple "
               "of the VQGAN's downsampling (the convolutional VQGAN without attention trains on "
               "shorter crops and still encodes full windows)", shown="the preset's resolution")


def _dataset(args: argparse.Namespace, image: bool, cfg: VQGANConfig) -> Dataset:
    from foley_studio.data.dataset import AVDataset

    mel = preset_mel(args.bundle, args.preset)
    if image:
        clips = AVDataset(args.data, sample_rate=mel.sample_rate, seconds=4.0, fps=2.0)
        return RandomFrames(memory_cached(clips, args.cache))
    clip = cfg.resolution * mel.hop_length
    ds = AVDataset(args.data, sample_rate=mel.sample_rate, seconds=clip / mel.sample_rate,
                   fps=0.5, random_crop=True, seed=args.seed)  # one frame: only the sound is used
    return AudioCrops(memory_cached(ds, args.cache), crop_frames(args, cfg) * mel.hop_length)


def crop_frames(args: argparse.Namespace, cfg: VQGANConfig) -> int:
    """Mel frames per spectrogram training crop (``--crop-frames``, a multiple of the downsampling)."""
    frames = cfg.resolution if args.crop_frames is None else args.crop_frames
    if frames <= 0 or frames % cfg.downsample or frames > cfg.resolution:
        raise ConfigError(f"--crop-frames {frames} must be a positive multiple of the VQGAN's "
                          f"{cfg.downsample}× downsampling, at most {cfg.resolution}.")
    return frames


def run_train(args: argparse.Namespace) -> int:
    """Train the tokenizer named by ``args.stage`` and write it into the bundle."""
    image = args.stage == "echoes-image-vqgan"
    cfg = pick_preset(IMAGE_PRESETS if image else SPEC_PRESETS, args.preset)
    frames = None if image else crop_frames(args, cfg)  # refused before any model is built
    info = setup_distributed(args.device)
    torch.manual_seed(args.seed + info.rank)
    model = VQGAN(cfg).to(info.device)
    disc = PatchDiscriminator(cfg.in_channels, ndf=max(8, cfg.ch // 2)).to(info.device)
    component = "image_vqgan" if image else "audio_vqgan"
    trainees = {
        "model": Trainee(wrap_ddp(model, info), torch.optim.Adam(model.parameters(), args.lr, betas=(0.5, 0.9)),
                         bundle_io.kind_of(component), cfg.to_dict(), EMA(model, args.ema) if args.ema else None),
        "disc": Trainee(wrap_ddp(disc, info), torch.optim.Adam(disc.parameters(), args.lr, betas=(0.5, 0.9)),
                        "echoes-discriminator", {"channels": cfg.in_channels}),
    }
    mel = preset_mel(args.bundle, args.preset)
    prepare = _image_batch(cfg) if image else _spec_batch(mel, frames, info.device)
    batches = loader(_dataset(args, image, cfg), args.batch_size, info, seed=args.seed,
                     workers=args.workers, collate=torch.stack)
    restarts = CodeRestarts(model, args.restart_every, args.seed) if args.restart_every else None
    step = vqgan_step(trainees["model"], trainees["disc"], prepare, info.device, args, restarts)
    run_loop(step, batches, trainees=trainees, args=args, info=info, desc=args.stage)
    if info.is_main:
        extra = {"image_size": cfg.resolution} if image else {"mel": mel.to_dict()}
        bundle_io.save_component(args.bundle, component, finished(trainees["model"]), **extra)
    teardown_distributed()
    return 0


def _spec_batch(config: MelConfig, frames: int, device: torch.device):
    mel = MelSpectrogram(config).to(device)

    def prepare(wave: torch.Tensor) -> torch.Tensor:
        spec = mel(wave.to(device))[..., :frames]  # (B, 80, frames)
        return spec[:, None] * 2.0 - 1.0

    return prepare


def _image_batch(cfg: VQGANConfig):
    return lambda frames: pixels(frames, cfg.resolution)


def vqgan_step(gen: Trainee, disc: Trainee, prepare, device: torch.device, args: argparse.Namespace,
               restarts: CodeRestarts | None = None):
    """One optimisation step of the tokenizer (and, from ``disc_from``, its discriminator)."""

    def step(batch: torch.Tensor, index: int) -> dict[str, float]:
        x = prepare(batch).to(device)
        rec, qloss, idx = gen.model(x)
        rec_loss = (x - rec).abs().mean()
        loss = rec_loss + qloss
        adversarial = index >= args.disc_from
        if adversarial:  # the plain module: its gradients here are discarded below
            loss = loss - args.disc_weight * unwrap(disc.model)(rec).mean()
        gen.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        gen.optimizer.step()
        metrics = {"rec": mean_over_ranks(rec_loss), "codebook": mean_over_ranks(qloss),
                   "codes": float(idx.unique().numel())}
        if restarts is not None:
            metrics["restarted"] = float(restarts.update(idx, index))
        if adversarial:
            real, fake = disc.model(torch.cat([x, rec.detach()])).chunk(2)
            d_loss = (F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()) / 2
            disc.optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            disc.optimizer.step()
            metrics["disc"] = mean_over_ranks(d_loss)
        return metrics

    return step
