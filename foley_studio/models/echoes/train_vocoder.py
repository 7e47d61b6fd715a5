"""Train the vocoder (MelGAN, or Vocos with ``--arch vocos``) on [0, 1] mel segments of a dataset's audio.

``foley-studio train echoes-vocoder --data DIR --out DIR --bundle DIR [--arch vocos]``.
Loss choice: a multi-resolution STFT loss (spectral convergence + log-magnitude L1 at FFT sizes
512/1024/2048) is always on, because it trains a usable vocoder in a few thousand CPU steps;
the original MelGAN recipe, for either architecture (3-scale waveform discriminator, hinge loss, feature matching ×10)
joins from ``--gan-from`` (off by default; set it on a GPU for the full-quality recipe).
Segments are ``--segment`` samples (8192 as in MelGAN) cut at random from each clip.
``--from-tokens`` feeds the generator the bundle's spectrogram-VQGAN reconstructions of the mels
(as generation will) while the target stays the real waveform, so the vocoder learns to undo
some of the tokenizer's blur; resume a vocoder trained on clean mels with it.
"""
from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from foley_studio.errors import ConfigError
from foley_studio.models.echoes import bundle as bundle_io
from foley_studio.models.echoes.mel import MelConfig, MelSpectrogram
from foley_studio.models.echoes.melgan import MelGANConfig, MelGANGenerator, MultiScaleDiscriminator
from foley_studio.models.echoes.vocos import VocosConfig, VocosVocoder
from foley_studio.models.echoes.train_common import (Trainee, add_loop_arguments, finished,
                                                     loader, mean_over_ranks, memory_cached,
                                                     pick_preset, preset_mel, run_loop)
from foley_studio.training.options import add_ranged, stated
from foley_studio.training.runtime import (EMA, setup_distributed, teardown_distributed, unwrap,
                                           wrap_ddp)

PRESETS = {"paper": MelGANConfig(),
           "world": MelGANConfig(ngf=16),  # 1.1 M parameters: a third of the CPU time per step
           "tiny": MelGANConfig(ngf=4, n_residual_layers=1)}
VOCOS_PRESETS = {"paper": VocosConfig(),
                 "world": VocosConfig(dim=128, intermediate=384, blocks=6),  # 0.5 M parameters
                 "tiny": VocosConfig(dim=16, intermediate=32, blocks=1)}
ARCHS = {"melgan": (MelGANGenerator, PRESETS), "vocos": (VocosVocoder, VOCOS_PRESETS)}
RESOLUTIONS = ((512, 128), (1024, 256), (2048, 512))


class Segments(Dataset):
    """A random ``samples``-long piece of each clip's audio, float32 ``(samples,)``."""

    def __init__(self, dataset, samples: int) -> None:
        self.dataset, self.samples = dataset, samples

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> torch.Tensor:
        audio = torch.from_numpy(self.dataset[i]["audio"])
        audio = F.pad(audio, (0, max(0, self.samples - len(audio))))
        start = int(torch.randint(len(audio) - self.samples + 1, ()))
        return audio[start: start + self.samples]


def stft_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Multi-resolution STFT loss: spectral convergence + log-magnitude L1, averaged."""
    total = pred.new_zeros(())
    for n_fft, hop in RESOLUTIONS:
        window = torch.hann_window(n_fft, device=pred.device)
        p, t = (torch.stft(x, n_fft, hop, window=window, return_complex=True).abs().clamp_min(1e-7)
                for x in (pred, target))
        total = total + torch.linalg.norm(t - p) / torch.linalg.norm(t) + (t.log() - p.log()).abs().mean()
    return total / len(RESOLUTIONS)


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``train echoes-vocoder``."""
    add_loop_arguments(parser, steps=20000, batch_size=16, lr=1e-4)
    parser.add_argument("--arch", choices=tuple(ARCHS), default="melgan",
                        help=stated("MelGAN (SpecVQGAN's vocoder) or Vocos (inverse-STFT head, fast "
                                    "on a CPU)", "melgan"))
    add_ranged(parser, "segment_samples", 8192, "samples per training segment")
    add_ranged(parser, "gan_from", None, "step from which the MelGAN discriminator and feature "
               "matching join", shown="none (never)")
    add_ranged(parser, "feature_weight", 10.0, "weight of the feature-matching loss")
    parser.add_argument("--from-tokens", action="store_true",
                        help="feed the generator the mels the bundle's spectrogram VQGAN gives back "
                             "(tokenise + decode), as Foley generation will, instead of clean mels "
                             "(default off)")


