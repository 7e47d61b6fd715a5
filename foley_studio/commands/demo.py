"""``foley-studio demo``: the bundled demo clip, read back, and Foley made for it.

Reads ``examples/demo.mp4`` (a clip of the procedural world), prints what was read (streams,
frames, soundtrack, events), then generates takes for it with every starter model bundled in
this version and writes them as Broadcast WAVs to ``--out`` (checked, with the files it
would write, before any model loads; existing files are replaced only with ``--overwrite``).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from foley_studio import outputs
from foley_studio.requests import LIMITS, GenerationRequest

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.mp4"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand."""
    parser = sub.add_parser("demo", help="read the demo clip and generate Foley for it")
    parser.add_argument("--clip", type=Path, default=DEMO, help="video to use (default: the demo clip)")
    parser.add_argument("--out", type=Path, default=Path("demo-output"),
                        help="output folder, made if missing (not a file); default %(default)s")
    parser.add_argument("--takes", type=int, default=2,
                        help=f"takes per starter model; {LIMITS['takes'].span}, default %(default)s")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace files of the same name in --out (default: refuse)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from foley_studio import media, registry

    LIMITS["takes"].check(args.takes)
    info = media.probe(args.clip)
    print(f"Read {args.clip}:")
    for key, value in info.items():
        print(f"  {key:14s} {value}")
    _print_events(args.clip)
    starters = [b.name for b in registry.list_bundles() if b.path.parent == registry.STARTER_DIR]
    if not starters:
        print("No starter models are bundled in this version, so no Foley was generated; "
              "train or import a model ('foley-studio weights list' shows what is installed).")
        return 0
    plans = [_plan(args, model, info["duration"]) for model in starters]
    outputs.check_free([path for _, paths in plans for path in paths], overwrite=args.overwrite)
    for request, paths in plans:
        _generate(request, paths)
    return 0


def _print_events(clip: Path) -> None:
    sidecar = clip.with_suffix(".json")
    if sidecar.is_file():
        meta = json.loads(sidecar.read_text())
        print(f"  caption        {meta.get('caption', '')}")
        print(f"  events (s)     {', '.join(f'{t:.2f}' for t in meta.get('events', []))}")


def _plan(args: argparse.Namespace, model: str, duration: float):
    """The request for ``model`` (checked, with its source) and the files its takes go to."""
    from foley_studio import api

    request = GenerationRequest("foley", str(args.clip), start=0.0, end=min(duration, 4.0),
                                takes=args.takes, model=model)
    api.check_request(request)
    folder = outputs.check_folder(args.out)
    return request, [folder / outputs.take_file_name(request, model, i) for i in range(args.takes)]


def _generate(request: GenerationRequest, paths: list[Path]) -> None:
    from foley_studio import api
    from foley_studio.commands.generate import write_takes

    write_takes(api.generate(request), paths)
