"""Delivery: a take as an editor or a DAW wants it, named and stamped by the Universal Category
System (UCS).

:func:`deliver_take` resamples the take with libsoxr (very high quality), makes it mono or
stereo, optionally brings its integrated loudness (ITU-R BS.1770 / EBU R128, measured with
pyloudnorm) to a target under a true-peak ceiling (the peak of the signal oversampled 4×, as
BS.1770 Annex 2 measures it), and writes a Broadcast WAV named ``CatID_FXName_CreatorID_SourceID``
whose TimeReference is the take's frame-snapped position after the project's start timecode.
The ``bext`` chunk (version 2) carries the measured loudness and true peak; the iXML ``USER``
block carries the UCS fields under the names library tools read, and ``FOLEY_STUDIO`` the
model, seed and prompt the take came from.

A ceiling below what the target needs lowers the gain: the file then lands under the target,
and :attr:`Delivered.peak_limited` says so (nothing is clipped). With ``limit`` set, the
passages that would pass the ceiling are turned down instead (a look-ahead true-peak limiter,
:func:`limit_peaks`), so the file reaches the target.
"""
from __future__ import annotations

import difflib
import json
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np

from foley_studio.errors import ConfigError, FoleyStudioError
from foley_studio.media.wav import (read_bwf, speed_fields, take_description, write_bwf,
                                    write_wav)
from foley_studio.requests import Take
from foley_studio.timeline import parse_timecode

RATES = (44100, 48000, 96000)
DEPTHS = {"24": "PCM_24", "32f": "FLOAT"}
"""Bit depth as the user names it → WAV subtype."""
UCS_TABLE = Path(__file__).resolve().parents[2] / "presets" / "ucs_foley.json"
OVERSAMPLE = 4  # true-peak measurement
BLOCK_S = 0.4  # BS.1770 gating block: shorter sounds are measured looped
LIMIT_SPAN_S = 0.01  # limiter look-ahead and recovery, each side of a peak
LIMIT_PASSES = 8  # limiting lowers the loudness: raise the drive and limit again
MAX_REDUCTION_DB = 20.0  # the limiter turns no passage down by more than this
FX_NAME_MAX = 24  # the UCS convention asks for FXName under 25 characters
_UNSAFE = re.compile(r'[_<>:"/\\|?*\x00-\x1f]+')  # "_" separates UCS blocks; the rest: filesystems


@dataclass(frozen=True)
class UcsCategory:
    """One row of the UCS list."""

    cat_id: str
    category: str
    subcategory: str

    @property
    def full(self) -> str:
        """``CATEGORY-SUBCATEGORY`` (UCS "CategoryFull")."""
        return f"{self.category}-{self.subcategory}"


