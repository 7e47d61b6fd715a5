"""WAV and Broadcast WAV (EBU Tech 3285) files, written atomically.

A Broadcast WAV carries a ``bext`` chunk (version 1 layout: Description 256, Originator 32,
OriginatorReference 32, OriginationDate 10, OriginationTime 8, TimeReference as two uint32
halves, Version, UMID 64, 190 reserved bytes, then the CodingHistory text) and an ``iXML``
chunk. When loudness figures are given the chunk is version 2: the first ten reserved bytes
hold LoudnessValue, LoudnessRange, MaxTruePeakLevel, MaxMomentaryLoudness and
MaxShortTermLoudness as int16 hundredths (``0x7FFF``: not measured). TimeReference counts samples since midnight; for a take it is the take's position on
the source's timeline, so a DAW or editor that honours BWF places it where it belongs.
"""
from __future__ import annotations

import datetime as _dt
import os
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Optional

import numpy as np

from foley_studio.atomic import atomic_path
from foley_studio.errors import ConfigError, CorruptMediaError
from foley_studio.media.container import check_path
from foley_studio.media.riff import SUBTYPES, chunk, parse_fmt, read_chunks, write_wave
from foley_studio.requests import Take

BEXT = struct.Struct("<256s32s32s10s8sIIH64s190s")
"""bext version 1 fixed part (602 bytes); the CodingHistory text follows it."""
BEXT_FIELDS = {"description": 256, "originator": 32, "originator_reference": 32}
LOUDNESS_FIELDS = ("loudness_value", "loudness_range", "max_true_peak_level",
                   "max_momentary_loudness", "max_short_term_loudness")
