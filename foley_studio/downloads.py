"""Fetch released weights into the cache, resumably, and remember what was fetched (no torch).

``fetch_im2wav`` downloads the three released IM2WAV checkpoints by their Google Drive ids with
gdown (it follows Drive's confirmation pages, resumes a ``.part`` file with an HTTP Range request
and draws a progress bar) into ``<cache>/downloads/im2wav/<id>.tar``. Every finished file's size
and sha256 are recorded in ``<cache>/downloads/manifest.json``; a file already there is checked
against its record before it is used again, and fetched anew if it no longer matches. Without a
network the error names each address and the exact path to save it under, so the same command
then finds the files and goes on.

For tests and mirrors, ``$FOLEY_STUDIO_IM2WAV_URL`` replaces the Drive address: a template in
which ``{id}`` stands for the file id.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from foley_studio.atomic import write_text_atomic
from foley_studio.errors import CheckpointError, ModelUnavailableError
from foley_studio.registry import cache_dir

IM2WAV_IDS = ("1lCrGsMXqmeKBk-3B3J2jzxNur9olWseb", "1v9dmCwrEwkwJhbe2YF3ScM2gjVplSLzt",
              "1UyNBjoxgqBYqA_aYhOu6BHYlkT4CD_M_")
"""The released files (vqvae.tar, low.tar, up.tar) as the official README lists them; which id
holds which model is read from the files themselves."""
DRIVE_URL = "https://drive.google.com/uc?id={id}"
URL_ENV = "FOLEY_STUDIO_IM2WAV_URL"


@dataclass(frozen=True)
class Fetched:
    """A downloaded file and its recorded size and sha256."""

    path: Path
    size: int
    sha256: str


def downloads_dir() -> Path:
    """``<cache>/downloads``: where fetched files and their manifest live."""
    return cache_dir() / "downloads"


def im2wav_targets() -> list[tuple[str, Path]]:
    """(address, local path) of each released IM2WAV file."""
    template = os.environ.get(URL_ENV) or DRIVE_URL
    folder = downloads_dir() / "im2wav"
    return [(template.format(id=fid), folder / f"{fid}.tar") for fid in IM2WAV_IDS]


def fetch_im2wav(*, retries: int = 3, quiet: bool = False,
                 log: Callable[[str], None] = print) -> list[Fetched]:
    """The three released files, downloaded or re-used after checking them."""
    targets = im2wav_targets()
    try:
        return [fetch(url, path, retries=retries, quiet=quiet, log=log) for url, path in targets]
    except ModelUnavailableError as exc:
        raise ModelUnavailableError(f"{exc} {offline_help(targets)}") from exc


def offline_help(targets: list[tuple[str, Path]]) -> str:
    """What to download by hand, and where to save it, for a machine that cannot reach the files."""
    lines = "; ".join(f"{url} → {path}" for url, path in targets)
    return (f"Download these files in a browser and save each under the path given ({lines}), "
            "then run the same command again: it checks and imports them without the network.")


def fetch(url: str, path: Path, *, retries: int = 3, quiet: bool = False,
          log: Callable[[str], None] = print) -> Fetched:
    """``path``, downloaded from ``url`` unless a recorded, matching copy is there."""
    path = Path(path)
    if path.is_file():
        known = check_recorded(path)
        if known is not None:
            log(f"{path.name}: already downloaded, size and sha256 match the record")
            return known
        if recorded(path) is None:  # saved by hand (offline): take it and record it
            return record(path)
        log(f"{path.name}: does not match its recorded size/sha256 (damaged or replaced); "
            "downloading it again")
        path.unlink()
    _download(url, path, retries=retries, quiet=quiet)
    return record(path)


def _download(url: str, path: Path, *, retries: int, quiet: bool) -> None:
    import gdown
    import requests

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        gdown.download(url, str(path), quiet=quiet, resume=True, retries=retries,
                       timeout=(10, 60), use_cookies=False)
    except (requests.RequestException, gdown.exceptions.DownloadError,
            gdown.exceptions.FileURLRetrievalError, OSError) as exc:
        raise ModelUnavailableError(
            f"Could not download {url} ({type(exc).__name__}: {_first_line(exc)}); what arrived "
            f"is kept beside {path} and the next try resumes it.") from exc


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no details"


# ------------------------------------------------------------------------------ manifest
def manifest_path() -> Path:
    """``<cache>/downloads/manifest.json``: path → size and sha256 of every fetched file."""
    return downloads_dir() / "manifest.json"


def read_manifest() -> dict:
    try:
        return json.loads(manifest_path().read_text())
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, OSError) as exc:
        raise CheckpointError(f"{manifest_path()} is damaged ({exc}); delete it and run the "
                              "download again (files are checked anew).") from exc


def _key(path: Path) -> str:
    return str(Path(path).resolve())


def recorded(path: Path) -> Optional[dict]:
    """The manifest's record of ``path``, if any."""
    return read_manifest().get(_key(path))


def record(path: Path, **extra: str) -> Fetched:
    """Measure ``path`` and write its size and sha256 (and ``extra``) into the manifest."""
    fetched = Fetched(Path(path), Path(path).stat().st_size, sha256_file(path))
    manifest = read_manifest()
    manifest[_key(path)] = {"size": fetched.size, "sha256": fetched.sha256, **extra}
    write_text_atomic(manifest_path(), json.dumps(manifest, indent=2, sort_keys=True))
    return fetched


def check_recorded(path: Path) -> Optional[Fetched]:
    """``path`` as recorded when its size and sha256 still match the record, else None."""
    entry = recorded(path)
    if entry is None or Path(path).stat().st_size != entry["size"]:
        return None
    digest = sha256_file(path)
    return Fetched(Path(path), entry["size"], digest) if digest == entry["sha256"] else None


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1-MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
