"""One module per CLI subcommand; each defines ``register(subparsers)``."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_project_options(parser: argparse.ArgumentParser, instead: str) -> None:
    """``--project`` (a saved project whose lanes go out ``instead`` of single takes) and
    ``--lanes`` (which of them), as ``send`` and ``export`` both take them."""
    parser.add_argument("--project", type=Path, default=None,
                        help=f"{instead} (default: none)")
    parser.add_argument("--lanes", default=None,
                        help="with --project: lane names, comma-separated (default: all with clips)")
