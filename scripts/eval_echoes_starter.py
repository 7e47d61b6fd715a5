"""Measure a Visual Echoes bundle on held-out world clips against the starter model's goals.

    .venv/bin/python scripts/eval_echoes_starter.py [--bundle foley_studio/starter/echoes-starter]
        [--world runs/world] [--audio-classifier runs/world-audio/world_audio]
        [--image-classifier runs/world-image/world_image] [--clips 40] [--json PATH]

The first ``--clips`` clips of the world's test split (classes in turn) are used, one take each,
N = 30 steps, guidance 3 unless said otherwise, on one torch thread. Figures:

- ``foley``: class accuracy (world audio classifier) of 4 s made from the clip's video
  (the model's K frames at their times), with guidance and without (guidance 1);
- ``other_picture``: made from the middle frame of the clip ``classes/2`` classes on: how often
  the prediction is the picture's class, and how often it is still the clip's own;
- ``sync``: on clips whose class makes impacts (bounce, hit, step, strike, tick), onsets of the
  sound made from the video vs. from one middle frame, matched to the visible events within
  50 ms (median |error| and the share of events with no onset); the real audio as a ceiling;
- ``inpaint``: a 1 s gap (1.5–2.5 s) of the real soundtrack regenerated with the video: class
  accuracy of the gap alone and the click rate at both seams, beside the real audio's own;
- ``storyboard``: one picture per second from the real audio, classified by the world image
  classifier (pictures resized to the world's 128×128);
- ``speed``: seconds for 4 s with guidance; ``size``: bytes of the bundle's weight files.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from foley_studio.atomic import write_text_atomic
from foley_studio.data.dataset import AVDataset
from foley_studio.data.world import EVENT_KINDS, FRAME_SIZE
from foley_studio.evaluation.onsets import detect_onsets, sync_error
from foley_studio.evaluation.scores import class_accuracy
from foley_studio.evaluation.seams import click_rate, seam_scores
from foley_studio.evaluation.world_models import WorldAudioModel, WorldImageModel
from foley_studio.generation import Conditioning
from foley_studio.models.echoes.generator import EchoesGenerator
from foley_studio.requests import SamplerSettings

IMPACTS = {"bounce", "hit", "step", "strike", "tick"}
GAP = (1.5, 2.5)
SECONDS = 4.0


@dataclass
class Setup:
    """The generator, the judges and the held-out clips."""

    gen: EchoesGenerator
    audio_clf: WorldAudioModel
    image_clf: Optional[WorldImageModel]  # only for storyboards
    items: list[dict]
    classes: list[str]

    def labels(self) -> np.ndarray:
        """Class ids of the clips ``(N,)``."""
        return np.array([it["label"] for it in self.items])

    def classify(self, audio: list[np.ndarray]) -> np.ndarray:
        """Audio class probabilities ``(N, C)`` in the generator's class order."""
        probs = self.audio_clf.predict_proba(np.stack(audio), self.gen.sample_rate)
        return probs[:, [self.audio_clf.classes.index(c) for c in self.classes]]


def sampler(guidance: float = 3.0) -> SamplerSettings:
    """N = 30, the given guidance, MaskGIT choice temperature 9."""
    return SamplerSettings(steps=30, guidance=guidance, choice_temperature=9.0)


def video(item: dict) -> Conditioning:
    """All of the clip's frames at their times."""
    return Conditioning(duration=SECONDS, frames=item["frames"], frame_times=item["frame_times"])


def middle_frame(item: dict) -> Conditioning:
    """The clip's middle frame alone."""
    k = len(item["frames"]) // 2
    return Conditioning(duration=SECONDS, frames=item["frames"][k: k + 1],
                        frame_times=np.array([SECONDS / 2], np.float32))


def make(setup: Setup, conds: list[Conditioning], guidance: float = 3.0, seed: int = 0) -> list[np.ndarray]:
    """One take for each conditioning ``(S,)``."""
    return [setup.gen.generate(c, takes=1, seed=seed + i, sampler=sampler(guidance))[0]
            for i, c in enumerate(conds)]


def foley_figures(setup: Setup) -> tuple[dict, list[np.ndarray]]:
    """Accuracy with and without guidance; also returns the guided sounds for the sync test."""
    guided = make(setup, [video(it) for it in setup.items])
    plain = make(setup, [video(it) for it in setup.items], guidance=1.0)
    y = setup.labels()
    return {"accuracy_guidance_3": class_accuracy(setup.classify(guided), y),
            "accuracy_guidance_1": class_accuracy(setup.classify(plain), y),
            "accuracy_real_audio": class_accuracy(setup.classify([it["audio"] for it in setup.items]), y)}, guided


def other_picture_figures(setup: Setup) -> dict:
    """Sound from a picture of another class: does the prediction follow the picture?"""
    by_class = {it["label"]: it for it in setup.items}
    shift = len(setup.classes) // 2
    pictures = [by_class[(it["label"] + shift) % len(setup.classes)] for it in setup.items]
    top = setup.classify(make(setup, [middle_frame(p) for p in pictures])).argmax(1)
    return {"picture_class_rate": float(np.mean(top == np.array([p["label"] for p in pictures]))),
            "own_class_rate": float(np.mean(top == setup.labels()))}


