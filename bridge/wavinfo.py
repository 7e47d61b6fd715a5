"""Read a WAV's header (rate, channels, frames) and its Broadcast WAV TimeReference, stdlib only."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from foley_studio.errors import BridgeError

_BEXT_TIME_REFERENCE = 256 + 32 + 32 + 10 + 8
"""Byte offset of TimeReferenceLow in a bext chunk (Description, Originator, OriginatorReference,
OriginationDate, OriginationTime come first; EBU Tech 3285)."""


@dataclass(frozen=True)
class WavInfo:
    """What a WAV header says: sample rate, channels, frames, and the bext TimeReference if any."""

    rate: int
    channels: int
    frames: int
    time_reference: Optional[int] = None

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.rate


def read_wav_info(path: Path | str) -> WavInfo:
    """Parse the RIFF chunks of ``path``; a missing or non-WAV file raises :class:`BridgeError`."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            return _parse(fh, path)
    except FileNotFoundError as exc:
        raise BridgeError(f"The take {path} does not exist (moved or deleted?).") from exc
    except (OSError, struct.error) as exc:
        raise BridgeError(f"Cannot read the WAV header of {path} ({exc}); export the take again.") from exc


def _parse(fh, path: Path) -> WavInfo:
    head = fh.read(12)
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        raise BridgeError(f"{path} is not a WAV file; hand over the take as a (Broadcast) WAV.")
    fmt, data_bytes, time_ref = None, None, None
    while True:
        chunk = fh.read(8)
        if len(chunk) < 8:
            break
        cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIH", fh.read(16)[:14])
            fh.seek(size - 16 + size % 2, 1)
        elif cid == b"bext":
            body = fh.read(size + size % 2)
            low, high = struct.unpack_from("<II", body, _BEXT_TIME_REFERENCE)
            time_ref = low + (high << 32)
        elif cid == b"data":
            data_bytes = size
            fh.seek(size + size % 2, 1)
        else:
            fh.seek(size + size % 2, 1)
    if fmt is None or data_bytes is None or fmt[4] == 0 or fmt[2] == 0:
        raise BridgeError(f"{path} has no usable fmt/data chunks; export the take again.")
    _tag, channels, rate, _byte_rate, align = fmt
    return WavInfo(rate, channels, data_bytes // align, time_ref)
