"""``foley-studio demo``: the bundled demo clip, read back, and Foley made for it.

Reads ``examples/demo.mp4`` (a clip of the procedural world), prints what was read (streams,
frames, soundtrack, events), then generates takes for it with every starter model bundled in
this version and writes them as Broadcast WAVs to ``--out``.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.mp4"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand."""
    parser = sub.add_parser("demo", help="read the demo clip and generate Foley for it")
    parser.add_argument("--clip", type=Path, default=DEMO, help="video to use (default: the demo clip)")
    parser.add_argument("--out", type=Path, default=Path("demo-output"))
    parser.add_argument("--takes", type=int, default=2)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from foley_studio import media, registry

    info = media.probe(args.clip)
    print(f"Read {args.clip}:")
    for key, value in info.items():
        print(f"  {key:14s} {value}")
    _print_events(args.clip)
    starters = [b for b in registry.list_bundles() if b.path.parent == registry.STARTER_DIR]
    if not starters:
        print("No starter models are bundled in this version, so no Foley was generated; "
              "train or import a model ('foley-studio weights list' shows what is installed).")
        return 0
    for bundle in starters:
        _generate(args, bundle.name, info["duration"])
    return 0


def _print_events(clip: Path) -> None:
    sidecar = clip.with_suffix(".json")
    if sidecar.is_file():
        meta = json.loads(sidecar.read_text())
        print(f"  caption        {meta.get('caption', '')}")
        print(f"  events (s)     {', '.join(f'{t:.2f}' for t in meta.get('events', []))}")


def _generate(args: argparse.Namespace, model: str, duration: float) -> None:
    from foley_studio import api, media
    from foley_studio.requests import GenerationRequest

    request = GenerationRequest("foley", str(args.clip), start=0.0, end=min(duration, 4.0),
                                takes=args.takes, model=model)
    for take in api.generate(request):
        path = args.out / f"{model}_seed{take.seed}.wav"
        media.write_take(path, take)
        print(f"  wrote {path} ({take.duration:.2f} s, {model}, seed {take.seed})")
