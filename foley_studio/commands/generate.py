"""``foley-studio generate|inpaint|outpaint|storyboard``: run a request and write the results.

Audio takes are written as Broadcast WAVs (24-bit) whose TimeReference places them at their
time in the source and whose description records model, seed and prompt. Everything that can
be checked without the model (every value's range, the source, the region, the bundle and the
modes it can do, the output folder and the files it would write) is checked before the model
loads. A prompt makes sound from text alone: it is refused together with a picture, since
both generators follow the picture and would silently drop it.
"""
from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

from foley_studio import outputs
from foley_studio.errors import ConfigError, FoleyStudioError
from foley_studio.requests import LIMITS, MAX_SECONDS, GenerationRequest, SamplerSettings
from foley_studio.sync import SyncTrack
from foley_studio.training.options import Ranged

VERBS = {
    "generate": ("foley", "Foley for a video region or an image (or --prompt text alone)"),
    "inpaint": ("inpaint", "replace a gap (--gap A B) in a video's soundtrack"),
    "outpaint": ("extend", "continue a video's soundtrack for --seconds after --end"),
    "storyboard": ("storyboard", "draw pictures for a video's soundtrack, one per --window s"),
}
DEFAULT_MODELS = {"generate": "im2wav-starter", "inpaint": "echoes-starter",
                  "outpaint": "echoes-starter", "storyboard": "echoes-starter"}
