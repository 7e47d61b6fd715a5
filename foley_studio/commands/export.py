"""``foley-studio export TAKE.wav ... --out DIR``: takes as a delivery wants them.

Resampled to 44.1/48/96 kHz (libsoxr), 24-bit or 32-bit float, mono or stereo, optionally
brought to a loudness target (EBU R128 / BS.1770) under a true-peak ceiling, named
``CatID_FXName_CreatorID_SourceID.wav`` by the Universal Category System, with TimeReference at
the take's frame-snapped position after the start timecode. See :mod:`foley_studio.media.delivery`.

``foley-studio export --project SCENE.foley.json --out DIR`` delivers a project's lanes as
stems instead: one WAV per lane from the picture's first frame, stamped at the project's start
timecode (``--lanes`` picks some); the edited production lane is the repaired soundtrack.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from foley_studio.commands import add_project_options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    parser = sub.add_parser("export", help="deliver takes at 48 kHz/24-bit with loudness and UCS names")
    parser.add_argument("takes", type=Path, nargs="*", help="take WAVs (Foley Studio or any WAV)")
    add_project_options(parser, "deliver this project's lanes as stems, one WAV per lane, instead")
    parser.add_argument("--out", type=Path, help="folder for the delivered files (required)")
    parser.add_argument("--rate", type=int, choices=(44100, 48000, 96000), default=48000,
                        help="sample rate in Hz (default 48000)")
    parser.add_argument("--depth", choices=("24", "32f"), default="24",
                        help="24-bit PCM or 32-bit float (default 24)")
    parser.add_argument("--channels", type=int, choices=(1, 2), default=1,
                        help="1 mono or 2 stereo (default 1)")
    parser.add_argument("--loudness", type=float, default=None, metavar="LUFS",
                        help="integrated loudness target, -70–-5, e.g. -23 (default: keep the level)")
    ceiling = parser.add_mutually_exclusive_group()
    ceiling.add_argument("--true-peak", type=float, default=-1.0, metavar="DBTP",
                         help="true-peak ceiling, -9–0 dBTP (default -1)")
    ceiling.add_argument("--no-ceiling", action="store_true",
                         help="no ceiling, 32f only (default: the ceiling applies)")
    parser.add_argument("--limit", action="store_true",
                        help="limit peaks at the ceiling to reach the loudness target (default off)")
    parser.add_argument("--ucs-category", default="FOLYMisc", metavar="CATID",
                        help="UCS CatID (default FOLYMisc; see --list-categories)")
    parser.add_argument("--fx-name", default=None, help="UCS FXName (default: the take's name)")
    parser.add_argument("--creator", default="NONE", help="UCS CreatorID, your initials (default NONE)")
    parser.add_argument("--source", default="NONE", help="UCS SourceID, show or library (default NONE)")
    parser.add_argument("--ucs-list", default=None, metavar="FILE",
                        help="your full UCS list, JSON (default: the shipped Foley table)")
    parser.add_argument("--fps", type=float, default=None,
                        help="picture frame rate, 1–1000 (default 25; --project: the project's)")
    parser.add_argument("--start-timecode", default=None,
                        help="the timeline's first frame (default 00:00:00:00, ';' for drop-frame; "
                             "--project: the project's)")
    parser.add_argument("--at", type=float, default=None,
                        help="position in s, 0– (default: the take's own)")
    parser.add_argument("--list-categories", action="store_true",
                        help="print the UCS CatIDs known and exit (default off)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from foley_studio.errors import ConfigError
    from foley_studio.media.delivery import deliver_take, read_take, ucs_categories

    if args.list_categories:
        for cat in ucs_categories(args.ucs_list).values():
            print(f"{cat.cat_id:12s} {cat.full}")
        return 0
    if args.project is not None:
        return _export_project(args)
    if not args.takes or args.out is None:
        raise ConfigError("Name at least one take WAV and the --out folder to deliver into.")
    spec = _spec(args, 25.0 if args.fps is None else args.fps, args.start_timecode or "00:00:00:00")
    for path in args.takes:
        take = read_take(path)
        take = replace(take, name=args.fx_name or take.name,
                       start=take.start if args.at is None else args.at)
        print(deliver_take(take, spec, args.out).summary())
    return 0


def _spec(args: argparse.Namespace, fps: float, start_timecode: str):
    from foley_studio.media.delivery import DeliverySpec

    return DeliverySpec(args.rate, args.depth, args.channels, args.loudness,
                        None if args.no_ceiling else args.true_peak, args.ucs_category,
                        args.creator, args.source, fps, start_timecode, args.ucs_list, args.limit)


def _export_project(args: argparse.Namespace) -> int:
    from foley_studio.errors import ConfigError
    from ui.services.lane_delivery import deliver_stems, lane_names, load_plan

    given = [args.fps, args.start_timecode, args.at, args.fx_name]
    if args.takes or args.out is None or any(v is not None for v in given):
        raise ConfigError("--project delivers the project's lanes at its own frame rate and start "
                          "timecode under their lane names: give --out (and delivery options), no "
                          "take WAVs, --fps, --start-timecode, --at or --fx-name.")
    plan, spec = load_plan(args.project, lane_names(args.lanes), _spec(args, 25.0, "00:00:00:00"))
    for done in deliver_stems(plan, args.out, spec):
        print(f"{done.lane}: {done.summary}")
    return 0
