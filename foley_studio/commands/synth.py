"""``foley-studio synth``: render clips of the procedural world as a VGGSound-style folder.

Writes ``DIR/video/{id}_000000.mp4`` (H.264 + AAC, 25 fps, 22050 Hz), ``DIR/vggsound.csv``
and ``DIR/events.jsonl`` (captions and event times), ready for training and evaluation.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from foley_studio.requests import MAX_SEED, Limit

LIMITS = {"clips": Limit("clips", 1, 1_000_000, integer=True),
          "seed": Limit("seed", 0, MAX_SEED, integer=True),
          "seconds": Limit("seconds", 0.1, 600.0),
          "workers": Limit("workers", 1, 1024, integer=True)}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``synth`` subcommand."""
    parser = sub.add_parser("synth", help="render a dataset of the procedural audio-visual world")
    parser.add_argument("--out", type=Path, required=True, help="output folder (required)")
    parser.add_argument("--clips", type=int, default=100,
                        help=f"how many clips (classes in turn); {LIMITS['clips'].span}, default %(default)s")
    parser.add_argument("--seed", type=int, default=0, help="dataset seed (same seed, same files); "
                        f"{LIMITS['seed'].span}, default %(default)s")
    parser.add_argument("--seconds", type=float, default=4.0,
                        help=f"length of each clip; {LIMITS['seconds'].span}, default %(default)s")
    parser.add_argument("--workers", type=int, default=None,
                        help=f"processes; {LIMITS['workers'].span}, default: all cores")
    parser.set_defaults(func=_run)


def _check(args: argparse.Namespace) -> None:
    """Every value in range and the output folder usable, before any clip is rendered."""
    from foley_studio.outputs import check_folder

    for name, limit in LIMITS.items():
        if getattr(args, name) is not None:
            limit.check(getattr(args, name))
    check_folder(args.out)


def _run(args: argparse.Namespace) -> int:
    import time

    _check(args)
    from tqdm import tqdm

    from foley_studio.data.render import render_dataset

    began = time.perf_counter()
    with tqdm(total=args.clips, desc="rendering", unit="clip") as bar:
        rows = render_dataset(args.out, args.clips, args.seed, seconds=args.seconds,
                              workers=args.workers, progress=lambda done, total: bar.update(done - bar.n))
    tests = sum(r.split == "test" for r in rows)
    print(f"{len(rows)} clips ({len(rows) - tests} train, {tests} test) in {args.out} "
          f"in {time.perf_counter() - began:.1f} s")
    return 0
