"""``foley-studio sync detect|voice``: make a sync track (``hits.json``) for a region.

``detect`` finds the hits in the picture of ``CLIP`` between ``--start`` and ``--end``;
``voice`` takes them from a recorded vocal imitation that starts at ``--start`` in the
source. Either writes the track that ``generate --sync hits.json`` follows.
"""
from __future__ import annotations

import argparse
from pathlib import Path

VOICE_RATE = 16000


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``sync`` with its ``detect`` and ``voice`` actions."""
    parser = sub.add_parser("sync", help="make a sync track: hits detected in the picture or voiced")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    detect = actions.add_parser("detect", help="hits where something visibly lands, stops or turns")
    detect.add_argument("clip", help="video file")
    detect.add_argument("--detector", choices=("visual", "learned"), default="visual",
                        help="motion rules (any video) or the network trained on the world")
    detect.add_argument("--weights", default=None, help="learned detector weights (default: shipped)")
    voice = actions.add_parser("voice", help="hits from a vocal imitation (\"tk... tk... boom\")")
    voice.add_argument("recording", help="sound or video file holding the imitation")
    for action in (detect, voice):
        action.add_argument("--start", type=float, default=0.0, help="region start (s)")
        action.add_argument("--end", type=float, default=None, help="region end (s; default +4 s)")
        action.add_argument("--out", type=Path, default=Path("hits.json"), help="where to write")
    detect.set_defaults(func=_detect)
    voice.set_defaults(func=_voice)


def _check_out(out: Path) -> None:
    """Refuse an ``--out`` that cannot be written, before any work starts."""
    from foley_studio.errors import ConfigError
    from foley_studio.outputs import check_folder

    if out.is_dir():
        raise ConfigError(f"--out {out} is a folder; give the file to write, e.g. {out / 'hits.json'}.")
    check_folder(out.parent)


def _detect(args: argparse.Namespace) -> int:
    _check_out(args.out)
    end = args.end if args.end is not None else args.start + 4.0
    if args.detector == "learned":
        from foley_studio.syncing.learned import detect_learned_hits

        track = detect_learned_hits(args.clip, args.start, end, weights=args.weights)
    else:
        from foley_studio.syncing import detect_visual_hits

        track = detect_visual_hits(args.clip, args.start, end)
    return _write(track, args.out)


def _voice(args: argparse.Namespace) -> int:
    from foley_studio.media import load_audio
    from foley_studio.syncing import hits_from_voice
    from foley_studio.timeline import TimeRange

    _check_out(args.out)
    TimeRange(args.start, args.end if args.end is not None else args.start)  # finite, in order
    audio = load_audio(args.recording, VOICE_RATE)  # (S,)
    if args.end is not None:
        audio = audio[:max(0, int(round((args.end - args.start) * VOICE_RATE)))]
    return _write(hits_from_voice(audio, VOICE_RATE, region_start=args.start), args.out)


def _write(track, out: Path) -> int:
    track.save(out)
    shown = ", ".join(f"{h.time:.3f}" for h in track.hits[:12])
    more = f" and {len(track.hits) - 12} more" if len(track.hits) > 12 else ""
    print(f"{out}  {len(track.hits)} {track.source} hits: {shown}{more}")
    return 0
