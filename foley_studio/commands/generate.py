"""``foley-studio generate|inpaint|outpaint|storyboard``: run a request and write the results.

Audio takes are written as Broadcast WAVs (24-bit) whose TimeReference places them at their
time in the source and whose description records model, seed and prompt.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from foley_studio.errors import ConfigError
from foley_studio.requests import GenerationRequest, SamplerSettings
from foley_studio.sync import SyncTrack

VERBS = {
    "generate": ("foley", "Foley for a video region or an image (or --prompt text alone)"),
    "inpaint": ("inpaint", "replace a gap (--gap A B) in a video's soundtrack"),
    "outpaint": ("extend", "continue a video's soundtrack for --seconds after --end"),
    "storyboard": ("storyboard", "draw pictures for a video's soundtrack, one per --window s"),
}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the four generation subcommands."""
    for verb, (mode, help_text) in VERBS.items():
        parser = sub.add_parser(verb, help=help_text)
        _add_common(parser)
        if verb == "inpaint":
            parser.add_argument("--gap", nargs=2, type=float, metavar=("A", "B"), required=True,
                                help="the gap to replace, seconds in the source")
        if verb == "outpaint":
            parser.add_argument("--seconds", type=float, default=2.0, help="how much to add")
        if verb == "storyboard":
            parser.add_argument("--window", type=float, default=1.0, help="seconds per frame")
        else:
            _add_sync(parser)
        parser.set_defaults(func=_run, mode=mode)


def _add_sync(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sync", type=Path, default=None, metavar="HITS_JSON",
                        help="sync track the takes follow ('foley-studio sync detect' writes one)")
    parser.add_argument("--conform", action=argparse.BooleanOptionalAction, default=None,
                        help="move each take's hits onto the sync track (default: on with --sync); "
                             "the generated version is written beside it as *_unconformed.wav")


def _with_sync(request: GenerationRequest, args: argparse.Namespace) -> GenerationRequest:
    """``request`` with the ``--sync`` track and the ``--conform`` choice."""
    if getattr(args, "sync", None) is None:
        if getattr(args, "conform", None):
            raise ConfigError("--conform needs a sync track: add --sync hits.json.")
        return request
    return request.with_changes(sync=SyncTrack.load(args.sync), conform=args.conform)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="?", help="video or image file")
    parser.add_argument("--model", default="im2wav-starter", help="bundle name or folder")
    parser.add_argument("--start", type=float, default=0.0, help="region start (s)")
    parser.add_argument("--end", type=float, default=None, help="region end (s)")
    parser.add_argument("--takes", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prompt", default=None, help="text prompt (text-to-audio)")
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument("--image-guidance", type=float, default=1.0,
                        help="guidance of storyboard pictures on their sound (1 = none)")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--top-k", type=int, default=0)
    parser.add_argument("--top-p", type=float, default=0.0)
    parser.add_argument("--steps", type=int, default=30, help="unmasking steps (echoes)")
    parser.add_argument("--out", type=Path, default=Path("takes"), help="output folder")


def _request(args: argparse.Namespace) -> GenerationRequest:
    mode = "text" if args.mode == "foley" and args.source is None else args.mode
    end = args.end if args.end is not None else args.start + 4.0
    start = args.start
    if mode == "extend":  # the context is the region before --end; the new audio follows it
        start, end = max(0.0, end - 4.0), end
    sampler = SamplerSettings(guidance=args.guidance, image_guidance=args.image_guidance,
                              temperature=args.temperature,
                              top_k=args.top_k, top_p=args.top_p, steps=args.steps)
    return GenerationRequest(mode=mode, source=args.source, start=start, end=end,
                             takes=args.takes, seed=args.seed, prompt=args.prompt,
                             model=args.model, gap=tuple(args.gap) if args.mode == "inpaint" else None,
                             extend=getattr(args, "seconds", 0.0), sampler=sampler)


def _run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from foley_studio import api

    request = _with_sync(_request(args), args)
    generator = api.load_generator(request.model)
    with tqdm(total=1000, desc=f"{request.mode} ({generator.name})", unit="‰") as bar:
        def progress(done: int, total: int) -> None:
            bar.update(int(1000 * done / max(total, 1)) - bar.n)

        if request.mode == "storyboard":
            frames = api.storyboard(request, generator, window=args.window, progress=progress)
            return _write_storyboard(frames, args.out, request)
        takes = api.generate(request, generator, progress=progress)
    return _write_takes(takes, args.out)


def _write_takes(takes, out: Path) -> int:
    from foley_studio.media import write_take

    for take in takes:
        path = out / f"{take.mode}_{take.model}_seed{take.seed}.wav"
        write_take(path, take)
        print(f"{path}  {take.duration:.2f} s at {take.start:.3f} s  seed {take.seed}")
        if take.unconformed is not None:
            _write_unconformed(take, path)
    return 0


def _write_unconformed(take, path: Path) -> None:
    import dataclasses

    from foley_studio.media import write_take

    raw = path.with_name(path.stem + "_unconformed.wav")
    write_take(raw, dataclasses.replace(take, audio=take.unconformed, unconformed=None, conform=None))
    report = take.conform
    print(f"{raw}  as generated; conform moved {len(report['moves'])} hits, "
          f"{len(report['missing'])} missing, {len(report['extra'])} extra")


def _write_storyboard(frames: np.ndarray, out: Path, request: GenerationRequest) -> int:
    from foley_studio.media import write_image_sheet

    path = out / f"storyboard_seed{request.seed}.png"
    write_image_sheet(path, frames)  # (N, W, H, W, 3) → one sheet, a row per take
    print(f"{path}  {frames.shape[0]} takes × {frames.shape[1]} frames")
    return 0