"""Each verb's default bundle: only Visual Echoes inpaints, outpaints and draws storyboards."""
REGION_SECONDS = 4.0
"""Length of the region when --end is left out, and of outpainting's context before --end."""
STEP_KINDS = ("echoes",)
"""Bundle kinds whose sampler uses --steps (Visual Echoes' unmasking steps)."""
SAMPLER = SamplerSettings()
CHECKED = ("Every value, the source, the region, the model and the output files are checked "
           "before the model loads; an existing file is replaced only with --overwrite.")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the four generation subcommands."""
    for verb, (mode, help_text) in VERBS.items():
        parser = sub.add_parser(verb, help=help_text, description=f"{help_text}. {CHECKED}")
        _add_inputs(parser, verb)
        _add_region(parser, verb)
        _add_sampler(parser, verb)
        _add_common(parser)
        if verb != "storyboard":
            _add_sync(parser)
        parser.set_defaults(func=_run, mode=mode)


def _add_sync(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sync", type=Path, default=None, metavar="HITS_JSON",
                        help="sync track the takes follow ('foley-studio sync detect' writes one); "
                             "default none")
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
    """Options every generation verb takes."""
    parser.add_argument("--out", type=Path, default=Path("takes"),
                        help="output folder, made if missing (not a file); default %(default)s")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace files of the same name in --out (default: refuse)")


def _ranged(parser: argparse.ArgumentParser, flag: str, field: str, what: str,
            default: object, shown: object = None) -> None:
    """An option whose help gives its range (from LIMITS) and its default; a value outside it,
    or one that is no number, is refused in one line as the command line is read."""
    parser.add_argument(flag, type=Ranged(LIMITS[field]), default=default,
                        help=f"{what}; {LIMITS[field].span}, default {default if shown is None else shown}")


def _add_inputs(parser: argparse.ArgumentParser, verb: str) -> None:
    if verb == "generate":
        parser.add_argument("source", nargs="?", help="video or image file (told apart by content); "
                            "leave it out and give --prompt for sound from text alone")
        parser.add_argument("--prompt", default=None,
                            help="text of the sound to make from text alone (IM2WAV); refused with "
                                 "a source, since the picture alone guides the sound; default none")
    else:
        parser.add_argument("source", help="video file with a soundtrack")
    parser.add_argument("--model", default=DEFAULT_MODELS[verb], help=_model_help(DEFAULT_MODELS[verb]))


def _model_help(default: str) -> str:
    from foley_studio import registry

    try:
        names = ", ".join(b.name for b in registry.list_bundles()) or "none"
    except FoleyStudioError as exc:
        names = f"unknown ({exc})"
    text = (f"bundle name or folder; default {default}; installed here: {names} "
            "(see 'foley-studio weights list')")
    return text.replace("%", "%%")


def _add_region(parser: argparse.ArgumentParser, verb: str) -> None:
    if verb == "outpaint":
        _ranged(parser, "--end", "end", f"where the new audio starts (s); the "
                f"{REGION_SECONDS:g} s before it are the context", REGION_SECONDS)
        _ranged(parser, "--seconds", "extend", "seconds of audio to add", 2.0)
    else:
        _ranged(parser, "--start", "start", "region start in the source (s)", 0.0)
        _ranged(parser, "--end", "end", f"region end (s), after --start and at most "
                f"{MAX_SECONDS:g} s after it", None, f"--start + {REGION_SECONDS:g}")
    if verb == "inpaint":
        parser.add_argument("--gap", nargs=2, type=float, metavar=("A", "B"), required=True,
                            help="the gap to replace, seconds in the source, A < B inside the "
                                 "region (required)")
    if verb == "storyboard":
        _ranged(parser, "--window", "window", "seconds of sound per picture", 1.0)
    _ranged(parser, "--takes", "takes", "how many takes", 1)
    _ranged(parser, "--seed", "seed", "seed of the first take (take i uses seed + i)", 0)


def _add_sampler(parser: argparse.ArgumentParser, verb: str) -> None:
    if verb == "storyboard":
        _ranged(parser, "--image-guidance", "image_guidance",
                "guidance of the pictures on their sound (1 = none)", None, SAMPLER.image_guidance)
    else:
        _ranged(parser, "--guidance", "guidance", "guidance of the sound on its picture "
                "or prompt (0 = unguided, 1 = none)", None, SAMPLER.guidance)
        _ranged(parser, "--sync-guidance", "sync_guidance", "IM2WAV's guidance of the "
                "sound on its --sync track apart from the picture", None,
                "--guidance" if SAMPLER.sync_guidance is None else SAMPLER.sync_guidance)
    _ranged(parser, "--temperature", "temperature", "sampling temperature", None,
            SAMPLER.temperature)
    _ranged(parser, "--top-k", "top_k", "keep the k likeliest tokens (0 = off)", None,
            SAMPLER.top_k)
    _ranged(parser, "--top-p", "top_p", "keep the likeliest tokens up to this "
            "probability (0 = off)", None, SAMPLER.top_p)
    _ranged(parser, "--steps", "steps", "unmasking steps (Visual Echoes only)", None,
            SAMPLER.steps)


def _request(args: argparse.Namespace) -> GenerationRequest:
    mode = "text" if args.mode == "foley" and args.source is None else args.mode
    if mode == "storyboard":
        LIMITS["window"].check(args.window)
    if mode == "extend":  # the context is the region before --end; the new audio follows it
        start, end = max(0.0, args.end - REGION_SECONDS), args.end
    else:
        start = args.start
        end = args.end if args.end is not None else args.start + REGION_SECONDS
    return GenerationRequest(mode=mode, source=args.source, start=start, end=end,
                             takes=args.takes, seed=args.seed, prompt=getattr(args, "prompt", None),
                             model=args.model, gap=tuple(args.gap) if mode == "inpaint" else None,
                             extend=getattr(args, "seconds", 0.0), sampler=_sampler(args))


def _sampler(args: argparse.Namespace) -> SamplerSettings:
    """The sampler settings given on the command line over the defaults."""
    given = {f.name: getattr(args, f.name, None) for f in fields(SamplerSettings)}
    return SamplerSettings(**{k: v for k, v in given.items() if v is not None})


def _run(args: argparse.Namespace) -> int:
    request = _with_sync(_request(args), args)
    paths = _plan(args, request)
    from tqdm import tqdm

    from foley_studio import api
    from foley_studio.estimate import estimate_request

    api.check_request(request, window=getattr(args, "window", None))
    generator = api.load_generator(request.model)
    plan = estimate_request(generator, request, getattr(args, "window", 1.0))  # None: none yet
    if plan is not None:
        print(plan.line(), flush=True)
    scale = plan.total_s if plan is not None else 1000  # the bar counts estimated seconds of work
    with tqdm(total=scale, desc=f"{request.mode} ({generator.name})",
              bar_format="{l_bar}{bar}| [{elapsed}<{remaining}]") as bar:
        def progress(done: int, total: int) -> None:
            at = plan.elapsed_at(done, total) if plan is not None else 1000 * done / max(total, 1)
            bar.update(at - bar.n)

        if request.mode == "storyboard":
            frames = api.storyboard(request, generator, window=args.window, progress=progress)
            return _write_storyboard(frames, paths[0])
        takes = api.generate(request, generator, progress=progress)
    return write_takes(takes, paths)


def _plan(args: argparse.Namespace, request: GenerationRequest) -> list[Path]:
    """The files the request will write, checked free, and the bundle checked usable."""
    from foley_studio import registry

    bundle = registry.resolve(request.model)
    if args.steps is not None and bundle.kind not in STEP_KINDS:
        raise ConfigError(f"--steps sets Visual Echoes' unmasking steps; {bundle.name} is an "
                          f"{bundle.kind} bundle and would ignore it, so leave it out.")
    outputs.check_folder(args.out)
    if request.mode == "storyboard":
        names = [outputs.storyboard_file_name(request, bundle.name, args.window)]
    else:
        names = [outputs.take_file_name(request, bundle.name, i) for i in range(request.takes)]
    paths = [args.out / name for name in names]
    extra = [unconformed_path(p) for p in paths] if request.conforms else []
    outputs.check_free(paths + extra, overwrite=args.overwrite)
    return paths


def write_takes(takes, paths: list[Path]) -> int:
    """Write ``takes`` to ``paths`` as Broadcast WAVs, a line each; a failure names what was written."""
    from foley_studio.media import write_take

    def report(i: int, path: Path) -> None:
        take = takes[i]
        print(f"{path}  {take.duration:.2f} s at {take.start:.3f} s  seed {take.seed}")

    def write(i: int, path: Path) -> None:
        write_take(path, takes[i])
        if takes[i].unconformed is not None:
            _write_unconformed(takes[i], path)

    outputs.write_batch(paths, write, report)
    return 0


def unconformed_path(path: Path) -> Path:
    """Where the as-generated version of a conformed take at ``path`` is written."""
    return path.with_name(path.stem + "_unconformed.wav")


def _write_unconformed(take, path: Path) -> None:
    import dataclasses

    from foley_studio.media import write_take

    raw = unconformed_path(path)
    write_take(raw, dataclasses.replace(take, audio=take.unconformed, unconformed=None, conform=None))
    report = take.conform
    print(f"{raw}  as generated; conform moved {len(report['moves'])} hits, "
          f"{len(report['missing'])} missing, {len(report['extra'])} extra")


def _write_storyboard(frames, path: Path) -> int:
    from foley_studio.media import write_image_sheet

    write_image_sheet(path, frames)  # (N, W, H, W, 3) → one sheet, a row per take
    print(f"{path}  {frames.shape[0]} takes × {frames.shape[1]} frames")
    return 0
