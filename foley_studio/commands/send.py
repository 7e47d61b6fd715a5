"""``foley-studio send TAKE.wav --to reaper|ableton|otio|xml|edl --at SECONDS``: place a take.

``reaper`` and ``ableton`` place it on a track over OSC (targets from ``presets/targets/`` or
``--preset FILE``); ``otio``, ``xml`` and ``edl`` write a one-take timeline for a video editor.
This path imports the bridge and the torch-free foundation only, so it starts quickly.
"""
from __future__ import annotations

import argparse
from pathlib import Path

DESTINATIONS = ("reaper", "ableton", "otio", "xml", "edl")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``send`` subcommand."""
    parser = sub.add_parser("send", help="place a take in REAPER or Live, or write it as a timeline")
    parser.add_argument("take", type=Path, help="the WAV (Broadcast WAV) to send")
    parser.add_argument("--to", choices=DESTINATIONS, required=True, help="where the take goes")
    parser.add_argument("--at", type=float, required=True,
                        help="position on the timeline in seconds, 0 to 86400")
    track = parser.add_mutually_exclusive_group()
    track.add_argument("--track", default=None, help="track name (created in the DAW if missing)")
    track.add_argument("--track-index", type=_index, default=None,
                       help="0-based track index (DAW; REAPER: master not counted)")
    parser.add_argument("--name", default="", help="item/clip name (default: the file's name)")
    parser.add_argument("--preset", type=Path, default=None, help="target preset JSON (DAW)")
    parser.add_argument("--out", type=Path, default=None, help="timeline file (otio/xml/edl)")
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
