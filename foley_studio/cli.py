"""The ``foley-studio`` command line: one subcommand per module in :mod:`foley_studio.commands`.

Every subcommand module defines ``register(subparsers)`` and sets ``func(args) -> int`` on
its parser. Only the module of the subcommand being run is imported (the others are listed
from :data:`COMMANDS`), so a light command such as ``send`` never loads torch.

Exit status: 0 success; 2 a problem with the input or the machine (a
:class:`~foley_studio.errors.FoleyStudioError` or a usage error, printed as one line that says
what to do); 3 an unexpected internal error (one line naming the crash report written by
:mod:`foley_studio.crashlog`); 130 interrupted. Never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

from foley_studio.errors import FoleyStudioError
from foley_studio.version import __version__

USER_ERROR, INTERNAL_ERROR, INTERRUPTED = 2, 3, 130

COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("foley_studio.commands.demo", "read the demo clip and generate Foley for it"),
    "generate": ("foley_studio.commands.generate",
                 "Foley for a video region or an image (or --prompt text alone)"),
    "inpaint": ("foley_studio.commands.generate", "replace a gap (--gap A B) in a video's soundtrack"),
    "outpaint": ("foley_studio.commands.generate",
                 "continue a video's soundtrack for --seconds after --end"),
    "storyboard": ("foley_studio.commands.generate",
                   "draw pictures for a video's soundtrack, one per --window s"),
    "weights": ("foley_studio.commands.weights",
                "list model bundles, download or import official weights"),
    "doctor": ("foley_studio.commands.doctor",
               "check versions, devices, bundles, audio and DAW targets, a line each"),
    "train": ("foley_studio.commands.train", "train a model stage on a dataset folder"),
    "probe": ("foley_studio.commands.probe", "show fps, frames, duration, size and sound of a file"),
    "send": ("foley_studio.commands.send",
             "place a take in REAPER or Live, or write it as a timeline"),
    "synth": ("foley_studio.commands.synth", "render a dataset of the procedural audio-visual world"),
    "eval": ("foley_studio.commands.eval", "measure model bundles on a world's held-out clips"),
    "sync": ("foley_studio.commands.sync", "make a sync track: hits detected in the picture or voiced"),
    "export": ("foley_studio.commands.export", "deliver takes at 48 kHz/24-bit with loudness and UCS names"),
}
"""Subcommand → (module that registers it, one-line summary for the command list)."""

EPILOG = ("exit status: 0 done; 2 a problem with the input or the machine (the message says "
          "what to do); 3 an unexpected internal error (the message names a crash report); "
          "130 interrupted")


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The argument parser, with ``command``'s module registered and the others only listed."""
    parser = argparse.ArgumentParser(
        prog="foley-studio", description="Foley Studio: generate, edit and place Foley for video.",
        epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"foley-studio {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = COMMANDS[command][0] if command in COMMANDS else None
    for name, (module, summary) in COMMANDS.items():
        if module != chosen:
            sub.add_parser(name, help=summary)
        elif name not in sub.choices:  # one module may register several subcommands
            importlib.import_module(module).register(sub)
    return parser


def chosen_command(argv: Sequence[str]) -> Optional[str]:
    """The subcommand ``argv`` runs (its first word not starting with ``-``), if any."""
    for arg in argv:
        if arg in ("-h", "--help", "--version"):
            return None
        if not arg.startswith("-"):
            return arg
    return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the CLI; return the exit status (see the module's docstring)."""
    argv = [str(a) for a in (sys.argv[1:] if argv is None else argv)]  # paths welcome
    try:
        args = build_parser(chosen_command(argv)).parse_args(argv)
        return int(args.func(args) or 0)
    except FoleyStudioError as exc:
        print(f"foley-studio: error: {_one_line(exc)}", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print("foley-studio: interrupted", file=sys.stderr)
        return INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a report, not a traceback
        print(f"foley-studio: internal error: {type(exc).__name__}: {_one_line(exc)} "
              f"{_report(exc, argv)}", file=sys.stderr)
        return INTERNAL_ERROR


def _one_line(exc: BaseException) -> str:
    """The exception's message and notes (``add_note``) as one line."""
    text = " ".join([str(exc), *getattr(exc, "__notes__", ())])
    return " ".join(text.split())


def _report(exc: BaseException, argv: Sequence[str]) -> str:
    """Write the crash report; say where it is (or why it could not be written)."""
    from foley_studio import crashlog

    try:
        path = crashlog.write_traceback(exc, context=" ".join(["foley-studio", *argv]))
    except Exception as failure:  # noqa: BLE001 - not even the temporary folder is writable
        return f"(a crash report could not be written either: {_one_line(failure)})."
    return f"(this is a bug; the full report is in {path}; please include it when reporting it)."


if __name__ == "__main__":
    sys.exit(main())
