"""Opening media files with PyAV and turning FFmpeg's failures into errors a user can act on.

Clip time zero is the container's start time when that is positive (MPEG-TS, camera files
whose clocks start at an offset), else the zero of the timestamps: the zero FFmpeg itself
uses when it converts a file. Negative timestamps, such as AAC encoder priming held back by
an MP4 edit list, stay before zero and are dropped by the decoders. (MPEG-TS cannot mark
priming, so there, as in FFmpeg, the first audio frame holds it and sound and picture both
start a few milliseconds after zero, still in sync.)
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

import av

from foley_studio.errors import (CorruptMediaError, EmptyMediaError, MissingFileError,
                                 NotMediaError)

SIGNATURES = {
    b"ftyp": "an MP4/QuickTime file", b"moov": "a QuickTime file", b"mdat": "a QuickTime file",
    b"RIFF": "a RIFF (WAV/AVI) file", b"\x1aE\xdf\xa3": "a Matroska/WebM file",
    b"OggS": "an Ogg file", b"fLaC": "a FLAC file", b"ID3": "an MP3 file",
    b"\x00\x00\x01\xba": "an MPEG program stream", b"FORM": "an AIFF file",
}
"""Leading bytes of common media formats, to tell a damaged file from one that is not media."""


def check_path(path: str | os.PathLike) -> Path:
    """``path`` as a Path, after checking that it names a non-empty file."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path} does not exist; check the path or relink the media.")
    if not path.is_file():
        raise NotMediaError(f"{path} is a folder, not a media file; choose a file inside it.")
    if path.stat().st_size == 0:
        raise EmptyMediaError(f"{path} is empty (0 bytes); re-export or re-copy it.")
    return path


def open_media(path: str | os.PathLike) -> av.container.InputContainer:
    """Open ``path`` for reading with PyAV, or raise the matching MediaError."""
    path = check_path(path)
    try:
        container = av.open(str(path), mode="r", metadata_errors="replace")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise _open_error(path, exc) from exc
    try:
        check_index(path, container)
    except CorruptMediaError:
        container.close()
        raise
    return container


def _open_error(path: Path, exc: Exception) -> Exception:
    kind = sniff(path)
    if kind is None:
        return NotMediaError(
            f"{path} is not a video or sound file that can be read ({_reason(exc)}); "
            "choose a video (MP4, MOV, MKV...) or a sound file (WAV, FLAC, MP3...).")
    return CorruptMediaError(
        f"{path} looks like {kind} but cannot be opened ({_reason(exc)}): it is probably "
        "truncated or damaged. Copy or export it again.")


def sniff(path: Path) -> str | None:
    """What the first bytes of ``path`` say it is (``None`` when no known signature fits)."""
    with open(path, "rb") as fh:
        head = fh.read(189)
    for magic, kind in SIGNATURES.items():
        if head.startswith(magic) or head[4:8] == magic:
            return kind
    if len(head) == 189 and head[0] == head[188] == 0x47:  # two MPEG-TS sync bytes
        return "an MPEG transport stream"
    return None


def check_index(path: Path, container: av.container.InputContainer) -> None:
    """Refuse a file whose sample index points past its end (cut off while copying/recording)."""
    size = path.stat().st_size
    for stream in container.streams:
        entries = stream.index_entries
        if len(entries) == 0:
            continue
        last = entries[len(entries) - 1]
        end = last.pos + last.size
        if last.pos >= 0 and end > size:
            raise CorruptMediaError(
                f"{path} is truncated: it holds {size} bytes but its index refers to "
                f"{end} bytes. Copy or export it again (a recording may still have been "
                "running when it was copied).")


def picture_streams(container: av.container.InputContainer) -> list[av.video.stream.VideoStream]:
    """Video streams that are moving pictures (cover art in sound files does not count)."""
    return [s for s in container.streams.video
            if not s.disposition & av.stream.Disposition.attached_pic]


def time_origin(container: av.container.InputContainer) -> float:
    """Seconds of timestamp that count as clip time zero (see the module notes)."""
    start = container.start_time
    return start / av.time_base if start is not None and start > 0 else 0.0


def stream_span(container: av.container.InputContainer, stream: av.stream.Stream) -> float:
    """End of ``stream`` in clip seconds from its header (0.0 when the header does not say)."""
    origin = time_origin(container)
    if stream.duration and stream.time_base:
        first = stream.start_time or 0
        return float((first + stream.duration) * stream.time_base) - origin
    if container.duration:
        start = container.start_time or 0
        return (start + container.duration) / av.time_base - origin
    return 0.0


@contextlib.contextmanager
def decoding(path: Path, at: float | None = None) -> Iterator[None]:
    """Turn an FFmpeg error raised while demuxing or decoding into :class:`CorruptMediaError`."""
    try:
        yield
    except av.error.FFmpegError as exc:
        where = f" near {at:.3f} s" if at is not None else ""
        raise CorruptMediaError(
            f"{path} is damaged{where} and cannot be decoded ({_reason(exc)}); "
            "export or copy it again, or pick a part of the clip away from the damage.") from exc


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).strip().rstrip(".") or type(exc).__name__
