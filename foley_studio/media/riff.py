"""RIFF/WAVE chunks written and read by hand with :mod:`struct`.

Layout written: ``RIFF WAVE [fmt ] [fact] [bext] [iXML] [data]``. Every chunk is word-aligned:
a chunk of odd size is followed by one pad byte that its size field does not count (the RIFF
size does). ``fmt `` is WAVE_FORMAT_PCM (16/24-bit) or WAVE_FORMAT_IEEE_FLOAT (32-bit, with
the ``fact`` chunk non-PCM data requires).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from foley_studio.errors import ConfigError, CorruptMediaError, NotMediaError

PCM, IEEE_FLOAT, EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
SUBTYPES = {"PCM_16": (PCM, 16), "PCM_24": (PCM, 24), "FLOAT": (IEEE_FLOAT, 32)}
MAX_RIFF = 0xFFFFFFFF


@dataclass(frozen=True)
class Format:
    """What the ``fmt `` chunk says."""

    tag: int
    channels: int
    rate: int
    bits: int

    @property
    def block_align(self) -> int:
        """Bytes per sample frame (all channels)."""
        return self.channels * self.bits // 8

    @property
    def subtype(self) -> str:
        """``PCM_16``, ``PCM_24``, ``PCM_32``, ``PCM_U8`` or ``FLOAT``/``DOUBLE``."""
        if self.tag == IEEE_FLOAT:
            return "FLOAT" if self.bits == 32 else "DOUBLE"
        return "PCM_U8" if self.bits == 8 else f"PCM_{self.bits}"


def chunk(tag: bytes, payload: bytes) -> bytes:
    """One chunk: 4-byte tag, little-endian uint32 size, payload, pad byte if the size is odd."""
    return tag + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")


def fmt_chunk(fmt: Format) -> bytes:
    """The ``fmt `` chunk (16 bytes for PCM, 18 with cbSize for float)."""
    body = struct.pack("<HHIIHH", fmt.tag, fmt.channels, fmt.rate, fmt.rate * fmt.block_align,
                       fmt.block_align, fmt.bits)
    return chunk(b"fmt ", body if fmt.tag == PCM else body + struct.pack("<H", 0))


def encode_samples(audio: np.ndarray, subtype: str) -> bytes:
    """``(S, C)`` float audio as interleaved little-endian samples (PCM clipped to [-1, 1])."""
    if subtype == "FLOAT":
        return audio.astype("<f4").tobytes()
    bits = SUBTYPES[subtype][1]
    scale = 2 ** (bits - 1) - 1
    ints = np.round(np.clip(audio, -1.0, 1.0) * scale).astype("<i4")  # (S, C)
    if bits == 16:
        return ints.astype("<i2").tobytes()
    return ints.reshape(-1, 1).view(np.uint8)[:, :3].tobytes()  # low three bytes of each


def write_wave(fh: BinaryIO, audio: np.ndarray, rate: int, subtype: str,
               extra: list[bytes]) -> None:
    """Write a whole WAVE file: ``audio`` ``(S, C)`` float, ``extra`` chunks before ``data``."""
    tag, bits = SUBTYPES[subtype]
    fmt = Format(tag, audio.shape[1], rate, bits)
    samples = encode_samples(audio, subtype)
    head = [fmt_chunk(fmt)]
    if tag != PCM:
        head.append(chunk(b"fact", struct.pack("<I", audio.shape[0])))
    head.extend(extra)
    body = b"".join(head)
    pad = len(samples) % 2
    riff_size = 4 + len(body) + 8 + len(samples) + pad
    if riff_size > MAX_RIFF:
        raise ConfigError(f"{audio.shape[0] / rate:.0f} s of {fmt.channels}-channel {subtype} "
                          "audio is over the 4 GiB a WAV file can hold; write it in parts.")
    fh.write(b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + body)
    fh.write(b"data" + struct.pack("<I", len(samples)))
    fh.write(samples)
    fh.write(b"\0" * pad)


def read_chunks(path: Path) -> dict[bytes, bytes | int]:
    """Chunks of a WAVE file: tag → payload (``data`` → its size only; first of each tag)."""
    total = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise NotMediaError(f"{path} is not a WAV file (no RIFF/WAVE header); "
                                "choose a .wav file.")
        chunks: dict[bytes, bytes | int] = {}
        while len(header := fh.read(8)) == 8:
            tag, size = header[:4], struct.unpack("<I", header[4:])[0]
            if fh.tell() + size > total:
                raise CorruptMediaError(
                    f"{path} is truncated: its {tag.decode('latin-1')!r} chunk needs {size} "
                    f"bytes but {total - fh.tell()} remain. Write or copy it again.")
            if tag == b"data" or tag in chunks:
                chunks.setdefault(tag, size)
                fh.seek(size + size % 2, 1)
            else:
                chunks[tag] = fh.read(size)
                fh.seek(size % 2, 1)
    return chunks


def parse_fmt(path: Path, body: bytes) -> Format:
    """The ``fmt `` chunk's fields (WAVE_FORMAT_EXTENSIBLE resolved to its sub-format)."""
    if len(body) < 16:
        raise CorruptMediaError(f"{path} has a damaged fmt chunk ({len(body)} bytes).")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
    if tag == EXTENSIBLE and len(body) >= 26:
        tag = struct.unpack_from("<H", body, 24)[0]  # first two bytes of the sub-format GUID
    return Format(tag, channels, rate, bits)
