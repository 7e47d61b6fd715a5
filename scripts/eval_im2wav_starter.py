"""Measure the IM2WAV starter bundle on held-out clips of the procedural world.

    .venv/bin/python scripts/eval_im2wav_starter.py --bundle foley_studio/starter/im2wav-starter \
        --data runs/world --classifiers runs/world-audio --per-class 3 --out runs/im2wav-eval

For ``per-class`` test clips of each class it generates 4 s of sound on one CPU thread under
five conditionings: every frame with guidance, every frame without guidance, one mean frame
(the clip's mean CLIP vector), a still picture from a clip of another class, and the clip's
caption as a text prompt. The world audio classifier scores each take (accuracy; for the swapped
picture, the share that follows the picture's class), the world embedder gives Fréchet distances
to the real test audio, and onsets detected in the takes of impact classes are matched to the
clip's visible events. Writes ``metrics.json`` and ``metrics.md`` into ``--out``.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from foley_studio.atomic import write_text_atomic
from foley_studio.data.dataset import AVDataset
from foley_studio.evaluation.frechet import frechet_distance
from foley_studio.evaluation.onsets import detect_onsets, sync_error
from foley_studio.evaluation.world_models import WorldAudioModel
from foley_studio.models.im2wav.generator import Im2WavGenerator
from foley_studio.requests import SamplerSettings

IMPACT_CLASSES = ("ball", "clock", "drum", "footsteps")  # bounces, ticks, hits, steps
RATE = 16000
SECONDS = 4.0


@dataclass
class Takes:
    """Generated audio of one conditioning and the class each take should have."""

    audio: list = field(default_factory=list)    # (S,) arrays
    target: list = field(default_factory=list)   # class ids

    def add(self, wave: np.ndarray, label: int) -> None:
        """One take and its expected class."""
        self.audio.append(np.asarray(wave, np.float32))
        self.target.append(int(label))

    def array(self) -> np.ndarray:
        """(N, S) takes."""
        return np.stack(self.audio)


def pick_items(items: list[dict], per_class: int) -> list[dict]:
    """The first ``per_class`` clips of each class, in manifest order."""
    counts: dict[int, int] = {}
    picked = []
    for item in items:
        if counts.get(item["label"], 0) < per_class:
            picked.append(item)
            counts[item["label"]] = counts.get(item["label"], 0) + 1
    return picked


_GEN: dict = {}


def _load(bundle: str, guidance: float) -> None:
    """Worker start: one generator per process, one torch thread."""
    torch.set_num_threads(1)
    _GEN.update(gen=Im2WavGenerator.from_bundle(bundle, device="cpu"), guidance=guidance)


def takes_for(job: tuple[int, dict, dict]) -> tuple[dict, float]:
    """Every conditioning's take for one clip (``other`` is a clip of another class), and the
    seconds the guided every-frame take took."""
    seed, item, other = job
    gen, guided, plain = _GEN["gen"], SamplerSettings(guidance=_GEN["guidance"]), SamplerSettings(guidance=1.0)
    make = lambda feats, times, sampler: gen.generate_levels(  # noqa: E731
        feats, times, SECONDS, takes=1, seed=seed, sampler=sampler)
    feats, label, still = gen.encoder.embed_frames(item["frames"]), item["label"], np.zeros(1)
    start = time.perf_counter()
    wave, low = make(feats, item["frame_times"], guided)
    seconds = time.perf_counter() - start
    picture = gen.encoder.embed_frames(other["frames"][len(other["frames"]) // 2:][:1])
    out = {"every": (wave[0], label), "every_low": (low[0], label),
           "unguided": (make(feats, item["frame_times"], plain)[0][0], label),
           "mean_frame": (make(F.normalize(feats.mean(0, keepdim=True), dim=-1), still, guided)[0][0], label),
           "swapped": (make(picture, still, guided)[0][0], other["label"]),
           "text": (make(gen.encoder.embed_text(item["caption"])[None], still, guided)[0][0], label)}
    print(f"{seed}: {item['class_name']} in {seconds:.1f} s", flush=True)
    return out, seconds


def generate_all(bundle: Path, items: list[dict], guidance: float, workers: int) -> tuple[dict, list]:
    """Takes of every conditioning for every item, and the seconds each guided take took."""
    first = {}
    for item in items:
        first.setdefault(item["label"], item)
    classes = sorted(first)
    jobs = [(seed, item, first[classes[(classes.index(item["label"]) + 1) % len(classes)]])
            for seed, item in enumerate(items)]
    with multiprocessing.get_context("spawn").Pool(workers, _load, (str(bundle), guidance)) as pool:
        results = pool.map(takes_for, jobs, chunksize=1)
    runs: dict[str, Takes] = {}
    for out, _ in results:
        for name, (wave, target) in out.items():
            runs.setdefault(name, Takes()).add(wave, target)
    return runs, [sec for _, sec in results]


def class_frechet(emb: np.ndarray, labels: np.ndarray, ref: np.ndarray, ref_labels: np.ndarray,
                  shift: int = 0) -> float:
    """Mean over classes of the Fréchet distance between the takes of class c and the real clips
    of class c + ``shift`` (a shift other than 0 is the class-shuffled baseline)."""
    classes = np.unique(ref_labels)
    out = []
    for c in np.unique(labels):
        other = classes[(np.searchsorted(classes, c) + shift) % len(classes)]
        out.append(frechet_distance(emb[labels == c], ref[ref_labels == other]))
    return float(np.mean(out))


def onset_figures(audio: np.ndarray, items: list[dict], impact: set[int]) -> dict:
    """Median |onset − event| (ms) of matched pairs within 200 ms, share of events hit within 40 ms."""
    rows = [i for i, it in enumerate(items) if it["label"] in impact]
    onsets = [detect_onsets(audio[i], RATE) for i in rows]
    events = [items[i]["events"] for i in rows]
    wide = sync_error(onsets, events, window_s=0.2)
    tight = sync_error(onsets, events, window_s=0.04)
    return {"median_abs_ms": wide.median_abs_ms, "miss_rate_200ms": wide.miss_rate,
            "events_hit_within_40ms": 1.0 - tight.miss_rate, "events": wide.n_events,
            "clips": len(rows)}


def measure(runs: dict, items: list[dict], model: WorldAudioModel, reference: dict) -> dict:
    """Accuracy, Fréchet distances and onset figures of every conditioning."""
    ref_emb, ref_labels = model.embed(reference["audio"], RATE), reference["labels"]
    impact = {model.classes.index(c) for c in IMPACT_CLASSES}
    result = {}
    for name, takes in runs.items():
        audio, target = takes.array(), np.array(takes.target)
        probs, emb = model.predict_proba(audio, RATE), model.embed(audio, RATE)
        figures = {"accuracy": float((probs.argmax(1) == target).mean()),
                   "fd": frechet_distance(emb, ref_emb),
                   "class_fd": class_frechet(emb, target, ref_emb, ref_labels),
                   "class_fd_shuffled": class_frechet(emb, target, ref_emb, ref_labels, shift=1)}
        if name in ("every", "mean_frame", "every_low", "unguided"):
            figures["onsets"] = onset_figures(audio, items, impact)
        result[name] = figures
    real = model.predict_proba(reference["audio"], RATE)
    result["real_test_audio"] = {"accuracy": float((real.argmax(1) == ref_labels).mean()),
                                 "onsets": onset_figures(np.stack([it["audio"] for it in items]), items, impact)}
    return result


def to_markdown(result: dict, meta: dict) -> str:
    """A table of the figures."""
    lines = [f"IM2WAV starter on {meta['clips']} held-out world clips (guidance {meta['guidance']}); "
             f"4 s take in {meta['seconds_per_take_median']:.1f} s (median, one thread)", "",
             "| conditioning | accuracy | FD | class FD | class FD, shuffled | onset median ms | "
             "events hit ≤40 ms |", "|---|---|---|---|---|---|---|"]
    for name, f in result.items():
        if name == "real_test_audio":
            continue
        on = f.get("onsets", {})
        cell = lambda v: "" if v is None else f"{v:.3f}"  # noqa: E731
        lines.append(f"| {name} | {f['accuracy']:.3f} | {f['fd']:.3f} | {f['class_fd']:.3f} | "
                     f"{f['class_fd_shuffled']:.3f} | {cell(on.get('median_abs_ms'))} | "
                     f"{cell(on.get('events_hit_within_40ms'))} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Generate, score and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=Path("foley_studio/starter/im2wav-starter"))
    parser.add_argument("--data", type=Path, default=Path("runs/world"))
    parser.add_argument("--classifiers", type=Path, default=Path("runs/world-audio"))
    parser.add_argument("--per-class", type=int, default=3)
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=Path("runs/im2wav-eval"))
    parser.add_argument("--workers", type=int, default=2, help="generating processes (one thread each)")
    args = parser.parse_args()
    if args.per_class < 2:
        parser.error("--per-class must be at least 2 (a Fréchet distance per class needs two takes)")
    torch.set_num_threads(1)
    data = AVDataset(args.data, split="test", sample_rate=RATE, seconds=SECONDS, fps=25.0)
    test = [data[i] for i in range(len(data))]
    items = pick_items(test, args.per_class)
    for item in test:  # only the picked clips' frames are needed
        if not any(item is it for it in items):
            item.pop("frames")
    model = WorldAudioModel.load(args.classifiers / "world_audio")
    runs, seconds = generate_all(args.bundle, items, args.guidance, args.workers)
    reference = {"audio": np.stack([it["audio"] for it in test]),
                 "labels": np.array([it["label"] for it in test])}
    meta = {"clips": len(items), "guidance": args.guidance, "bundle": str(args.bundle),
            "seconds_per_take_median": float(np.median(seconds)), "workers": args.workers,
            "reference_clips": len(test)}
    result = measure(runs, items, model, reference)
    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out / "metrics.json", json.dumps({"meta": meta, "figures": result}, indent=2))
    write_text_atomic(args.out / "metrics.md", to_markdown(result, meta))
    print(to_markdown(result, meta))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