def sync_figures(setup: Setup, guided: list[np.ndarray]) -> dict:
    """Onset error against visible impacts: video vs. one middle frame vs. the real audio."""
    picks = [i for i, it in enumerate(setup.items) if EVENT_KINDS.get(it["class_name"]) in IMPACTS]
    events = [setup.items[i]["events"] for i in picks]
    single = make(setup, [middle_frame(setup.items[i]) for i in picks])
    rate = setup.gen.sample_rate
    out = {"clips": len(picks), "events": int(sum(len(e) for e in events))}
    for name, sounds in (("video", [guided[i] for i in picks]), ("middle_frame", single),
                         ("real_audio", [setup.items[i]["audio"] for i in picks])):
        result = sync_error([detect_onsets(s, rate) for s in sounds], events)
        out[name] = {"median_abs_ms": result.median_abs_ms, "miss_rate": result.miss_rate,
                     "extra_rate": result.extra_rate}
    return out


def inpaint_figures(setup: Setup) -> dict:
    """Class of a regenerated 1 s gap and clicks at its seams, beside the real audio's."""
    rate = setup.gen.sample_rate
    lo, hi = (int(t * rate) for t in GAP)
    made = []
    for i, it in enumerate(setup.items):
        cond = Conditioning(duration=SECONDS, frames=it["frames"], frame_times=it["frame_times"],
                            audio=it["audio"], gap=GAP)
        made.append(setup.gen.inpaint(cond, takes=1, seed=i, sampler=sampler())[0])
    y = setup.labels()
    return {"gap_accuracy": class_accuracy(setup.classify([m[lo:hi] for m in made]), y),
            "gap_accuracy_real_audio": class_accuracy(setup.classify([it["audio"][lo:hi] for it in setup.items]), y),
            "seam_click_rate": click_rate([s for m in made for s in seam_scores(m, rate, GAP)]),
            "seam_click_rate_real_audio": click_rate(
                [s for it in setup.items for s in seam_scores(it["audio"], rate, GAP)])}


def storyboard_figures(setup: Setup) -> dict:
    """Share of storyboard pictures the world image classifier names rightly."""
    import cv2

    pictures, labels = [], []
    for i, it in enumerate(setup.items):
        cond = Conditioning(duration=SECONDS, audio=it["audio"])
        board = setup.gen.storyboard(cond, takes=1, seed=i, sampler=sampler(), window=1.0)[0]
        pictures += [cv2.resize(p, (FRAME_SIZE, FRAME_SIZE), interpolation=cv2.INTER_CUBIC) for p in board]
        labels += [it["label"]] * len(board)
    probs = setup.image_clf.predict_proba(np.stack(pictures))
    probs = probs[:, [setup.image_clf.classes.index(c) for c in setup.classes]]
    real = setup.image_clf.predict_proba(np.stack([it["frames"][len(it["frames"]) // 2] for it in setup.items]))
    real = real[:, [setup.image_clf.classes.index(c) for c in setup.classes]]
    return {"pictures": len(pictures), "accuracy": class_accuracy(probs, np.array(labels)),
            "accuracy_real_frames": class_accuracy(real, setup.labels())}


def speed_figures(setup: Setup) -> dict:
    """Best of 3 wall-clock seconds for 4 s from the video with guidance (one thread)."""
    cond, times = video(setup.items[0]), []
    for seed in range(3):
        began = time.perf_counter()
        setup.gen.generate(cond, takes=1, seed=seed, sampler=sampler())
        times.append(time.perf_counter() - began)
    return {"seconds_for_4s_guided": min(times), "torch_threads": torch.get_num_threads()}


def size_figures(bundle: Path) -> dict:
    """Bytes of each weight file and in all."""
    files = {p.name: p.stat().st_size for p in sorted(bundle.glob("*.safetensors"))}
    return {"files": files, "total_mb": sum(files.values()) / 1e6}


def load(args: argparse.Namespace, storyboards: bool) -> Setup:
    """The generator, the world classifiers and the first ``--clips`` test clips."""
    gen = EchoesGenerator.from_bundle(args.bundle, device="cpu")
    ds = AVDataset(args.world, split="test", sample_rate=gen.sample_rate, seconds=SECONDS)
    items = [ds[i] for i in range(min(args.clips, len(ds)))]
    return Setup(gen, WorldAudioModel.load(args.audio_classifier),
                 WorldImageModel.load(args.image_classifier) if storyboards else None, items,
                 list(ds.classes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=Path("foley_studio/starter/echoes-starter"))
    parser.add_argument("--world", type=Path, default=Path("runs/world"))
    parser.add_argument("--audio-classifier", type=Path, default=Path("runs/world-audio/world_audio"))
    parser.add_argument("--image-classifier", type=Path, default=Path("runs/world-image/world_image"))
    parser.add_argument("--clips", type=int, default=40)
    parser.add_argument("--only", nargs="*", default=None, help="figures to compute (default: all)")
    parser.add_argument("--json", type=Path, default=Path("runs/echoes-eval.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    wanted = set(args.only or ("foley", "other_picture", "inpaint", "storyboard", "speed"))
    setup = load(args, "storyboard" in wanted)
    result: dict = {"bundle": str(args.bundle), "clips": len(setup.items), "steps": 30, "guidance": 3.0}
    if "foley" in wanted:
        result["foley"], guided = foley_figures(setup)
        result["sync"] = sync_figures(setup, guided)
    for name, fn in (("other_picture", other_picture_figures), ("inpaint", inpaint_figures),
                     ("storyboard", storyboard_figures), ("speed", speed_figures)):
        if name in wanted:
            result[name] = fn(setup)
            print(name, json.dumps(result[name]), flush=True)
    result["size"] = size_figures(args.bundle)
    write_text_atomic(args.json, json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