@dataclass(frozen=True)
class DeliverySpec:
    """How takes leave the app: format, level, UCS name, and where the timeline starts.

    ``loudness`` is the integrated-loudness target in LUFS (None: keep the take's level);
    ``true_peak`` the ceiling in dBTP (None: none, allowed only for 32-bit float, which cannot
    clip). ``start_timecode`` is the project's first frame (``HH:MM:SS:FF`` at ``fps``).
    ``ucs_list`` names a JSON copy of the full UCS list for CatIDs beyond the shipped table.
    ``limit`` reaches a loudness target the ceiling would block by limiting the peaks.
    """

    rate: int = 48000
    depth: str = "24"
    channels: int = 1
    loudness: Optional[float] = None
    true_peak: Optional[float] = -1.0
    cat_id: str = "FOLYMisc"
    creator_id: str = "NONE"
    source_id: str = "NONE"
    fps: float = 25.0
    start_timecode: str = "00:00:00:00"
    ucs_list: Optional[str] = None
    limit: bool = False

    def __post_init__(self) -> None:
        if self.rate not in RATES:
            raise ConfigError(f"Delivery rate {self.rate} Hz is not offered; use one of "
                              f"{', '.join(map(str, RATES))}.")
        if self.depth not in DEPTHS:
            raise ConfigError(f"Bit depth {self.depth!r} is not offered; use 24 or 32f "
                              "(32-bit float).")
        if self.channels not in (1, 2):
            raise ConfigError(f"Deliver mono (1) or stereo (2), not {self.channels} channels.")
        if self.loudness is not None and not -70.0 <= self.loudness <= -5.0:
            raise ConfigError(f"Loudness target {self.loudness} LUFS is outside -70…-5 LUFS "
                              "(EBU R128 broadcast: -23; streaming: about -14).")
        if self.true_peak is not None and not -9.0 <= self.true_peak <= 0.0:
            raise ConfigError(f"True-peak ceiling {self.true_peak} dBTP is outside -9…0 dBTP "
                              "(EBU R128: -1).")
        if not (math.isfinite(self.fps) and self.fps > 0):
            raise ConfigError(f"Frame rate {self.fps} is not a usable frame rate.")
        self.category()  # an unknown CatID is refused here, before any audio is touched
        self.start_seconds()

    @property
    def subtype(self) -> str:
        """The WAV subtype for :attr:`depth`."""
        return DEPTHS[self.depth]

    def category(self) -> UcsCategory:
        """The UCS row of :attr:`cat_id` (exact match, case included, as UCS requires)."""
        table = ucs_categories(self.ucs_list)
        if self.cat_id in table:
            return table[self.cat_id]
        near = [k for k in table if k.lower() == self.cat_id.lower()] or \
            difflib.get_close_matches(self.cat_id, list(table), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(near)}?" if near else ""
        raise ConfigError(f"{self.cat_id!r} is not a UCS CatID in {self.ucs_list or UCS_TABLE.name}"
                          f".{hint} CatIDs match the list exactly, case included; for one the "
                          "shipped table lacks, give your copy of the full UCS list.")

    def start_seconds(self) -> float:
        """Seconds of the project's start timecode (timecode 0 = midnight)."""
        try:
            return parse_timecode(self.start_timecode, self.fps)
        except FoleyStudioError as exc:
            raise ConfigError(f"Start timecode {self.start_timecode!r}: {exc}") from exc


@dataclass(frozen=True)
class Delivered:
    """What :func:`deliver_take` wrote and measured."""

    path: Path
    position: float  # seconds on the project timeline, snapped to a frame
    time_reference: int  # samples since midnight at the delivery rate
    loudness: float  # integrated LUFS of the file (-inf: silent)
    true_peak: float  # dBTP of the file
    gain_db: float  # loudness change, dB
    peak_limited: bool  # the ceiling kept the file more than 0.05 LU under the loudness target
    duration: float  # seconds

    def summary(self) -> str:
        """One line for a log: where, how loud, how high the peaks."""
        note = " (held under the target by the true-peak ceiling)" if self.peak_limited else ""
        return (f"{self.path.name}: {self.loudness:.1f} LUFS, {self.true_peak:.1f} dBTP, "
                f"gain {self.gain_db:+.1f} dB{note}")


@lru_cache(maxsize=8)
def ucs_categories(path: Optional[str] = None) -> dict[str, UcsCategory]:
    """CatID → category: the shipped table, plus the rows of the UCS list at ``path``.

    A list file is a JSON array of objects with ``CatID``, ``Category`` and ``SubCategory``
    (the shape of the public UCS JSON exports), or an object holding one as ``categories``.
    """
    table = _read_table(UCS_TABLE)
    return {**table, **_read_table(Path(path))} if path else table


def _read_table(path: Path) -> dict[str, UcsCategory]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data["categories"] if isinstance(data, dict) else data
        return {r["CatID"]: UcsCategory(r["CatID"], r["Category"], r["SubCategory"]) for r in rows}
    except OSError as exc:
        raise ConfigError(f"Cannot read the UCS list {path} ({exc.strerror}); check the path.") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path} is not a UCS list: it needs a JSON array of objects with "
                          f"CatID, Category and SubCategory ({exc!r}).") from exc


def ucs_block(text: str, limit: Optional[int] = None) -> str:
    """``text`` fit for one block of a UCS file name: no ``_`` (it separates blocks), nothing
    a file system refuses, single spaces, at most ``limit`` characters."""
    clean = " ".join(_UNSAFE.sub(" ", text).split())
    return clean[:limit].rstrip() if limit else clean


