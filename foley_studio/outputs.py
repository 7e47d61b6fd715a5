"""Where results are written: the output folder checked before any work, file names that never
collide, no file replaced unasked, and a batch that says which files it wrote (no torch).

A take's file name holds its mode, model, the span of the source it covers (and an inpainted
gap), and its seed, so takes of different regions, gaps, models or seeds written to one folder
never overwrite each other; an existing file is replaced only when the caller allows it.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable, Optional, Sequence

from foley_studio.errors import ConfigError
from foley_studio.requests import GenerationRequest


def check_folder(folder: str | os.PathLike) -> Path:
    """``folder`` as a Path after checking that it is, or can become, a writable folder."""
    folder = Path(folder)
    existing = next(p for p in (folder, *folder.absolute().parents) if p.exists())
    if not existing.is_dir():
        where = "is" if existing == folder else f"lies under {existing}, which is"
        raise ConfigError(f"The output folder {folder} {where} a file, not a folder; choose "
                          "another --out.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"The output folder {folder} cannot be written here ({existing} is "
                          "read-only for you); choose another --out.")
    return folder


def safe_name(text: str) -> str:
    """``text`` reduced to letters, digits, ``.``, ``_`` and ``-`` (for a file name)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "model"


def span_label(start: float, end: float) -> str:
    """``1.500-5.500s``: a span of seconds for a file name (millisecond steps)."""
    return f"{start:.3f}-{end:.3f}s"


def check_free(paths: Sequence[Path], *, overwrite: bool) -> None:
    """Refuse paths that are folders, and existing files unless ``overwrite``."""
    existing = [p for p in paths if p.exists()]
    folders = [p for p in existing if p.is_dir()]
    if folders:
        raise ConfigError(f"{folders[0]} is a folder; move it or choose another --out.")
    if existing and not overwrite:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise ConfigError(f"{existing[0]}{more} already exists; pass --overwrite to replace it, "
                          "or choose another --out.")


def write_batch(paths: Sequence[Path], write: Callable[[int, Path], None],
                report: Optional[Callable[[int, Path], None]] = None) -> None:
    """Call ``write(i, path)`` for each path in turn, then ``report(i, path)``.

    If one fails, its error gets a note naming the files written before it and those not
    written, then propagates.
    """
    for i, path in enumerate(paths):
        try:
            write(i, path)
        except Exception as exc:
            exc.add_note(_batch_note(paths[:i], paths[i:]))
            raise
        if report is not None:
            report(i, path)


def _batch_note(written: Sequence[Path], missing: Sequence[Path]) -> str:
    done = ", ".join(str(p) for p in written) or "none"
    return f"Written before the failure: {done}. Not written: {', '.join(str(p) for p in missing)}."


def take_file_name(request: GenerationRequest, model: str, index: int) -> str:
    """The WAV name of take ``index`` of ``request`` made by the bundle named ``model``."""
    start, end = request.start, request.end
    if request.mode == "extend":  # the take is the new audio after the region
        start, end = request.end, request.end + request.extend
    gap = f"_gap{span_label(*request.gap)}" if request.gap is not None else ""
    return (f"{request.mode}_{safe_name(model)}_{span_label(start, end)}{gap}"
            f"_seed{request.seed + index}.wav")


def storyboard_file_name(request: GenerationRequest, model: str, window: float) -> str:
    """The PNG name of ``request``'s storyboard sheet, a picture per ``window`` seconds."""
    return (f"storyboard_{safe_name(model)}_{span_label(request.start, request.end)}"
            f"_every{window:g}s_seed{request.seed}.png")
