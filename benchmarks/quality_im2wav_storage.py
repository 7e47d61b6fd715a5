"""What each weight storage costs in quality, on the trained starter priors and held-out clips.

    python benchmarks/quality_im2wav_storage.py --data runs/world --per-class 2 \\
        [--judges runs/judges]

For every picked test clip of the world (``--per-class`` per class), the clip's own LOW and UP
tokens (from the bundle's VQ-VAE) are fed token by token through the sampling path
(:class:`~foley_studio.models.im2wav.stepper.PriorStepper`, KV cache) of a float32 generator and
of one per storage, conditioned on the clip's frames; the mean KL divergence KL(fp32 ‖ storage)
of the next-token distributions that sampling draws from (LOW guided with s = 3, UP plain) is
printed per level, in nats. With ``--judges`` (``world_audio`` from ``foley-studio train
world-classifier``), each storage also makes one guided 4-s take per clip with the same seed and
the audio judge's accuracy of those takes is printed beside float32's.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from foley_studio.atomic import write_text_atomic
from foley_studio.generation import Conditioning
from foley_studio.models.im2wav.generator import Im2WavGenerator
from foley_studio.models.im2wav.stepper import PriorStepper
from foley_studio.models.im2wav.storage import STORAGES, name_list
from foley_studio.registry import STARTER_DIR
from foley_studio.requests import SamplerSettings

GUIDANCE, SECONDS = 3.0, 4.0
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "quality_im2wav_storage.json"


@torch.no_grad()
def step_log_probs(stepper: PriorStepper, tokens: torch.Tensor, guided: bool) -> torch.Tensor:
    """Log-probabilities (T, V) of each next token, stepping through ``tokens`` (T,) with the cache."""
    rows = 2 if guided else 1
    out = []
    for pos in range(tokens.shape[0]):
        prev = None if pos == 0 else tokens[pos - 1].expand(rows)
        logits = stepper.step(prev, pos).float()  # (R, V)
        if guided:
            logits = GUIDANCE * logits[:1] + (1 - GUIDANCE) * logits[1:]
        out.append(F.log_softmax(logits[0], dim=-1))
    return torch.stack(out)


def level_steppers(gen: Im2WavGenerator, item: dict) -> dict[str, tuple[PriorStepper, torch.Tensor, bool]]:
    """The first LOW and UP window of a clip: stepper, the clip's true tokens, whether guided."""
    feats, times = gen.condition_features(Conditioning(duration=SECONDS, frames=item["frames"],
                                                       frame_times=item["frame_times"]))
    job, low_plan, up_plan = gen._job(feats, times, SECONDS, 1, 0, None, None)
    up_tokens, low_tokens = gen.vqvae.encode(torch.from_numpy(item["audio"][None]).float())[:2]
    start, x_cond = gen._low_conditioning(job, low_plan[0], 2)
    low = (PriorStepper(gen.low, start, x_cond), low_tokens[0, :gen.low.n_ctx], True)
    hi = up_plan[0].end // gen.up.ratio
    start_vector = gen.up_start_features(job, up_plan[0])  # (C,) by the bundle's convention
    start, x_cond = gen.up.conditioning(start_vector[None], low_tokens[:, :hi])
    return {"low": low, "up": (PriorStepper(gen.up, start, x_cond), up_tokens[0, :gen.up.n_ctx], False)}


def mean_kl(reference: Im2WavGenerator, other: Im2WavGenerator, items: list[dict]) -> dict[str, float]:
    """Mean KL(reference ‖ other) per level over every position of every clip (nats)."""
    sums: dict[str, list[float]] = {"low": [], "up": []}
    for item in items:
        ref, oth = level_steppers(reference, item), level_steppers(other, item)
        for level in sums:
            p = step_log_probs(*ref[level])  # (T, V)
            q = step_log_probs(*oth[level])
            sums[level] += (p.exp() * (p - q)).sum(-1).tolist()
    return {level: float(np.mean(values)) for level, values in sums.items()}


def take_accuracy(gen: Im2WavGenerator, items: list[dict], judge) -> tuple[float, np.ndarray]:
    """Share of guided takes (seed = clip index) the audio judge gives the clip's class; the takes."""
    sampler = SamplerSettings(guidance=GUIDANCE)
    takes = np.stack([gen.generate(Conditioning(duration=SECONDS, frames=it["frames"],
                                                frame_times=it["frame_times"]),
                                   takes=1, seed=i, sampler=sampler)[0] for i, it in enumerate(items)])
    predicted = judge.predict_proba(takes, gen.sample_rate).argmax(1)
    return float(np.mean(predicted == np.array([it["label"] for it in items]))), takes


def main() -> None:
    """Measure every storage against float32 and write the JSON."""
    from foley_studio.evaluation.protocol import load_items

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=STARTER_DIR / "im2wav-starter")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--per-class", type=int, default=2)
    parser.add_argument("--judges", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--storages", type=name_list(STORAGES), default=",".join(STORAGES[1:]),
                        help="comma-separated storages to compare with fp32")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    names = ["fp32"] + [s for s in args.storages if s != "fp32"]
    gens = {s: Im2WavGenerator.from_bundle(args.bundle, device="cpu", storage=s) for s in names}
    items = load_items(args.data, gens["fp32"], args.per_class, SECONDS)
    print(f"{len(items)} held-out clips; load average {os.getloadavg()[0]:.2f}", flush=True)
    report = {"bundle": str(args.bundle), "clips": len(items), "kl": {}, "accuracy": {}}
    for storage in names[1:]:
        report["kl"][storage] = mean_kl(gens["fp32"], gens[storage], items)
        print(f"{storage}: mean KL vs fp32  LOW {report['kl'][storage]['low']:.5f}  "
              f"UP {report['kl'][storage]['up']:.5f} nats", flush=True)
    if args.judges is not None:
        from foley_studio.evaluation.world_models import WorldAudioModel

        judge = WorldAudioModel.load(args.judges / "world_audio")
        for storage, gen in gens.items():
            began = time.perf_counter()
            report["accuracy"][storage], _ = take_accuracy(gen, items, judge)
            print(f"{storage}: takes judged right {100 * report['accuracy'][storage]:.1f} % "
                  f"({time.perf_counter() - began:.0f} s)", flush=True)
    report["load_average"] = os.getloadavg()
    write_text_atomic(args.out, json.dumps(report, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