"""bext version 2 loudness fields (LUFS, LU, dBTP, LUFS, LUFS), in chunk order."""
NOT_MEASURED = 0x7FFF
MAX_CHANNELS = 64
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold, not even escaped (and lone surrogates, which UTF-8 cannot)."""


def write_wav(path: str | os.PathLike, audio: np.ndarray, rate: int, *,
              subtype: str = "PCM_24") -> Path:
    """Write ``audio`` (``(S,)``, or ``(C, S)``/``(S, C)``, float in [-1, 1]) as a plain WAV."""
    return _write(Path(path), _as_frames(audio, str(path)), rate, subtype, [], what=str(path))


def write_bwf(path: str | os.PathLike, audio: np.ndarray, rate: int, *, time_reference: int,
              description: str = "", originator: str = "Foley Studio",
              originator_reference: str = "", ixml: Optional[dict] = None,
              subtype: str = "PCM_24", what: Optional[str] = None,
              loudness: Optional[dict[str, float]] = None) -> Path:
    """Write a Broadcast WAV: ``bext`` (TimeReference = ``time_reference`` samples since
    midnight) and, when ``ixml`` is given, an ``iXML`` chunk built from the dict.

    ``loudness`` (keys from :data:`LOUDNESS_FIELDS`; missing ones are written as not
    measured) makes the ``bext`` chunk version 2."""
    texts = {"description": description, "originator": originator,
             "originator_reference": originator_reference}
    what = what or str(path)
    frames = _as_frames(audio, what)  # (S, C)
    bext = bext_payload(texts, time_reference=time_reference, rate=rate,
                        channels=frames.shape[1], subtype=subtype, what=what,
                        loudness=loudness)
    extra = [chunk(b"bext", bext)]
    if ixml is not None:
        extra.append(chunk(b"iXML", ixml_text(ixml).encode("utf-8")))
    return _write(Path(path), frames, rate, subtype, extra, what=what)


def write_take(path: str | os.PathLike, take: Take, *, subtype: Optional[str] = None) -> Path:
    """Write ``take`` as a Broadcast WAV placed at ``take.start`` on the source's timeline.

    By default in 24-bit PCM, or in 32-bit float when the take goes past full scale (an
    inpainted soundtrack keeps the source's level, which a downmix can take above 1), so no
    sample is clipped."""
    if subtype is None:
        subtype = "FLOAT" if np.abs(take.audio).max(initial=0.0) > 1.0 else "PCM_24"
    rate = take.sample_rate
    reference = int(round(take.start * rate))
    description = take_description(take)
    ixml = {"PROJECT": "Foley Studio", "NOTE": description, "SPEED": speed_fields(reference, rate),
            "FOLEY_STUDIO": take.provenance()}
    name = f"take {take.name!r}" if take.name else f"the {take.model} take (seed {take.seed})"
    what = f"{name} ({path})"
    return write_bwf(path, take.audio, rate, time_reference=reference, description=description,
                     originator_reference=f"FS-{take.model}-s{take.seed}"[:32], ixml=ixml,
                     subtype=subtype, what=what)


def speed_fields(reference: int, rate: int) -> dict[str, int]:
    """iXML ``SPEED`` timestamps equal to the bext TimeReference ``reference`` at ``rate``
    (hosts that read both misplace a file whose two stamps disagree)."""
    return {"TIMESTAMP_SAMPLE_RATE": rate,
            "TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_HI": reference >> 32,
            "TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO": reference & 0xFFFFFFFF}


def take_description(take: Take, limit: int = 256) -> str:
    """``model=... seed=... prompt=...`` cut to fit bext's ``limit`` bytes of ASCII."""
    head = f"model={take.model} seed={take.seed} mode={take.mode}"
    text = f"{head} prompt={_ascii(take.prompt)}" if take.prompt else head
    return text if len(text) <= limit else text[:limit - 3] + "..."


def read_bwf(path: str | os.PathLike) -> dict[str, Any]:
    """A WAV file's format, frame count, ``bext`` fields (``None`` if absent) and iXML text."""
    path = check_path(path)
    chunks = read_chunks(path)
    if b"fmt " not in chunks or b"data" not in chunks:
        raise CorruptMediaError(f"{path} lacks its fmt or data chunk; write or copy it again.")
    fmt = parse_fmt(path, chunks[b"fmt "])
    ixml = chunks.get(b"iXML")
    return {"rate": fmt.rate, "channels": fmt.channels, "subtype": fmt.subtype,
            "frames": chunks[b"data"] // max(1, fmt.block_align),
            "bext": parse_bext(chunks[b"bext"]) if b"bext" in chunks else None,
            "ixml": ixml.rstrip(b"\0").decode("utf-8", "replace") if ixml is not None else None}


def bext_payload(texts: dict[str, str], *, time_reference: int, rate: int, channels: int,
                 subtype: str, what: str = "a Broadcast WAV",
                 now: Optional[_dt.datetime] = None,
                 loudness: Optional[dict[str, float]] = None) -> bytes:
    """The ``bext`` chunk body: fixed part (version 2 with ``loudness``, else version 1) plus a
    one-line CodingHistory."""
    if int(time_reference) != time_reference or not 0 <= time_reference < 2**64:
        raise ConfigError(f"TimeReference for {what} must be a whole number of samples ≥ 0 "
                          f"(got {time_reference}); the take must start at or after 0 s.")
    fields = {key: _bext_text(key, texts[key], what) for key in BEXT_FIELDS}
    now = now or _dt.datetime.now()
    reference = int(time_reference)
    mode = "mono" if channels == 1 else "stereo" if channels == 2 else "multichannel"
    bits = SUBTYPES.get(subtype, (0, 0))[1]
    history = f"A=PCM,F={rate},W={bits},M={mode},T=Foley Studio\r\n".encode("ascii")
    fixed = BEXT.pack(fields["description"], fields["originator"],
                      fields["originator_reference"], now.strftime("%Y-%m-%d").encode(),
                      now.strftime("%H:%M:%S").encode(), reference & 0xFFFFFFFF,
                      reference >> 32, 1 if loudness is None else 2, b"",
                      b"" if loudness is None else _loudness_bytes(loudness, what))
    return fixed + history


def parse_bext(body: bytes) -> dict[str, Any]:
    """The fields of a ``bext`` chunk body (versions 0–2)."""
    if len(body) < BEXT.size:
        body = body + b"\0" * (BEXT.size - len(body))
    desc, orig, ref, date, time, low, high, version, umid, reserved = BEXT.unpack_from(body)
    out = {"description": _text(desc), "originator": _text(orig),
           "originator_reference": _text(ref), "origination_date": _text(date),
           "origination_time": _text(time), "time_reference": low | high << 32,
           "version": version, "umid": umid.rstrip(b"\0").hex(),
           "coding_history": _text(body[BEXT.size:])}
    if version >= 2:
        values = struct.unpack_from("<5h", reserved)
        out.update((name, None if v == NOT_MEASURED else v / 100)
                   for name, v in zip(LOUDNESS_FIELDS, values))
    return out


def _loudness_bytes(loudness: dict[str, float], what: str) -> bytes:
    """The ten bytes of bext v2 loudness (hundredths, ``NOT_MEASURED`` for absent or NaN)."""
    unknown = set(loudness) - set(LOUDNESS_FIELDS)
    if unknown:
        raise ConfigError(f"Unknown bext loudness field(s) {sorted(unknown)} for {what}; use "
                          f"{', '.join(LOUDNESS_FIELDS)}.")
    values = []
    for name in LOUDNESS_FIELDS:
        value = loudness.get(name)
        finite = value is not None and np.isfinite(value)
        values.append(int(np.clip(round(value * 100), -32768, 32766)) if finite else NOT_MEASURED)
    return struct.pack("<5h", *values)


def ixml_text(values: dict) -> str:
    """An iXML document (root ``BWFXML``) with one element per key, nested for dicts.

    Text a parser would change or refuse is kept readable: carriage returns are written as
    ``&#13;`` (parsers turn a raw one into a line feed), and characters XML 1.0 cannot hold
    (control characters other than tab, LF and CR; U+FFFE, U+FFFF; lone surrogates) become
    U+FFFD.
    """
    root = ET.Element("BWFXML")
    ET.SubElement(root, "IXML_VERSION").text = "2.10"
    _xml_fill(root, values)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode").replace("\r", "&#13;")  # only text holds a CR
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _xml_fill(parent: ET.Element, values: dict) -> None:
    for key, value in values.items():
        tag = "".join(c if c.isalnum() or c == "_" else "_" for c in str(key)).upper()
        child = ET.SubElement(parent, tag if tag[:1].isalpha() else f"_{tag}")
        if isinstance(value, dict):
            _xml_fill(child, value)
        elif isinstance(value, (list, tuple)):
            _xml_fill(child, {"ITEM_" + str(i): v for i, v in enumerate(value)})
        else:
            child.text = "" if value is None else XML_FORBIDDEN.sub("\ufffd", str(value))


def _write(path: Path, frames: np.ndarray, rate: int, subtype: str, extra: list[bytes],
           what: str) -> Path:
    """Check the format, then write ``frames`` ``(S, C)`` and ``extra`` chunks atomically."""
    if subtype not in SUBTYPES:
        raise ConfigError(f"Unknown WAV subtype {subtype!r}; use one of {', '.join(SUBTYPES)}.")
    if int(rate) != rate or not 1 <= rate <= 768_000:
        raise ConfigError(f"Sample rate {rate} for {what} is not a usable rate in Hz.")
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            write_wave(fh, frames, int(rate), subtype, extra)
            fh.flush()
            os.fsync(fh.fileno())
    return path


def _as_frames(audio: np.ndarray, what: str) -> np.ndarray:
    """``(S,)``, ``(C, S)`` or ``(S, C)`` float audio as ``(S, C)`` (the shorter axis is C)."""
    x = np.asarray(audio, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]  # (S, 1)
    elif x.ndim != 2:
        raise ConfigError(f"Audio for {what} must be (S,) or (C, S); got shape {x.shape}.")
    elif x.shape[0] < x.shape[1]:
        x = x.T  # (C, S) → (S, C)
    if x.shape[0] == 0 or not 1 <= x.shape[1] <= MAX_CHANNELS:
        raise ConfigError(f"Audio for {what} has shape {x.shape}: nothing to write, or more "
                          f"than {MAX_CHANNELS} channels.")
    bad = ~np.isfinite(x)
    if bad.any():
        first = int(np.argwhere(bad)[0][0])
        raise ConfigError(f"Audio for {what} holds {int(bad.sum())} NaN/infinite samples "
                          f"(first at sample {first}); the generator diverged. Generate the "
                          "take again (another seed or lower guidance).")
    return x


def _bext_text(key: str, value: str, what: str) -> bytes:
    data = _ascii(value).encode("ascii")
    if len(data) > BEXT_FIELDS[key]:
        raise ConfigError(f"The bext {key} for {what} is {len(data)} bytes; Broadcast WAV allows "
                          f"{BEXT_FIELDS[key]}. Shorten it (the full text can go in iXML).")
    return data


def _ascii(text: Optional[str]) -> str:
    return (text or "").encode("ascii", "replace").decode("ascii")


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("ascii", "replace").strip()
