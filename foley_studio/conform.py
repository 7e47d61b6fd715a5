"""Conform: move a take's hits onto their sync points without touching their attacks (no torch).

A generated take puts its transients near, not on, the sync track's hits. :func:`conform_take`

1. detects the take's transients with the evaluation's own onset detector
   (:func:`foley_studio.evaluation.onsets.detect_onsets`, numpy/scipy), so what conform places
   is what the sync figures measure;
2. pairs them with the hits in time order (dynamic programming: a pair costs its distance,
   a hit left alone or a transient left alone costs ``max_shift_s``; pairs further apart
   than ``max_shift_s`` are never made, nor pairs closer than ``min_piece_s`` to the
   previous pair);
3. cuts the take into *pieces*, one per pair, each starting at a cut point before its
   transient: the quietest instant (2 ms energy) between ``backtrack_s`` and ``fade_s +
   guard_s`` before it, so the cut and its fade lie wholly before the attack;
4. shifts each piece by its pair's ``hit − onset`` and overlap-adds them: a piece fades in
   over ``fade_s`` (equal power) while the piece before fades out, and a piece that has to
   cover a gap plays on from the original until just before the next transient, then fades
   out, and room tone (the take's quietest 50 ms, tiled back and forth) bridges what is left
   of the gap; the audio before the first pair stays where it is.

:func:`conformed` applies this to a :class:`~foley_studio.requests.Take` and a sync track.

Nothing is stretched: each attack and its decay keep every sample. Transients no hit claimed
ride along with the piece they lie in (reported as ``extra``); hits no transient reached are
reported as ``missing``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence

import numpy as np

from foley_studio.errors import ConfigError

if TYPE_CHECKING:
    from foley_studio.requests import Take
    from foley_studio.sync import SyncTrack


@dataclass(frozen=True)
class ConformConfig:
    """Settings of :func:`conform_take` (seconds)."""

    max_shift_s: float = 0.2
    fade_s: float = 0.004
    guard_s: float = 0.001
    backtrack_s: float = 0.03
    min_piece_s: float = 0.03


@dataclass(frozen=True)
class Move:
    """One transient moved onto its hit (seconds from the take's start)."""

    hit: float
    onset: float

    @property
    def shift(self) -> float:
        """Seconds the transient moved (positive = later)."""
        return self.hit - self.onset


@dataclass(frozen=True)
class ConformResult:
    """The conformed audio and what was done: moves made, hits missing, transients extra."""

    audio: np.ndarray  # (S,) float32, same length as the take
    sample_rate: int
    moves: tuple[Move, ...]
    missing: tuple[float, ...]  # hits (s) no transient was found for within max_shift_s
    extra: tuple[float, ...]  # transients (s) no hit claimed; they moved with their piece

    def report(self, offset: float = 0.0) -> dict:
        """A JSON-safe summary for a take's provenance (times + ``offset``: source seconds)."""
        shifts_ms = [1000 * m.shift for m in self.moves]
        at = lambda t: round(t + offset, 6)  # noqa: E731
        return {"moves": [{"hit": at(m.hit), "onset": at(m.onset)} for m in self.moves],
                "missing": [at(t) for t in self.missing], "extra": [at(t) for t in self.extra],
                "median_shift_ms": float(np.median(np.abs(shifts_ms))) if shifts_ms else 0.0}


def conform_take(audio: np.ndarray, sample_rate: int, hits: Sequence[float], *,
                 config: ConformConfig = ConformConfig(),
                 onsets: Optional[Sequence[float]] = None) -> ConformResult:
    """Move the transients of mono ``audio`` ``(S,)`` onto ``hits`` (seconds from its start).

    ``onsets`` (seconds) skips the detection when the caller already knows the transients.
    """
    x = _checked(audio, sample_rate)
    hits = np.sort(np.asarray([float(h) for h in hits], np.float64))
    if onsets is None:
        onsets = _detect(x, sample_rate)
    found = np.sort(np.asarray(onsets, np.float64))
    pairs = match_in_order(found, hits, config)
    moves = tuple(Move(float(hits[i]), float(found[j])) for i, j in pairs)
    claimed_h, claimed_o = {i for i, _ in pairs}, {j for _, j in pairs}
    out = render(x, sample_rate, moves, config)
    return ConformResult(out, sample_rate, moves,
                         tuple(float(h) for i, h in enumerate(hits) if i not in claimed_h),
                         tuple(float(o) for j, o in enumerate(found) if j not in claimed_o))


def _checked(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    x = np.asarray(audio, np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ConfigError(f"Conform needs one mono take (S,), got shape {x.shape}.")
    if int(sample_rate) != sample_rate or sample_rate <= 0:
        raise ConfigError(f"Sample rate must be a positive whole number of Hz (got {sample_rate}).")
    if not np.isfinite(x).all():
        raise ConfigError("The take holds NaN or infinite samples; generate it again before conforming.")
    return x


def _detect(x: np.ndarray, rate: int) -> np.ndarray:
    from foley_studio.evaluation.onsets import OnsetConfig, detect_onsets

    if len(x) <= int(round(OnsetConfig().window_s * rate)) + 1:
        return np.zeros(0)  # too short to hold a transient
    return detect_onsets(x, rate)


def match_in_order(onsets: np.ndarray, hits: np.ndarray, config: ConformConfig) -> list[tuple[int, int]]:
    """``(hit index, onset index)`` pairs, both ascending, of least total cost (see module)."""
    n, m, skip = len(hits), len(onsets), config.max_shift_s
    cost = np.full((n + 1, m + 1), np.inf)  # cost[i, j]: hits[:i] against onsets[:j]
    cost[0, :] = skip * np.arange(m + 1)
    cost[:, 0] = skip * np.arange(n + 1)
    step = np.zeros((n + 1, m + 1), np.int8)  # 1 = pair, 2 = hit alone, 3 = onset alone
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d = abs(hits[i - 1] - onsets[j - 1])
            options = (cost[i - 1, j - 1] + d if d <= skip else np.inf,
                       cost[i - 1, j] + skip, cost[i, j - 1] + skip)
            k = int(np.argmin(options))
            cost[i, j], step[i, j] = options[k], k + 1
    return _spaced(_trace(step, n, m), onsets, hits, config.min_piece_s)


def _trace(step: np.ndarray, i: int, j: int) -> list[tuple[int, int]]:
    pairs = []
    while i > 0 and j > 0:
        move = step[i, j]
        if move == 1:
            pairs.append((i - 1, j - 1))
        i, j = (i - 1, j - 1) if move == 1 else (i - 1, j) if move == 2 else (i, j - 1)
    return pairs[::-1]


def _spaced(pairs: list[tuple[int, int]], onsets: np.ndarray, hits: np.ndarray,
            gap: float) -> list[tuple[int, int]]:
    """Drop a pair whose hit or onset lies within ``gap`` of the previous kept pair's."""
    kept: list[tuple[int, int]] = []
    for i, j in pairs:
        if not kept or (hits[i] - hits[kept[-1][0]] >= gap and onsets[j] - onsets[kept[-1][1]] >= gap):
            kept.append((i, j))
    return kept


def cut_points(x: np.ndarray, rate: int, onsets: Sequence[float], config: ConformConfig) -> list[int]:
    """Per onset, the sample where its piece starts: the quietest 2-ms instant in the window
    ``[onset − backtrack_s, onset − fade_s − guard_s]`` (not before the previous onset)."""
    box = max(1, int(0.002 * rate))
    energy = np.convolve(x ** 2, np.ones(box) / box, mode="same")  # (S,)
    cuts, previous = [], 0
    for t in onsets:
        onset = int(round(t * rate))
        hi = max(0, onset - int(round((config.fade_s + config.guard_s) * rate)))
        lo = min(hi, max(previous, onset - int(round(config.backtrack_s * rate))))
        cuts.append(lo + int(np.argmin(energy[lo:hi + 1])) if hi > lo else hi)
        previous = onset
    return cuts


def render(x: np.ndarray, rate: int, moves: Sequence[Move], config: ConformConfig) -> np.ndarray:
    """``x`` ``(S,)`` with each move's piece shifted (see module); float32, same length."""
    if not moves:
        return x.astype(np.float32)
    cuts = cut_points(x, rate, [m.onset for m in moves], config)
    shifts = [int(round(m.shift * rate)) for m in moves]
    starts = [0] + cuts  # source start of each piece; piece 0 (before the first move) stays
    places = [0] + [c + s for c, s in zip(cuts, shifts)]  # where each piece starts in the output
    limits = [int(round(m.onset * rate)) - int(round(config.guard_s * rate)) for m in moves] + [len(x)]
    fade = max(1, int(round(config.fade_s * rate)))
    out, tone = np.zeros(len(x)), None
    for k in range(len(starts)):
        until = places[k + 1] + fade if k + 1 < len(places) else len(x)
        length = min(limits[k] - starts[k], until - places[k])
        _add(out, x[starts[k]:starts[k] + length], places[k], fade, fade_in=k > 0)
        if places[k] + length < until:  # a gap the original cannot fill without the next attack
            tone = room_tone(x, rate) if tone is None else tone
            gap = until - places[k] - length + fade
            _add(out, np.resize(tone, gap), places[k] + length - fade, fade, fade_in=True)
    return out.astype(np.float32)


def room_tone(x: np.ndarray, rate: int, seconds: float = 0.05) -> np.ndarray:
    """The take's quietest ``seconds``, then the same reversed: tiled, it joins without a step."""
    n = max(2, min(len(x), int(seconds * rate)))
    power = np.concatenate([[0.0], np.cumsum(x ** 2)])
    i = int(np.argmin(power[n:] - power[:-n]))  # start of the quietest window
    return np.concatenate([x[i:i + n], x[i:i + n][::-1]])


def _add(out: np.ndarray, piece: np.ndarray, dst: int, fade: int, fade_in: bool) -> None:
    """Add ``piece`` at ``dst`` with equal-power fades (clipped to ``out``)."""
    piece = piece.copy()
    if len(piece) == 0:
        return
    ramp = np.sin(0.5 * np.pi * (np.arange(min(fade, len(piece))) + 0.5) / fade)  # (F,)
    if fade_in:
        piece[:len(ramp)] *= ramp
    if dst + len(piece) < len(out):  # ends inside the take: fade out
        piece[len(piece) - len(ramp):] *= ramp[::-1]
    lo, hi = max(0, dst), min(len(out), dst + len(piece))
    if hi > lo:
        out[lo:hi] += piece[lo - dst:hi - dst]


def conformed(take: "Take", track: "SyncTrack", span: Optional[tuple[float, float]] = None,
              config: ConformConfig = ConformConfig()) -> "Take":
    """A copy of ``take`` whose transients sit on ``track``'s hits, keeping the generated audio
    as ``unconformed`` and the report as ``conform``.

    ``span`` (source seconds, default the whole take) limits what may move: an inpainted take
    conforms its gap only, so the real soundtrack around it stays as it was.
    """
    import dataclasses

    lo, hi = span if span is not None else (take.start, take.start + take.duration)
    first, last = (int(round((t - take.start) * take.sample_rate)) for t in (lo, hi))
    first, last = max(0, first), min(len(take.audio), last)
    hits = [t - lo for t in track.times if lo <= t < hi]
    part = conform_take(take.audio[first:last], take.sample_rate, hits, config=config)
    audio = np.array(take.audio, np.float32)
    audio[first:last] = part.audio
    report = {**part.report(offset=lo), "span": [lo, hi]}
    return dataclasses.replace(take, audio=audio, unconformed=np.asarray(take.audio, np.float32),
                               conform=report, sync=track)