def ucs_filename(cat_id: str, fx_name: str, creator_id: str, source_id: str,
                 user_data: str = "") -> str:
    """``CatID_FXName_CreatorID_SourceID[_UserData].wav`` (empty blocks become ``NONE``)."""
    blocks = [cat_id, ucs_block(fx_name, FX_NAME_MAX) or "Untitled",
              ucs_block(creator_id) or "NONE", ucs_block(source_id) or "NONE"]
    if ucs_block(user_data):
        blocks.append(ucs_block(user_data))
    return "_".join(blocks) + ".wav"


def fx_name_of(take: Take) -> str:
    """A take's FXName: its name, else its prompt, else its mode."""
    return take.name or take.prompt or f"{take.mode} {take.model}"


def time_reference(start: float, spec: DeliverySpec) -> tuple[float, int]:
    """``(position, samples since midnight)``: ``start`` snapped to the nearest frame boundary,
    placed after the project's start timecode, counted at the delivery rate."""
    position = round(start * spec.fps) / spec.fps
    return position, int(round((spec.start_seconds() + position) * spec.rate))


def prepare(audio: np.ndarray, rate: int, spec: DeliverySpec) -> np.ndarray:
    """``audio`` ``(S,)`` or ``(S, C)`` at ``rate`` → ``(S', spec.channels)`` float64 at
    ``spec.rate`` (libsoxr, very high quality)."""
    import soxr

    x = np.asarray(audio, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x  # (S, C)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ConfigError(f"The take holds no audio to deliver (shape {x.shape}); generate or "
                          "import it again.")
    if x.shape[1] != spec.channels:
        if x.shape[1] != 1 and spec.channels == 2:
            raise ConfigError(f"Cannot deliver {x.shape[1]}-channel audio as stereo; deliver "
                              "it as mono.")
        x = np.repeat(x, 2, axis=1) if spec.channels == 2 else x.mean(axis=1, keepdims=True)
    if rate != spec.rate:
        x = soxr.resample(x, rate, spec.rate, quality="VHQ")  # (S', C)
    return np.ascontiguousarray(x)


