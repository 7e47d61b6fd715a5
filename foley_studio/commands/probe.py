"""``foley-studio probe FILE``: show what Foley Studio reads from a video or sound file."""
from __future__ import annotations

import argparse
import json

FIELDS = [("format", "container"), ("has_video", "picture"), ("video_codec", "video codec"),
          ("width", "width"), ("height", "height"), ("source_width", "source width"),
          ("source_height", "source height"), ("rotation", "turned (deg)"), ("fps", "fps"),
          ("frame_count", "frames"), ("duration", "duration (s)"), ("has_audio", "audio"),
          ("audio_codec", "audio codec"), ("audio_rate", "audio rate (Hz)"),
          ("timecode", "start timecode")]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``probe`` subcommand."""
    parser = sub.add_parser("probe", help="show fps, frames, duration, size and sound of a file")
    parser.add_argument("file", help="video or sound file")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (default: one readable line per value)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from foley_studio.media import probe

    info = probe(args.file)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(info["path"])
    for key, label in FIELDS:
        if info.get(key) is not None:
            print(f"  {label:16s} {_show(info[key])}")
    return 0


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.3f}" if isinstance(value, float) else str(value)
