"""The added cost of the timing condition per 4-s take, for each generator, on the CPU.

    python benchmarks/bench_timing.py                       # both starters, 3 repeats
    python benchmarks/bench_timing.py --model PATH --repeats 5

For a rendered world clip (ball bounces) it times one guided 4-s take without a sync track and
one with the clip's event times as hits (same seed; IM2WAV also at a sync guidance equal to the
guidance, which needs no third row group per token), and, alone, the work the timing condition
adds to a take: the features and the embedding of every window (IM2WAV: once per LOW window,
since it joins the fixed per-token conditioning; Visual Echoes: on both sides of every guided
unmasking step). On a busy machine the take times are noisy; the isolated cost is the figure. Writes JSON (``--out``, default
``benchmarks/results/bench_timing.json``). A bundle without a timing condition ignores the
track, so its difference is noise: the figure is printed with ``follows_sync``.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from foley_studio.atomic import write_text_atomic
from foley_studio.data.world import render_clip
from foley_studio.evaluation.protocol import load_bundle_generator
from foley_studio.generation import Conditioning
from foley_studio.requests import SamplerSettings
from foley_studio.sync import SyncTrack

STARTERS = Path(__file__).resolve().parents[1] / "foley_studio" / "starter"
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "bench_timing.json"
SECONDS = 4.0


def _conditioning(gen) -> tuple[Conditioning, SyncTrack]:
    """A 4-s world clip's frames at the generator's rate, and its event times as a sync track."""
    clip = render_clip(4242, "ball", SECONDS, second=False)
    step = max(1, int(round(clip.fps / gen.frame_rate)))
    frames = clip.frames[::step]
    cond = Conditioning(duration=SECONDS, frames=frames, frame_times=np.arange(len(frames)) * step / clip.fps)
    return cond, SyncTrack.from_times(clip.event_times(), source="ground-truth")


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(bundle: Path, repeats: int) -> dict:
    """Median seconds per take without and with sync, and of the features alone."""
    gen = load_bundle_generator(bundle)
    cond, track = _conditioning(gen)
    sampler = SamplerSettings(guidance=3.0, steps=30)
    take = lambda c: gen.generate(c, takes=1, seed=0, sampler=sampler)  # noqa: E731
    take(cond)  # warm-up
    plain = _median_seconds(lambda: take(cond), repeats)
    synced = _median_seconds(lambda: take(replace(cond, sync=track)), repeats)
    same = None
    if hasattr(gen, "low"):  # two row groups: the sync track guided with the picture
        one_scale = replace(sampler, sync_guidance=None)
        same = _median_seconds(lambda: gen.generate(replace(cond, sync=track), takes=1, seed=0,
                                                    sampler=one_scale), repeats)
    return {"bundle": str(bundle), "follows_sync": bool(gen.follows_sync), "plain_s": plain,
            "sync_s": synced, "added_s": synced - plain, "added_percent": 100 * (synced - plain) / plain,
            "sync_one_scale_s": same, "sync_guidance": sampler.sync_guidance,
            "condition_s": _condition_seconds(gen, track, sampler.steps, repeats) if gen.follows_sync else None}


@torch.no_grad()
def _condition_seconds(gen, track: SyncTrack, steps: int, repeats: int) -> float:
    """Seconds of timing work in one guided 4-s take: features and embeddings of every window."""
    from foley_studio.models.timing import envelope_levels, timing_features

    if hasattr(gen, "low"):  # IM2WAV: one embedding per LOW window, folded into x_cond
        cell, cells, modules = gen.hop_low / gen.sample_rate, gen.low.n_ctx, [gen.low.timing]
        windows, calls = len(gen.plans(int(np.ceil(SECONDS * gen.sample_rate / gen.hop_low)))[0]), 1
    else:  # Visual Echoes: encoder and decoder embeddings at every unmasking step
        cell, cells = gen.col_seconds, gen.window_cols
        modules = [gen.model.timing_enc, gen.model.timing_dec]
        from foley_studio.models.echoes.canvas import count_windows

        n = max(int(np.ceil(SECONDS / cell)), cells)
        windows, calls = count_windows(torch.ones(n, dtype=torch.bool), cells, gen.context_cols), steps

    def work() -> None:
        for w in range(windows):
            start = w * cells * cell / 2
            feats = timing_features(track.relative(0.0, SECONDS), cells, cell, start,
                                    envelope_levels(track.envelope, cells, cell, start))
            rows = torch.from_numpy(feats)[None].expand(2, -1, -1)  # conditional + null rows
            for _ in range(calls):
                for m in modules:
                    m(rows)

    return _median_seconds(work, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", type=Path,
                        help="bundle folder (repeat; default: both starters)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    torch.set_num_threads(1)
    models = args.model or [STARTERS / "im2wav-starter", STARTERS / "echoes-starter"]
    results = [bench(m, args.repeats) for m in models]
    for r in results:
        print(f"{Path(r['bundle']).name}: follows sync {r['follows_sync']}; 4-s take {r['plain_s']:.2f} s "
              f"without sync, {r['sync_s']:.2f} s with ({r['added_s']:+.3f} s, {r['added_percent']:+.1f} %)"
              + (f"; the timing work alone {r['condition_s'] * 1000:.1f} ms per take"
                 if r["condition_s"] is not None else "; no timing condition")
              + (f"; at sync guidance = guidance {r['sync_one_scale_s']:.2f} s (sync guidance "
                 f"{r['sync_guidance']:g} costs {r['sync_s'] / r['sync_one_scale_s']:.2f}×)"
                 if r["sync_one_scale_s"] else ""))
    report = {"machine": platform.platform(), "threads": 1, "seconds": SECONDS, "results": results}
    write_text_atomic(args.out, json.dumps(report, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
