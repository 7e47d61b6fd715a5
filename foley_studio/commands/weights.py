"""``foley-studio weights list|import KIND ...|download im2wav|clip``: see, convert and fetch weights.

Each importer module in ``IMPORTERS`` defines ``add_import_arguments(parser)`` and
``run_import(args) -> int``. ``download im2wav`` fetches the three released files
(:mod:`foley_studio.downloads`) and imports them into ``<cache>/models/im2wav`` in the same
step; ``download clip`` fetches the CLIP weights the released model expects through open_clip's
own download (resumable, into the shared model-hub cache) and records their size and sha256.
"""
from __future__ import annotations

import argparse
import importlib
import json

from pathlib import Path

from foley_studio.errors import CheckpointError, ConfigError, ModelUnavailableError
from foley_studio.registry import cache_dir, list_bundles
from foley_studio.training.options import add_ranged

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
    _register_download(verbs)


def _register_download(verbs: argparse._SubParsersAction) -> None:
    down = verbs.add_parser("download", help="fetch released weights into the cache")
    kinds = down.add_subparsers(dest="kind", required=True, metavar="KIND")
    im2 = kinds.add_parser("im2wav", help="the released IM2WAV model (three files), imported as "
                                          "bundle 'im2wav'")
    add_ranged(im2, "retries", 3, "attempts to resume a broken transfer before giving up")
    im2.set_defaults(func=_download_im2wav)
    clip = kinds.add_parser("clip", help="the CLIP image/text encoder the released model uses")
    clip.add_argument("--model", default="ViT-B-32/openai",
                      help="open_clip MODEL/PRETRAINED (default ViT-B-32/openai)")
    clip.set_defaults(func=_download_clip)


def _list(args: argparse.Namespace) -> int:
    for info in list_bundles():
        print(f"{info.name:24s} {info.kind:8s} {info.path}  {info.description}")
    return 0


ROLES = {"vqvae": "bottleneck.level_blocks.0.k", "low": "y_emb.null_CLIP",
         "up": "conditioner_blocks.0.x_emb.weight"}
"""Which released file is which, told by a tensor only that model has."""
SOURCES_FILE = "sources.json"
"""In an imported bundle: the sha256 of each released file it was converted from."""


def _download_im2wav(args: argparse.Namespace) -> int:
    from foley_studio.downloads import fetch_im2wav, recorded

    files = fetch_im2wav(retries=args.retries)
    roles = identify_im2wav([f.path for f in files])
    out = cache_dir() / "models" / "im2wav"
    sources = {role: recorded(path)["sha256"] for role, path in roles.items()}
    if _imported_from(out) == sources:
        print(f"bundle 'im2wav' in {out} was already imported from these files")
        return 0
    from foley_studio.models.im2wav.convert import convert

    convert(roles["vqvae"], roles["low"], roles["up"], out, name="im2wav")
    _write_sources(out, sources)
    print(f"imported the released IM2WAV weights as bundle 'im2wav' in {out}")
    return 0


def identify_im2wav(paths: list[Path]) -> dict[str, Path]:
    """Map the released files onto vqvae/low/up by their tensors."""
    from foley_studio.models.im2wav.convert import read_checkpoint

    roles: dict[str, Path] = {}
    for path in paths:
        state = read_checkpoint(path)["state"]
        found = [role for role, key in ROLES.items() if key in state]
        if len(found) != 1 or found[0] in roles:
            raise CheckpointError(f"{path} is not one of the three released IM2WAV files "
                                  "(vqvae, low, up); delete it and download again.")
        roles[found[0]] = path
    return roles


def _imported_from(bundle: Path) -> dict | None:
    try:
        return json.loads((bundle / SOURCES_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return None


def _write_sources(bundle: Path, sources: dict) -> None:
    from foley_studio.atomic import write_text_atomic

    write_text_atomic(bundle / SOURCES_FILE, json.dumps(sources, indent=2, sort_keys=True))


def _download_clip(args: argparse.Namespace) -> int:
    from foley_studio.downloads import check_recorded, record, recorded

    model, _, tag = args.model.partition("/")
    tag = tag or "openai"
    path = _fetch_clip(model, tag)
    if recorded(path) is not None:
        if check_recorded(path) is not None:
            print(f"{model}/{tag}: {path} matches its recorded size and sha256")
            return 0
        print(f"{model}/{tag}: {path} does not match its recorded size/sha256 (damaged or "
              "replaced); fetching it again")
        path.resolve().unlink()  # the cached file itself; the hub client fetches it anew
        path = _fetch_clip(model, tag)
    fetched = record(path, model=f"{model}/{tag}")
    print(f"{model}/{tag}: {fetched.path} ({fetched.size / 1e6:.0f} MB, sha256 {fetched.sha256[:16]}…)")
    return 0


def _fetch_clip(model: str, tag: str) -> Path:
    """The local path of open_clip's ``model``/``tag`` weights, fetched by open_clip if needed."""
    from open_clip import pretrained

    cfg = pretrained.get_pretrained_cfg(model, tag)
    if not cfg:
        raise ConfigError(f"open_clip has no pretrained weights {model}/{tag}; see "
                          "open_clip.list_pretrained().")
    try:
        return Path(pretrained.download_pretrained(cfg))
    except Exception as exc:  # the hub client fails in many ways offline (HTTP, DNS, missing file)
        raise ModelUnavailableError(
            f"Could not fetch the CLIP weights {model}/{tag} ({type(exc).__name__}: "
            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else 'no details'}). "
            f"{_clip_offline_help(cfg)}") from exc


def _clip_offline_help(cfg: dict) -> str:
    from huggingface_hub import constants

    repo = cfg.get("hf_hub", "").rstrip("/").split("/")
    folder = "models--" + "--".join(repo[:2])
    return (f"On a machine with a network run 'foley-studio weights download clip' and copy its "
            f"folder {folder} (in its model-hub cache) to {Path(constants.HF_HUB_CACHE) / folder} "
            "here; the weights then load offline.")
