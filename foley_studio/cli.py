"""The ``foley-studio`` command line: one subcommand per module in :mod:`foley_studio.commands`.

Every subcommand module defines ``register(subparsers)`` and sets ``func(args) -> int`` on
its parser. A :class:`~foley_studio.errors.FoleyStudioError` is printed as a one-line message
(exit status 2) instead of a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

from foley_studio.errors import FoleyStudioError
from foley_studio.version import __version__

COMMANDS = [
    "foley_studio.commands.demo",
    "foley_studio.commands.generate",
    "foley_studio.commands.weights",
    "foley_studio.commands.train",
    "foley_studio.commands.probe",
    "foley_studio.commands.send",
    "foley_studio.commands.synth",
    "foley_studio.commands.eval",
    "foley_studio.commands.sync",
]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="foley-studio", description="Foley Studio: generate, edit and place Foley for video.")
    parser.add_argument("--version", action="version", version=f"foley-studio {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the CLI; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except FoleyStudioError as exc:
        print(f"foley-studio: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("foley-studio: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
