"""How fast Visual Echoes makes sound: seconds per 10 s of audio, N = 30 steps with guidance.

Times :meth:`EchoesGenerator.generate` from one picture, vocoder included, for 1 take and for a
batch of 4 takes, with random weights (speed does not depend on their values).

- CPU: a small configuration (the paper's token geometry, 5×53 audio + 16×16 image tokens, a
  256-wide 6+2-layer transformer, 32-channel VQGANs, the full-size MelGAN).
- GPU (only when CUDA is present): the paper's sizes (ViT-L encoder 24×1024 + decoder 8×1024 over
  521 tokens, SpecVQGAN and taming VQGANs, MelGAN) in bfloat16; goal < 0.5 s per 10 s for one take
  and < 1 s for 4 takes.

    python benchmarks/bench_echoes.py [--steps 30] [--repeats 3] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch

from foley_studio.atomic import write_text_atomic
from foley_studio.generation import Conditioning
from foley_studio.models.echoes.generator import EchoesGenerator
from foley_studio.models.echoes.melgan import MelGANGenerator
from foley_studio.models.echoes.transformer import EchoesConfig, EchoesTransformer
from foley_studio.models.echoes.vqgan import VQGAN, VQGANConfig
from foley_studio.requests import SamplerSettings

SMALL = EchoesConfig(dim=256, depth=6, heads=8, decoder_dim=256, decoder_depth=2, decoder_heads=8)
SMALL_SPEC = VQGANConfig(ch=32, ch_mult=(1, 1, 2, 2, 4), num_res_blocks=1, attn_resolutions=(53,))
SMALL_IMAGE = VQGANConfig(in_channels=3, out_channels=3, ch=32, ch_mult=(1, 1, 2, 2, 4),
                          num_res_blocks=1, attn_resolutions=(16,), resolution=256)


def build(paper: bool, device: str) -> EchoesGenerator:
    """A generator with random weights: the paper's sizes or the small CPU configuration."""
    torch.manual_seed(0)
    spec, image = (VQGANConfig.spectrogram(), VQGANConfig.image()) if paper else (SMALL_SPEC, SMALL_IMAGE)
    parts = [EchoesTransformer(EchoesConfig() if paper else SMALL), VQGAN(spec), VQGAN(image), MelGANGenerator()]
    return EchoesGenerator(*[p.to(device).eval() for p in parts], image_size=256,
                           name="echoes-paper" if paper else "echoes-small")


def time_generate(gen: EchoesGenerator, takes: int, steps: int, repeats: int, bf16: bool) -> float:
    """Best wall seconds of ``repeats`` runs of one model window from one picture."""
    frame = np.random.default_rng(0).integers(0, 256, (1, 256, 256, 3), dtype=np.uint8)
    cond = Conditioning(duration=gen.window_seconds, frames=frame, frame_times=np.zeros(1))
    sampler = SamplerSettings(steps=steps, guidance=3.0, choice_temperature=9.0)
    cuda = gen.device.type == "cuda"
    best = float("inf")
    for _ in range(repeats + 1):  # the first run warms up kernels and caches
        with torch.autocast("cuda", dtype=torch.bfloat16) if bf16 and cuda else nullcontext():
            if cuda:
                torch.cuda.synchronize()
            began = time.perf_counter()
            gen.generate(cond, takes=takes, seed=0, sampler=sampler)
            if cuda:
                torch.cuda.synchronize()
        best = min(best, time.perf_counter() - began)
    return best


def time_decode(gen: EchoesGenerator, repeats: int) -> float:
    """Best wall seconds to turn one window of audio tokens into a waveform (VQGAN + vocoder)."""
    canvas = torch.randint(0, gen.model.config.audio_vocab, (1, gen.audio.rows, gen.window_cols),
                           device=gen.device)
    best = float("inf")
    for _ in range(repeats + 1):
        began = time.perf_counter()
        gen.decode_audio(canvas)
        best = min(best, time.perf_counter() - began)
    return best


def measure(paper: bool, device: str, steps: int, repeats: int) -> dict:
    """Seconds per window and per 10 s of audio, 1 take and 4 takes."""
    gen = build(paper, device)
    window = gen.window_seconds
    one = time_generate(gen, 1, steps, repeats, bf16=paper)
    four = time_generate(gen, 4, steps, repeats, bf16=paper)
    decode = time_decode(gen, repeats)
    params = sum(p.numel() for p in gen.model.parameters())
    return {"config": gen.name, "device": device, "steps": steps, "guidance": 3.0,
            "transformer_params_M": round(params / 1e6, 1), "window_s": round(window, 3),
            "tokens": gen.model.config.audio_len + gen.model.config.image_len,
            "s_per_window_1_take": round(one, 3), "s_per_10s_1_take": round(one * 10 / window, 3),
            "s_per_window_4_takes": round(four, 3), "s_per_10s_4_takes": round(four * 10 / window, 3),
            "s_decode_per_window_1_take": round(decode, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/bench_echoes.json"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    result = {"machine": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
              "torch_threads": torch.get_num_threads(), "load_average_before": os.getloadavg()[0],
              "cpu_small": measure(False, "cpu", args.steps, args.repeats)}
    if torch.cuda.is_available():
        gpu = measure(True, "cuda", args.steps, args.repeats)
        gpu["gpu"] = torch.cuda.get_device_name()
        gpu["goal_met"] = gpu["s_per_10s_1_take"] < 0.5 and gpu["s_per_10s_4_takes"] < 1.0
        result["gpu_paper"] = gpu
    else:
        print("CUDA is not available: the paper-size GPU benchmark (ViT-L, 521 tokens, bf16) is skipped.")
    for section, values in result.items():
        print(f"{section:22s} {values}")
    write_text_atomic(args.json, json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
