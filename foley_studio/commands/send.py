"""``foley-studio send TAKE.wav --to reaper|ableton|otio|xml|edl --at SECONDS``: place a take;
``foley-studio send --project SCENE.foley.json --to ...``: send a project's lanes.

``reaper`` and ``ableton`` place it on a track over OSC (targets from ``presets/targets/`` or
``--preset FILE``); ``otio``, ``xml`` and ``edl`` write a one-take timeline for a video editor.
A project's lanes (``--lanes`` picks some) are delivered into its media folder (48 kHz/24-bit,
stamped after its start timecode) and each goes to a track named after it (EDL: a file per
lane); see :mod:`ui.services.lane_delivery`. This path imports the bridge, the torch-free
foundation and the app's torch-free model only, so it starts quickly.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from foley_studio.commands import add_project_options

DESTINATIONS = ("reaper", "ableton", "otio", "xml", "edl")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``send`` subcommand."""
    parser = sub.add_parser("send", help="place a take in REAPER or Live, or write it as a timeline")
    parser.add_argument("take", type=Path, nargs="?", help="the WAV (Broadcast WAV) to send")
    add_project_options(parser, "send this project's lanes instead of one take, a track per lane")
    parser.add_argument("--to", choices=DESTINATIONS, required=True, help="where the take goes")
    parser.add_argument("--at", type=float, default=None,
                        help="position on the timeline in seconds, 0 to 86400 (a take: required)")
    track = parser.add_mutually_exclusive_group()
    track.add_argument("--track", default=None, help="track name (created in the DAW if missing)")
    track.add_argument("--track-index", type=_index, default=None,
                       help="0-based track index (DAW; REAPER: master not counted)")
    parser.add_argument("--name", default="", help="item/clip name (default: the file's name)")
    parser.add_argument("--preset", type=Path, default=None, help="target preset JSON (DAW)")
    parser.add_argument("--out", type=Path, default=None,
                        help="timeline file (otio/xml/edl); with --project the folder for the "
                             "delivered files and timelines (default: the project's media folder)")
    parser.add_argument("--fps", type=float, default=24.0,
                        help="picture frame rate, 1 to 240 (otio/xml/edl; default: 24)")
    parser.set_defaults(func=_run)


def _index(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a track index (0, 1, 2, ...)")
    return value


def _run(args: argparse.Namespace) -> int:
    from bridge.results import check_time, take_file
    from foley_studio.errors import ConfigError

    if args.project is not None:
        if args.take is not None or args.at is not None or args.track or args.track_index is not None:
            raise ConfigError("--project sends the project's lanes at their own times and tracks; "
                              "leave out the take, --at and --track.")
        return _send_project(args)
    if args.take is None or args.at is None:
        raise ConfigError("Name the take WAV and its position (--at SECONDS), or a project "
                          "(--project FILE).")
    take_file(args.take)
    check_time(args.at, "position (--at)")  # before anything connects or is written
    if args.to in ("reaper", "ableton"):
        return _place(args)
    return _export(args)


def _place(args: argparse.Namespace) -> int:
    from bridge import connect
    from foley_studio.errors import ConfigError

    with connect(args.preset or args.to) as link:
        if link.target.kind != args.to:
            raise ConfigError(f"The preset {args.preset} is for {link.target.kind}, not {args.to}; "
                              "pick a matching --preset or --to.")
        track = args.track_index if args.track_index is not None else args.track
        result = link.place(args.take, args.at, track, args.name)
    where = f"{result.position:.6f} s" if result.position is not None else f"slot {result.extra.get('slot')}"
    print(f"{result.host}: {result.name!r} on track {result.track_index} ({result.track}) at {where}, "
          f"{result.length:.6f} s long")
    return 0


def _send_project(args: argparse.Namespace) -> int:
    from foley_studio.progress import CancelToken
    from ui.services.lane_delivery import lane_names, load_plan, send_lanes
    from ui.services.send import SendTarget, media_folder

    plan, spec = load_plan(args.project, lane_names(args.lanes))
    target = SendTarget(args.to, host=None, port=None,
                        preset=str(args.preset) if args.preset is not None else None)
    result = send_lanes(plan, target, args.out or media_folder(args.project), spec, None,
                        CancelToken())
    print("\n".join(f"{result.target}: {line}" for line in result.lines))
    return 0


def _export(args: argparse.Namespace) -> int:
    from bridge import PlacedTake, export_timeline
    from bridge.results import take_file
    from bridge.wavinfo import read_wav_info

    path = take_file(args.take)
    take = PlacedTake(path, args.at, read_wav_info(path).duration, args.name or path.stem,
                      args.track or "Foley")
    out = args.out or path.with_suffix(f".{args.to}")
    export_timeline([take], out, fps=args.fps, name=path.stem, fmt=args.to)
    print(f"{out}: {take.name} at {args.at:.3f} s on track {take.track} ({args.to})")
    return 0
