"""Both judges side by side on the starters' guided video takes and first-stage reconstructions.

    python benchmarks/quality_listening.py --data runs/world --judges runs/judges \\
        --im2wav foley_studio/starter/im2wav-starter --echoes foley_studio/starter/echoes-starter \\
        [--vqvae NAME=FOLDER ...] [--per-class 3] --out runs/listening

For the eval protocol's clips (the first ``--per-class`` held-out clips of each class), each
bundle makes the protocol's guided video take (guidance 3, seed = clip index) and reconstructs
the real audio through its first stage. IM2WAV's UP tokens are kept, so each ``--vqvae``
(a 'train im2wav-vqvae' folder, e.g. a decoders-only fine-tune) decodes the very same takes:
only the decoder differs. Visual Echoes' takes and reconstructions are also decoded by
Griffin-Lim in place of the bundle's vocoder. Everything is judged by
:func:`~foley_studio.evaluation.report.evaluate_runs` (world classifier, timbre judge, comb,
transients) against all held-out clips and written as ``report.md``/``.json``/``.png``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from foley_studio.evaluation.protocol import Protocol, load_bundle_generator, load_items
from foley_studio.evaluation.report import EvalModels, RunData, evaluate_runs, write_report
from foley_studio.evaluation.timbre import TimbreJudge
from foley_studio.evaluation.world_models import WorldAudioModel
from foley_studio.generation import Conditioning


def _video(item: dict) -> Conditioning:
    return Conditioning(duration=Protocol().seconds, frames=item["frames"], frame_times=item["frame_times"])


def im2wav_runs(bundle: Path, data: Path, per_class: int, vqvaes: dict[str, Path],
                classes: tuple[str, ...] = ()) -> dict[str, RunData]:
    """Takes and reconstructions through the bundle's VQ-VAE and through each of ``vqvaes``."""
    from foley_studio.models.im2wav.train_prior import load_trained_vqvae

    gen = load_bundle_generator(bundle)
    items = load_items(data, gen, per_class, Protocol().seconds, classes)
    kept, decode = [], gen.decode
    gen.decode = lambda job, up: (kept.append(up), decode(job, up))[1]
    for i, item in enumerate(items):
        gen.generate(_video(item), takes=1, seed=i, sampler=Protocol().sampler())
    gen.decode = decode
    tokens, real = torch.cat(kept), torch.from_numpy(np.stack([it["audio"] for it in items]))
    runs = {}
    for name, vq in {"bundle": gen.vqvae, **{k: load_trained_vqvae(v) for k, v in vqvaes.items()}}.items():
        with torch.no_grad():
            takes = vq.decode(tokens, 0)[:, :real.shape[1]].clamp(-1, 1).numpy()
            recon = vq.decode(vq.encode(real)[0], 0)[:, :real.shape[1]].clamp(-1, 1).numpy()
        runs.update(_pair(f"{gen.name} ({name})", takes, recon, items, gen.sample_rate, gen.token_hop))
    return runs


def echoes_runs(bundle: Path, data: Path, per_class: int, classes: tuple[str, ...] = ()) -> dict[str, RunData]:
    """Takes and reconstructions through the bundle's vocoder and through Griffin-Lim."""
    from foley_studio.models.echoes.generator import EchoesGenerator

    gen = load_bundle_generator(bundle)
    gl = EchoesGenerator.from_bundle(bundle, vocoder="griffin-lim", device="cpu")
    items = load_items(data, gen, per_class, Protocol().seconds, classes)
    canvases, decode = [], gen.decode_audio
    gen.decode_audio = lambda canvas, *rest: (canvases.append(canvas), decode(canvas, *rest))[1]
    for i, item in enumerate(items):
        gen.generate(_video(item), takes=1, seed=i, sampler=Protocol().sampler())
    gen.decode_audio = decode  # keep no more canvases
    real = torch.from_numpy(np.stack([it["audio"] for it in items]))
    tokens, n = gen.audio.tokenize(real), real.shape[1]
    runs = {}
    for name, chain in (("bundle", gen), ("Griffin-Lim", gl)):
        takes = np.concatenate([chain.decode_audio(c)[:, :n] for c in canvases])
        runs.update(_pair(f"{gen.name} ({name})", takes, chain.decode_audio(tokens)[:, :n], items,
                          gen.sample_rate, gen.token_hop))
    return runs


def _pair(prefix: str, takes: np.ndarray, recon: np.ndarray, items: list[dict], rate: int,
          hop: int) -> dict[str, RunData]:
    ids, labels = [str(it["id"]) for it in items], np.array([it["label"] for it in items])
    return {f"{prefix}: {row}": RunData(np.asarray(audio, np.float32), rate, ids, labels=labels, token_hop=hop)
            for row, audio in (("video", takes), ("reconstruction", recon))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--judges", required=True, type=Path, help="folder with world_audio ('train world-classifier')")
    parser.add_argument("--im2wav", type=Path, help="IM2WAV bundle")
    parser.add_argument("--echoes", type=Path, help="Visual Echoes bundle")
    parser.add_argument("--vqvae", action="append", default=[], help="NAME=FOLDER of another VQ-VAE")
    parser.add_argument("--per-class", type=int, default=3)
    parser.add_argument("--classes", default="", help="comma-separated class names (default all)")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    torch.set_num_threads(1)
    from foley_studio.commands.eval import _reference

    judges = EvalModels(audio_classifier=WorldAudioModel.load(args.judges / "world_audio"),
                        timbre_judge=TimbreJudge.load())

    runs, classes = {}, tuple(c for c in args.classes.split(",") if c)
    if args.im2wav:
        vqvaes = {k: Path(v) for k, v in (a.split("=", 1) for a in args.vqvae)}
        runs.update(im2wav_runs(args.im2wav, args.data, args.per_class, vqvaes, classes))
    if args.echoes:
        runs.update(echoes_runs(args.echoes, args.data, args.per_class, classes))
    result = evaluate_runs(runs, _reference(args.data, judges, Protocol().seconds), judges)
    files = write_report(result, args.out, title="Both judges on held-out world clips")
    print(files.markdown.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
