"""``foley-studio synth``: render clips of the procedural world as a VGGSound-style folder.

Writes ``DIR/video/{id}_000000.mp4`` (H.264 + AAC, 25 fps, 22050 Hz), ``DIR/vggsound.csv``
and ``DIR/events.jsonl`` (captions and event times), ready for training and evaluation.
"""
from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``synth`` subcommand."""
    parser = sub.add_parser("synth", help="render a dataset of the procedural audio-visual world")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--clips", type=int, default=100, help="how many clips (classes in turn)")
    parser.add_argument("--seed", type=int, default=0, help="dataset seed (same seed, same files)")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each clip")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import time

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
