"""IM2WAV sampling speed: KV-cached vs recomputed LOW sampling on the CPU, and paper-size on a GPU.

    python benchmarks/bench_im2wav.py                 # CPU: small LOW prior, 2048 tokens, CFG
    python benchmarks/bench_im2wav.py --paper-size    # CUDA only: 48 layers × 1024, bf16, 4 s

Prints the figures and writes them as JSON (``--out``, default
``benchmarks/results/bench_im2wav.json``). Both CPU runs draw the same tokens (same seed), so
the comparison is like for like.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import torch

from foley_studio.atomic import write_text_atomic
from foley_studio.models.im2wav.prior import LowPrior, UpPrior
from foley_studio.models.im2wav.stepper import PriorStepper
from foley_studio.models.im2wav.vqvae import VQVAE
from foley_studio.sampling.autoregressive import TokenSampling, sample_tokens, seeded_generators

SMALL_LOW = dict(bins=2048, width=128, depth=6, n_ctx=2048, heads=1, attn_order=2, blocks=64,
                 clip_dim=512)
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "bench_im2wav.json"


def _low_stepper(low: LowPrior, takes: int, guided: bool, device: torch.device,
                 dtype: torch.dtype) -> PriorStepper:
    rows = takes * (2 if guided else 1)
    feats = torch.nn.functional.normalize(torch.randn(1, 1, low.config["clip_dim"]), dim=-1)
    frames = torch.zeros(rows, low.n_ctx, dtype=torch.long, device=device)
    null = torch.arange(rows, device=device) >= takes if guided else None
    with torch.no_grad():
        start, x_cond = low.conditioning(feats.to(device, dtype).expand(rows, -1, -1), frames,
                                         torch.full((rows,), 160000.0, device=device),
                                         torch.zeros(rows, device=device), null)
    return PriorStepper(low, start.to(dtype), x_cond.to(dtype))


def _timed_sample(stepper: PriorStepper, takes: int, length: int, settings: TokenSampling,
                  cached: bool, device: torch.device) -> tuple[torch.Tensor, float]:
    prefix = torch.zeros(takes, 0, dtype=torch.long, device=device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    tokens = sample_tokens(stepper, prefix, length, seeded_generators(0, takes), settings, cached=cached)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return tokens, time.perf_counter() - t0


def cpu_benchmark(tokens: int, threads: int) -> dict:
    """Cached vs recomputed sampling of ``tokens`` LOW tokens (one take with guidance 3)."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    low = LowPrior(**SMALL_LOW).eval()
    settings = TokenSampling(guidance=3.0)
    cpu = torch.device("cpu")
    cached, t_cached = _timed_sample(_low_stepper(low, 1, True, cpu, torch.float32), 1, tokens,
                                     settings, True, cpu)
    print(f"cached:   {tokens} tokens in {t_cached:.2f} s = {tokens / t_cached:.1f} tokens/s", flush=True)
    uncached, t_uncached = _timed_sample(_low_stepper(low, 1, True, cpu, torch.float32), 1, tokens,
                                         settings, False, cpu)
    print(f"uncached: {tokens} tokens in {t_uncached:.2f} s = {tokens / t_uncached:.1f} tokens/s")
    print(f"speed-up: {t_uncached / t_cached:.1f}×; same tokens: {torch.equal(cached, uncached)}")
    return {"config": SMALL_LOW, "tokens": tokens, "threads": threads, "guidance": 3.0,
            "cached_s": t_cached, "uncached_s": t_uncached,
            "cached_tokens_per_s": tokens / t_cached, "uncached_tokens_per_s": tokens / t_uncached,
            "speedup": t_uncached / t_cached, "same_tokens": bool(torch.equal(cached, uncached))}


def paper_benchmark(seconds: float) -> dict:
    """Seconds to sample ``seconds`` of audio at paper size (LOW with CFG, UP, decode) in bf16."""
    device, dtype = torch.device("cuda"), torch.bfloat16
    low = LowPrior().to(device, dtype).eval()
    up = UpPrior().to(device, dtype).eval()
    vqvae = VQVAE().to(device).eval()
    n_low = int(seconds * 16000) // 32
    settings = TokenSampling(guidance=3.0)
    low_tokens, t_low = _timed_sample(_low_stepper(low, 1, True, device, dtype), 1, n_low, settings,
                                      True, device)
    with torch.no_grad():
        start, x_cond = up.conditioning(torch.randn(1, 512, device=device, dtype=dtype), low_tokens)
    up_tokens, t_up = _timed_sample(PriorStepper(up, start, x_cond), 1, 4 * n_low, TokenSampling(),
                                    True, device)
    t0 = time.perf_counter()
    vqvae.decode(up_tokens, level=0)
    torch.cuda.synchronize()
    t_dec = time.perf_counter() - t0
    total = t_low + t_up + t_dec
    print(f"paper size, {seconds} s of audio: LOW {t_low:.1f} s ({n_low} tokens, CFG), UP {t_up:.1f} s "
          f"({4 * n_low} tokens), decode {t_dec:.2f} s, total {total:.1f} s")
    return {"seconds_of_audio": seconds, "low_s": t_low, "up_s": t_up, "decode_s": t_dec,
            "total_s": total, "device": torch.cuda.get_device_name(), "dtype": "bfloat16"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=2048, help="LOW tokens to sample on the CPU")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads")
    parser.add_argument("--paper-size", action="store_true", help="the 48-layer GPU benchmark")
    parser.add_argument("--seconds", type=float, default=4.0, help="audio length for --paper-size")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.paper_size and not torch.cuda.is_available():
        print("--paper-size needs a CUDA GPU and none is available here; nothing was measured.")
        return 0
    result = paper_benchmark(args.seconds) if args.paper_size else cpu_benchmark(args.tokens, args.threads)
    result.update(torch=torch.__version__, machine=platform.machine(), python=platform.python_version())
    write_text_atomic(args.out, json.dumps(result, indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
