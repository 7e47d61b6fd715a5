"""``foley-studio train STAGE ...``: train one model stage on a dataset folder.

Each trainer module in ``TRAINERS`` defines ``add_train_arguments(parser)`` and
``run_train(args) -> int``. Every stage runs unchanged under ``torchrun`` for DDP.
"""
from __future__ import annotations

import argparse
import importlib

TRAINERS: dict[str, str] = {
    "im2wav-vqvae": "foley_studio.models.im2wav.train_vqvae",
    "im2wav-low": "foley_studio.models.im2wav.train_low",
    "im2wav-up": "foley_studio.models.im2wav.train_up",
    "clip": "foley_studio.encoders.train_clip",
    "world-classifier": "foley_studio.evaluation.train_world",
    "timbre-judge": "foley_studio.evaluation.train_timbre",
    "echoes-spec-vqgan": "foley_studio.models.echoes.train_vqgan",
    "echoes-image-vqgan": "foley_studio.models.echoes.train_vqgan",
    "echoes-vocoder": "foley_studio.models.echoes.train_vocoder",
    "echoes-transformer": "foley_studio.models.echoes.train_transformer",
    "sync-detector": "foley_studio.syncing.train_detector",
}
"""Stage name → trainer module (filled in by each generator package)."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``train`` subcommand."""
    parser = sub.add_parser("train", help="train a model stage on a dataset folder")
    stages = parser.add_subparsers(dest="stage", required=True, metavar="STAGE")
    for name, module in TRAINERS.items():
        mod = importlib.import_module(module)
        sp = stages.add_parser(name, help=(mod.__doc__ or "").strip().splitlines()[0])
        mod.add_train_arguments(sp)
        sp.set_defaults(func=mod.run_train)
