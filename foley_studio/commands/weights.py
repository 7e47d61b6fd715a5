"""``foley-studio weights list|import KIND ...``: see and convert weight bundles.

Each importer module in ``IMPORTERS`` defines ``add_import_arguments(parser)`` and
``run_import(args) -> int``.
"""
from __future__ import annotations

import argparse
import importlib

from foley_studio.registry import list_bundles

IMPORTERS: dict[str, str] = {
    "im2wav": "foley_studio.models.im2wav.convert",
    "specvqgan": "foley_studio.models.echoes.convert",
    "taming-vqgan": "foley_studio.models.echoes.convert",
    "melgan": "foley_studio.models.echoes.convert",
}
"""Importer name → module (filled in by each generator package)."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``weights`` subcommand."""
    parser = sub.add_parser("weights", help="list model bundles or import official weights")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    verbs.add_parser("list", help="list the model bundles on this machine").set_defaults(func=_list)
    imp = verbs.add_parser("import", help="convert official checkpoints into a bundle")
    kinds = imp.add_subparsers(dest="kind", required=True, metavar="KIND")
    for name, module in IMPORTERS.items():
        mod = importlib.import_module(module)
        kp = kinds.add_parser(name, help=(mod.__doc__ or "").strip().splitlines()[0])
        mod.add_import_arguments(kp)
        kp.set_defaults(func=mod.run_import)


def _list(args: argparse.Namespace) -> int:
    for info in list_bundles():
        print(f"{info.name:24s} {info.kind:8s} {info.path}  {info.description}")
    return 0