def integrated_loudness(frames: np.ndarray, rate: int) -> float:
    """BS.1770-4 integrated loudness of ``frames`` ``(S, C)`` in LUFS (-inf when silent).

    A sound shorter than two 400 ms gating blocks is measured looped to that length (the
    meter needs whole blocks, and one block would leave the relative gate nothing to compare).
    """
    import pyloudnorm

    need = int(2 * BLOCK_S * rate) + 1
    if len(frames) < need:
        frames = np.tile(frames, (-(-need // len(frames)), 1))  # (≥ need, C)
    return float(pyloudnorm.Meter(rate).integrated_loudness(frames))


def true_peak(frames: np.ndarray, rate: int) -> float:
    """Peak of ``frames`` ``(S, C)`` oversampled 4× (libsoxr), in dBTP (-inf when silent)."""
    import soxr

    up = soxr.resample(frames, rate, rate * OVERSAMPLE, quality="VHQ")  # (4S, C)
    peak = max(float(np.max(np.abs(up))), float(np.max(np.abs(frames))))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def limit_peaks(frames: np.ndarray, rate: int, ceiling_db: float) -> np.ndarray:
    """``frames`` ``(S, C)`` with every passage whose 4×-oversampled peak passes ``ceiling_db``
    turned down. The gain each sample needs is held as a minimum over ±10 ms, then averaged
    over the same span: it falls before a peak arrives (look-ahead), recovers after it, and is
    never above what any sample within reach needs, so no peak gets through between steps."""
    import soxr
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    n = len(frames)
    up = np.abs(soxr.resample(frames, rate, rate * OVERSAMPLE, quality="VHQ")).max(axis=1)
    up = np.pad(up, (0, max(0, OVERSAMPLE * n - len(up))))[:OVERSAMPLE * n]  # (4S,)
    peak = np.maximum(up.reshape(n, OVERSAMPLE).max(axis=1), np.abs(frames).max(axis=1))  # (S,)
    need = np.minimum(1.0, 10 ** (ceiling_db / 20) / np.maximum(peak, 1e-12))  # (S,)
    span = 2 * int(LIMIT_SPAN_S * rate) + 1
    gain = uniform_filter1d(minimum_filter1d(need, span, mode="nearest"), span, mode="nearest")
    return frames * gain[:, None]


def drive_limiter(frames: np.ndarray, rate: int, spec: DeliverySpec) -> np.ndarray:
    """``frames`` raised to ``spec.loudness`` through :func:`limit_peaks` at the ceiling.

    Limiting lowers the loudness by more the harder it works, so the drive (dB) is found by
    the secant method on drive → loudness, starting from the plain gain to the target. The
    drive stops :data:`MAX_REDUCTION_DB` above the peak-safe gain: a target further off is
    left unreached (and reported) rather than crushing the take.
    """
    points = [(0.0, _audible_loudness(frames, rate))]
    drive = spec.loudness - points[0][1]
    cap = spec.true_peak - true_peak(frames, rate) + MAX_REDUCTION_DB
    for _ in range(LIMIT_PASSES):
        out = limit_peaks(frames * 10 ** (drive / 20), rate, spec.true_peak)
        points.append((drive, integrated_loudness(out, rate)))
        if abs(spec.loudness - points[-1][1]) < 0.02:
            break
        (d0, l0), (d1, l1) = points[-2:]
        slope = (l1 - l0) / (d1 - d0) if d1 != d0 and l1 > l0 else 1.0
        drive = min(d1 + (spec.loudness - l1) / slope, cap)
    return out


def _audible_loudness(frames: np.ndarray, rate: int) -> float:
    loud = integrated_loudness(frames, rate)
    if not math.isfinite(loud):
        raise ConfigError("The take is silent (below the -70 LUFS gate), so it cannot be "
                          "brought to a loudness target; turn loudness off or pick another take.")
    return loud


def level(frames: np.ndarray, rate: int, spec: DeliverySpec) -> tuple[float, float, float, bool]:
    """``(gain dB, loudness after, true peak after, held by the ceiling)`` for ``frames``."""
    peak = true_peak(frames, rate)
    loud = _audible_loudness(frames, rate) if spec.loudness is not None else \
        integrated_loudness(frames, rate)
    gain = spec.loudness - loud if spec.loudness is not None else 0.0
    if spec.true_peak is not None and peak + gain > spec.true_peak:
        gain = spec.true_peak - peak
    held = spec.loudness is not None and loud + gain < spec.loudness - 0.05
    sample_peak = float(np.max(np.abs(frames))) * 10 ** (gain / 20)
    if spec.depth != "32f" and sample_peak > 1.0:
        raise ConfigError(f"The take peaks at {20 * math.log10(sample_peak):+.1f} dBFS and would "
                          "clip in 24-bit; set a true-peak ceiling or deliver 32-bit float.")
    return gain, loud + gain, peak + gain, held


def deliver_take(take: Take, spec: DeliverySpec, folder: str | Path, *, user_data: str = "",
                 path: Optional[str | Path] = None, bwf: bool = True) -> Delivered:
    """Write ``take`` for delivery into ``folder`` under its UCS name (or to ``path``).

    ``user_data`` is the optional last UCS block (a clip id keeps two placements of one take
    apart). ``bwf=False`` writes a plain WAV (same audio, no bext/iXML).
    """
    frames = prepare(take.audio, take.sample_rate, spec)  # (S, C)
    before = integrated_loudness(frames, spec.rate)
    if spec.limit and spec.loudness is not None and spec.true_peak is not None:
        frames = drive_limiter(frames, spec.rate, spec)
    gain, loud, peak, held = level(frames, spec.rate, spec)
    frames = frames * 10 ** (gain / 20)
    gain = loud - before if math.isfinite(before) else gain
    position, reference = time_reference(take.start, spec)
    fx_name = fx_name_of(take)
    target = Path(path) if path is not None else Path(folder) / ucs_filename(
        spec.cat_id, fx_name, spec.creator_id, spec.source_id, user_data)
    if bwf:
        _write_bwf(target, frames, take, spec, reference, fx_name,
                   {"loudness_value": loud, "max_true_peak_level": peak})
    else:
        write_wav(target, frames, spec.rate, subtype=spec.subtype)
    return Delivered(target, position, reference, loud, peak, gain, held, len(frames) / spec.rate)


def read_take(path: str | Path) -> Take:
    """A take written by Foley Studio (or any WAV) read back with what its metadata says:
    model, seed, mode and prompt from the iXML ``FOLEY_STUDIO`` block, the start from it or
    from the bext TimeReference (0 s for a plain WAV), the name from the UCS FXName, the
    prompt or the file name."""
    import soundfile

    info = read_bwf(path)
    audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)  # (S, C)
    meta = _ixml_block(info["ixml"], "FOLEY_STUDIO")
    bext = info["bext"] or {}
    start = float(meta.get("START", bext.get("time_reference", 0) / rate))
    return Take(audio[:, 0] if audio.shape[1] == 1 else audio, int(rate),
                meta.get("MODEL", "imported"), int(meta.get("SEED", 0)), start,
                mode=meta.get("MODE", "foley"), prompt=meta.get("PROMPT") or None,
                name=_ixml_block(info["ixml"], "USER").get("FXNAME") or meta.get("PROMPT")
                or Path(path).stem)


def _ixml_block(ixml: Optional[str], tag: str) -> dict[str, str]:
    """The text of each child of the iXML element ``tag`` (empty when absent or unreadable)."""
    if not ixml:
        return {}
    try:
        block = ET.fromstring(ixml).find(tag)
    except ET.ParseError:
        return {}
    return {} if block is None else {child.tag: child.text or "" for child in block}


def _write_bwf(path: Path, frames: np.ndarray, take: Take, spec: DeliverySpec, reference: int,
               fx_name: str, loudness: dict[str, float]) -> None:
    description = take_description(take)
    ixml = {"PROJECT": spec.source_id, "NOTE": description,
            "SPEED": {"TIMECODE_RATE": _rate_text(spec.fps), "TIMECODE_FLAG": _flag(spec),
                      "FILE_SAMPLE_RATE": spec.rate, "AUDIO_BIT_DEPTH": 32 if spec.depth == "32f"
                      else 24, **speed_fields(reference, spec.rate)},
            "USER": ucs_user_fields(spec, fx_name, description),
            "FOLEY_STUDIO": {**take.provenance(), "delivery": _delivery_note(spec)}}
    write_bwf(path, frames, spec.rate, time_reference=reference, description=description,
              originator=ucs_block(spec.creator_id)[:32] or "Foley Studio",
              originator_reference=f"FS-{take.model}-s{take.seed}"[:32], ixml=ixml,
              subtype=spec.subtype, what=f"the delivered take {path.name}", loudness=loudness)


def ucs_user_fields(spec: DeliverySpec, fx_name: str, description: str) -> dict[str, str]:
    """iXML ``USER`` fields under the names UCS renaming and library tools write."""
    cat = spec.category()
    return {"CATID": cat.cat_id, "CATEGORY": cat.category, "SUBCATEGORY": cat.subcategory,
            "CATEGORYFULL": cat.full, "FXNAME": fx_name, "TRACKTITLE": fx_name,
            "DESCRIPTION": description, "DESIGNER": spec.creator_id, "CREATORID": spec.creator_id,
            "SHOW": spec.source_id, "SOURCEID": spec.source_id, "LONGID": cat.cat_id,
            "EMBEDDER": "Foley Studio"}


def _rate_text(fps: float) -> str:
    """An NTSC rate as the exact fraction iXML expects (``30000/1001``), else ``fps/1``."""
    for nominal in (24, 30, 48, 60):
        if abs(fps - nominal * 1000 / 1001) < 0.005:
            return f"{nominal * 1000}/1001"
    return f"{round(fps * 1000)}/1000" if fps != round(fps) else f"{round(fps)}/1"


def _flag(spec: DeliverySpec) -> str:
    return "DF" if ";" in spec.start_timecode else "NDF"


def _delivery_note(spec: DeliverySpec) -> dict:
    return {"rate": spec.rate, "depth": spec.depth, "channels": spec.channels,
            "loudness_target": "off" if spec.loudness is None else spec.loudness,
            "true_peak_ceiling": "off" if spec.true_peak is None else spec.true_peak,
            "limiter": spec.limit,
            "start_timecode": spec.start_timecode, "fps": spec.fps}