def run_train(args: argparse.Namespace) -> int:
    """Train the vocoder and write it into the bundle."""
    from foley_studio.data.dataset import AVDataset

    net_cls, presets = ARCHS[args.arch]
    cfg, mel_cfg = pick_preset(presets, args.preset), preset_mel(args.bundle, args.preset)
    info = setup_distributed(args.device)
    torch.manual_seed(args.seed + info.rank)
    gen, disc = net_cls(cfg).to(info.device), MultiScaleDiscriminator().to(info.device)
    trainees = {
        "model": Trainee(wrap_ddp(gen, info), torch.optim.Adam(gen.parameters(), args.lr, betas=(0.5, 0.9)),
                         bundle_io.kind_of("vocoder", args.arch), cfg.to_dict(), EMA(gen, args.ema) if args.ema else None),
        "disc": Trainee(wrap_ddp(disc, info), torch.optim.Adam(disc.parameters(), args.lr, betas=(0.5, 0.9)),
                        "echoes-melgan-discriminator", {}),
    }
    clips = AVDataset(args.data, sample_rate=mel_cfg.sample_rate, seconds=4.0, fps=0.5)
    data = Segments(memory_cached(clips, args.cache), args.segment)
    batches = loader(data, args.batch_size, info, seed=args.seed, workers=args.workers, collate=torch.stack)
    step = vocoder_step(trainees["model"], trainees["disc"], MelSpectrogram(mel_cfg).to(info.device),
                        info.device, args, _token_mels(args, mel_cfg, info.device))
    run_loop(step, batches, trainees=trainees, args=args, info=info, desc=f"echoes-vocoder ({args.arch})")
    if info.is_main:
        bundle_io.save_component(args.bundle, "vocoder", finished(trainees["model"]),
                                 mel=mel_cfg.to_dict())
    teardown_distributed()
    return 0


def _token_mels(args: argparse.Namespace, mel: MelConfig, device: torch.device):
    """With ``--from-tokens``: [0, 1] mel → the same mel through the bundle's VQGAN; else None."""
    if not args.from_tokens:
        return None
    vq = bundle_io.load_component(args.bundle, "audio_vqgan", str(device)).requires_grad_(False)
    frames = vq.config.downsample
    if args.segment % (frames * mel.hop_length):
        raise ConfigError(f"--segment {args.segment} must hold whole token columns "
                          f"({frames * mel.hop_length} samples) with --from-tokens.")

    def through(spec: torch.Tensor) -> torch.Tensor:  # (B, 80, frames)
        with torch.no_grad():
            return ((vq.detokenize(vq.tokenize(spec[:, None] * 2 - 1))[:, 0] + 1) / 2).clamp(0, 1)

    return through


def _feature_matching(fake: list, real: list) -> torch.Tensor:
    """L1 between the discriminators' activations on real and generated audio (MelGAN weights)."""
    total = 0.0
    for f_scale, r_scale in zip(fake, real):
        for f, r in zip(f_scale[:-1], r_scale[:-1]):
            total = total + (4.0 / (len(f_scale) - 1)) / len(fake) * (f - r.detach()).abs().mean()
    return total


def vocoder_step(gen: Trainee, disc: Trainee, mel: MelSpectrogram, device: torch.device,
                 args: argparse.Namespace, token_mels=None):
    """One step: generator on MR-STFT (+ adversarial and feature matching), then discriminator."""
    hop = mel.config.hop_length

    def step(wave: torch.Tensor, index: int) -> dict[str, float]:
        wave = wave.to(device)
        spec = mel(wave)[..., : wave.shape[-1] // hop]  # (B, 80, frames)
        if token_mels is not None:
            spec = token_mels(spec)
        pred = gen.model(spec)  # (B, frames · hop)
        loss = stft_loss(pred, wave)
        metrics = {"stft": mean_over_ranks(loss)}
        adversarial = args.gan_from is not None and index >= args.gan_from
        if adversarial:  # the plain module: its gradients here are discarded below
            scores, b = unwrap(disc.model)(torch.cat([pred, wave])), len(wave)
            fake, real = [[t[:b] for t in s] for s in scores], [[t[b:] for t in s] for s in scores]
            loss = loss + sum(-s[-1].mean() for s in fake) + args.feature_weight * _feature_matching(fake, real)
        gen.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        gen.optimizer.step()
        if adversarial:
            scores = disc.model(torch.cat([wave, pred.detach()]))
            d_loss = sum(F.relu(1 - s[-1][: len(wave)]).mean() + F.relu(1 + s[-1][len(wave):]).mean()
                         for s in scores)
            disc.optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            disc.optimizer.step()
            metrics["disc"] = mean_over_ranks(d_loss)
        return metrics

    return step
