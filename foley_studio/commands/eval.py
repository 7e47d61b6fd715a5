"""``foley-studio eval``: measure model bundles on a rendered world's held-out clips.

    foley-studio eval --model foley_studio/starter/im2wav-starter \\
        --model foley_studio/starter/echoes-starter --data runs/world --judges runs/judges \\
        --out runs/eval

Runs the protocol of :mod:`foley_studio.evaluation.protocol` for every bundle, judges the takes
with the world's audio and image classifiers (``--judges``: ``world_audio`` and ``world_image``
from ``foley-studio train world-classifier``) and the timbre-only judge (``--timbre-judge``,
default the shipped one) against all of the test split's real audio, and
writes ``report.md``, ``report.json`` and ``report.png`` into ``--out``.
"""
from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

from foley_studio.requests import LIMITS as REQUEST_LIMITS
from foley_studio.requests import Limit, SamplerSettings

if TYPE_CHECKING:
    from foley_studio.evaluation.timbre import TimbreJudge

SAMPLER = SamplerSettings()

LIMITS = {"per_class": Limit("per-class (a Fréchet distance per class needs 2 takes)", 2, 1000,
                             integer=True),
          "guidance": REQUEST_LIMITS["guidance"], "steps": REQUEST_LIMITS["steps"],
          "sync_guidance": REQUEST_LIMITS["sync_guidance"],
          "workers": Limit("workers", 1, 256, integer=True)}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``eval`` subcommand."""
    parser = sub.add_parser("eval", help="measure model bundles on a world's held-out clips")
    parser.add_argument("--model", action="append", required=True, type=Path,
                        help="bundle folder (repeat for several)")
    parser.add_argument("--data", required=True, type=Path, help="rendered world ('foley-studio synth')")
    parser.add_argument("--judges", required=True, type=Path,
                        help="folder with world_audio and world_image ('train world-classifier')")
    parser.add_argument("--out", required=True, type=Path, help="folder for report.md/json/png")
    parser.add_argument("--timbre-judge", type=Path, default=None,
                        help="timbre-only judge ('train timbre-judge'); default: the shipped one, "
                             "used when it knows every class of --data")
    parser.add_argument("--per-class", type=int, default=3,
                        help=f"test clips per class; {LIMITS['per_class'].span}, default %(default)s")
    parser.add_argument("--guidance", type=float, default=3.0,
                        help=f"guidance of every take; {LIMITS['guidance'].span}, default %(default)s")
    parser.add_argument("--sync-guidance", type=float, default=SAMPLER.sync_guidance,
                        help="IM2WAV's guidance on the sync track apart from the picture; "
                             f"{LIMITS['sync_guidance'].span}, default %(default)s")
    parser.add_argument("--steps", type=int, default=30, help="MaskGIT steps (Visual Echoes); "
                        f"{LIMITS['steps'].span}, default %(default)s")
    parser.add_argument("--workers", type=int, default=2, help="generating processes, one thread "
                        f"each; {LIMITS['workers'].span}, default %(default)s")
    parser.add_argument("--classes", default="",
                        help="comma-separated class names to measure (a focused run); default all")
    parser.add_argument("--sync-only", action="store_true",
                        help="only the guided video take and the sync rows (a focused run); "
                             "default off")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from foley_studio.errors import ConfigError
    from foley_studio.evaluation.protocol import Protocol, shift_notes
    from foley_studio.outputs import check_folder
    from foley_studio.evaluation.report import evaluate_runs, world_models, write_report

    for name, limit in LIMITS.items():
        if getattr(args, name) is not None:
            limit.check(getattr(args, name))
    check_folder(args.out)
    judges = world_models(args.judges)
    judges.timbre_judge = _timbre_judge(args.timbre_judge, judges.audio_classifier.classes)
    classes = tuple(c.strip() for c in args.classes.split(",") if c.strip())
    unknown = sorted(set(classes) - set(judges.audio_classifier.classes))
    if unknown:
        raise ConfigError(f"--classes names {unknown}, which the world does not have; choose from "
                          f"{list(judges.audio_classifier.classes)}.")
    proto = Protocol(guidance=args.guidance, steps=args.steps, classes=classes, sync_only=args.sync_only,
                     sync_guidance=args.sync_guidance)
    reference = _reference(args.data, judges, proto.seconds)
    runs, notes, bundles = {}, [], {}
    for bundle in args.model:
        name, rows, figures = _measure_bundle(bundle, args, proto)
        runs.update({f"{name}: {row}": data for row, data in rows.items()})
        bundles[name] = figures
        notes.append(f"{name}: a guided 4-s video take took {figures['seconds_per_take']:.1f} s "
                     f"(median, one CPU thread); weights {figures['weights_mb']:.1f} MB.")
    result = evaluate_runs(runs, reference, judges)
    if judges.timbre_judge is None:
        notes.append("Timbre accuracy not computed: the shipped timbre judge does not know every "
                     "class of this world; give one with --timbre-judge ('train timbre-judge').")
    result.notes += notes + shift_notes(result.rows)
    result.meta.update(bundles=bundles, protocol=asdict(proto), data=str(args.data),
                       per_class=args.per_class)
    files = write_report(result, args.out, title="Foley Studio on held-out world clips")
    print(files.markdown.read_text())
    print(f"wrote {files.markdown}, {files.json} and {files.png}")
    return 0


def _timbre_judge(path: Optional[Path], classes: Sequence[str]) -> Optional[TimbreJudge]:
    """The timbre judge at ``path``, or the shipped one if it knows every class of the world
    (None otherwise: a world of other classes needs its own, 'train timbre-judge')."""
    from foley_studio.errors import ConfigError
    from foley_studio.evaluation.timbre import SHIPPED, TimbreJudge

    judge = TimbreJudge.load(path or SHIPPED)
    missing = sorted(set(classes) - set(judge.classes))
    if missing and path is not None:
        raise ConfigError(f"The timbre judge {path} knows the classes {judge.classes}, not "
                          f"{missing}; train one on this world with 'foley-studio train timbre-judge'.")
    return None if missing else judge


def _measure_bundle(bundle: Path, args: argparse.Namespace, proto) -> tuple[str, dict, dict]:
    """Run the protocol for one bundle: its name, rows and speed/size figures."""
    import numpy as np
    from tqdm import tqdm

    from foley_studio.evaluation.protocol import collect_runs
    from foley_studio.registry import read_bundle

    info = read_bundle(bundle)
    with tqdm(desc=f"eval {info.name}", unit="clip") as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        rows, seconds = collect_runs(bundle, args.data, args.per_class, proto,
                                     workers=args.workers, progress=progress)
    weights = sum(p.stat().st_size for p in Path(bundle).rglob("*.safetensors"))
    return info.name, rows, {"path": str(bundle), "seconds_per_take": float(np.median(seconds)),
                             "weights_mb": weights / 1e6}


def _reference(data: Path, judges, seconds: float):
    """All test clips' real audio at the audio judge's rate, checked against its classes."""
    from foley_studio.data.dataset import AVDataset
    from foley_studio.errors import ConfigError
    from foley_studio.evaluation.report import reference_from_items

    clf = judges.audio_classifier
    ds = AVDataset(data, split="test", sample_rate=clf.net.sample_rate, seconds=seconds, fps=1.0)
    if tuple(ds.classes) != tuple(clf.classes):
        raise ConfigError(f"The judges know the classes {list(clf.classes)} but {data} has "
                          f"{ds.classes}; train them on this world ('foley-studio train "
                          "world-classifier').")
    return reference_from_items([ds[i] for i in range(len(ds))], clf.net.sample_rate)
