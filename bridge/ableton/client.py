"""Ableton Live through AbletonOSC: find or make an audio track, place a WAV, check it landed.

AbletonOSC listens on UDP 11000 and answers every query on the same address, sent to port
11001 of the asking machine, with the object's indices first and the values after; method
calls (creating tracks and clips) answer nothing, so each one is followed by a query that shows
whether it worked, polled until the change shows (a late answer to an earlier query then
costs one more poll instead of a wrong verdict). A method call is never resent, so nothing is
created twice. Errors arrive unsolicited as ``/live/error "<text>"``. Placing audio needs
Live 12.0.5+ and AbletonOSC with ``foley_audio_import.py`` (beside this file; see README.md
here), which the bridge asks for its version before it creates anything in the set.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from foley_studio.errors import BridgeError

from bridge.results import (CursorResult, HostStatus, MarkerResult, PlaceResult, check_time,
                            take_file)
from bridge.targets import Target, TrackRef
from bridge.transport import Arg, Message, OscLink, d, i, s
from bridge.wavinfo import read_wav_info

ERROR = "/live/error"
BEAT_TOLERANCE = 1e-3
FLOAT32_STEP = 2.0 ** -23
"""AbletonOSC answers beat positions as 32-bit floats: relative spacing of representable values."""
LENGTH_TOLERANCE_S = 1e-3
HOST = "Ableton Live"
DEFAULT_TRACK = "Foley"
IMPORT_VERSION = "/live/foley_audio_import/get/version"
IMPORT_PROTOCOL = 1
"""The foley_audio_import.py protocol this bridge speaks (create_audio_clip with a name)."""
INSTALL_HINT = ("AbletonOSC on this computer cannot import audio files for Foley Studio ({error}); "
                "nothing was changed in the set. Copy bridge/ableton/foley_audio_import.py into "
                "AbletonOSC's abletonosc folder and follow bridge/ableton/README.md (Live 12.0.5 "
                "or later is needed), then reload AbletonOSC.")


class AbletonLive:
    """An AbletonOSC connection. Thread-safe; every call ends within its timeouts."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._lock = threading.RLock()
        self.link = OscLink(target.host, target.port, bind_host=target.bind_host,
                            bind_port=target.reply_port, label="Ableton Live (AbletonOSC)",
                            resolve_timeout=target.timeout)

    def close(self) -> None:
        """Stop listening on the reply port."""
        self.link.close()

    # queries ---------------------------------------------------------------------------
    def ask(self, address: str, *args: Arg, match: Optional[Callable[[Message], bool]] = None) -> tuple:
        """Send a query and return the reply's arguments; ``/live/error`` becomes a BridgeError."""
        reply = self.link.request(address, args, match=match, timeout=self.target.timeout,
                                  retries=self.target.retries, error_address=ERROR)
        return reply.args

    def status(self) -> HostStatus:
        """Handshake (``/live/test``) and Live's version; never raises for an absent host."""
        with self._lock:
            try:
                _expect(self.ask("/live/test"), "/live/test", lambda a: a[:1] == ("ok",), '"ok"')
                version = self.ask("/live/application/get/version")
            except BridgeError as exc:
                return HostStatus(HOST, False, detail=str(exc))
            _expect(version, "/live/application/get/version", _all_ints, "(major, minor)")
            return HostStatus(HOST, True, ".".join(str(v) for v in version),
                              f"AbletonOSC at {self.target.host}:{self.target.port}")

    def tempo(self) -> float:
        """The song tempo in BPM."""
        args = self.ask("/live/song/get/tempo")
        _expect(args, "/live/song/get/tempo", lambda a: len(a) >= 1 and _positive(a[0]), "a tempo in BPM")
        return float(args[0])

    def track_names(self) -> list[str]:
        """Names of the song's tracks (returns and master excluded), index order."""
        args = self.ask("/live/song/get/track_names")
        _expect(args, "/live/song/get/track_names", lambda a: all(isinstance(x, str) for x in a),
                "track names")
        return list(args)

    def track_values(self, prop: str, index: int) -> tuple:
        """``/live/track/get/<prop>`` for track ``index``: the values after the echoed index."""
        address = f"/live/track/get/{prop}"
        args = self.ask(address, i(index), match=lambda m: m.args[:1] == (index,))
        return args[1:]

    # track choice ----------------------------------------------------------------------
    def resolve_track(self, track: TrackRef, *, create: bool) -> tuple[int, str]:
        """``(index, name)`` of the audio track named or numbered ``track`` (created if asked)."""
        track = DEFAULT_TRACK if track is None else track
        if isinstance(track, str) and not track.strip():
            raise BridgeError("The track name is empty; give a track name or a 0-based index.")
        names = self.track_names()
        if isinstance(track, int):
            if track >= len(names):
                raise BridgeError(f"Live has {len(names)} tracks; there is no track {track} "
                                  f"(indices start at 0). Choose one of: {', '.join(names) or 'none'}.")
            index = track
        elif track in names:
            index = names.index(track)
        elif create:
            return self._create_track(track)
        else:
            raise BridgeError(f"Live has no track named {track!r}; choose one of "
                              f"{', '.join(names) or '(none)'} or allow creating it.")
        self._check_audio(index, names[index])
        return index, names[index]

    def _check_audio(self, index: int, name: str) -> None:
        flag = self.track_values("has_audio_input", index)
        _expect(flag, "/live/track/get/has_audio_input", lambda a: len(a) == 1 and isinstance(a[0], bool),
                "True or False")
        if not flag[0]:
            raise BridgeError(f"Track {index} ({name!r}) in Live is not an audio track; choose an "
                              "audio track or a new track name.")

    def _create_track(self, name: str) -> tuple[int, str]:
        count = len(self.track_names())
        self.link.send("/live/song/create_audio_track", [i(-1)])
        made = self._until(lambda: self._num_tracks() == count + 1)
        if made:
            self.link.send("/live/track/set/name", [i(count), s(name)])
        if not (made and self._until(lambda: self.track_values("name", count) == (name,))):
            raise BridgeError(f"Live did not create the audio track {name!r}; is the set open and "
                              "not recording?")
        return count, name

    def _num_tracks(self) -> int:
        count = self.ask("/live/song/get/num_tracks")
        _expect(count, "/live/song/get/num_tracks", lambda a: len(a) == 1 and _all_ints(a), "a count")
        return count[0]

    def _until(self, ready: Callable[[], Any]) -> Any:
        """Poll ``ready()`` (fresh queries each time) until it gives something other than None
        or False, or the timeout passes; return its last value."""
        deadline = time.monotonic() + self.target.timeout * (self.target.retries + 1)
        while True:
            value = ready()
            if (value is not None and value is not False) or time.monotonic() >= deadline:
                return value
            time.sleep(0.05)

    # placing ---------------------------------------------------------------------------
    def place(self, take: os.PathLike | str, at: float, track: TrackRef = None,
              name: str = "") -> PlaceResult:
        """Place the WAV ``take`` on ``track`` at ``at`` seconds; return what Live reports.

        Arrangement view: ``at`` becomes beats at the song tempo. Session view: the first
        empty slot of the track gets the clip; ``at`` is not used there. The clip is named
        ``name`` (default: the file's name), plays unwarped, and is checked against what was
        asked; a track is created only once Live is known to be able to import the file.
        """
        path = str(take_file(take))
        seconds = read_wav_info(path).duration
        at = check_time(at)
        name = name or os.path.splitext(os.path.basename(path))[0]
        with self._lock:
            bpm = self.tempo()
            self._check_import_support()
            beats = at * bpm / 60.0  # within Live's 1576800 beats: 24 h at its top tempo of 999 BPM
            index, track_name = self.resolve_track(track if track is not None else self.target.track,
                                                   create=self.target.create_track)
            asked = _Asked(path, index, track_name, beats, seconds * bpm / 60.0, name, bpm)
            if self.target.view == "session":
                return self._place_session(asked)
            return self._place_arrangement(asked)

    def _check_import_support(self) -> None:
        """Ask foley_audio_import.py for its protocol version; refuse before touching the set."""
        try:
            version = self.ask(IMPORT_VERSION)
        except BridgeError as exc:
            raise BridgeError(INSTALL_HINT.format(error=_reason(exc))) from exc
        if not (len(version) == 1 and _all_ints(version) and version[0] >= IMPORT_PROTOCOL):
            raise BridgeError(INSTALL_HINT.format(
                error=f"its foley_audio_import.py answers version {version!r}, this bridge needs "
                      f"{IMPORT_PROTOCOL} or later"))

    def _place_arrangement(self, asked: "_Asked") -> PlaceResult:
        before = self._arrangement(asked.index)
        self.link.send("/live/track/create_audio_clip",
                       [i(asked.index), s(asked.path), d(asked.beats), s(asked.name)])
        clips = self._until(lambda: _new_clip(before, self._arrangement(asked.index), asked))
        if not clips:
            raise BridgeError(f"Live did not place {asked.path} on track {asked.track!r} at beat "
                              f"{asked.beats:.3f}; check that the track is not frozen or recording, "
                              "and that Live can read the file.")
        start, length, clip_name = clips
        return _checked(asked, start, length, clip_name, {})

    def _arrangement(self, index: int) -> list[tuple[float, float, str]]:
        """``(start, length, name)`` of the track's arrangement clips, from agreeing answers."""
        for _ in range(3):
            starts = self.track_values("arrangement_clips/start_time", index)
            lengths = self.track_values("arrangement_clips/length", index)
            names = self.track_values("arrangement_clips/name", index)
            for what, values in (("start_time", starts), ("length", lengths)):
                _expect(values, f"/live/track/get/arrangement_clips/{what}",
                        lambda a: all(_number(x) for x in a), "beat numbers")
            if len(starts) == len(lengths) == len(names):
                return list(zip(starts, lengths, (str(n) for n in names)))
        raise BridgeError(f"Live keeps answering different clip counts for track {index}; is "
                          "something else editing the set? Try again.")

    def _place_session(self, asked: "_Asked") -> PlaceResult:
        index, slot = asked.index, self._free_slot(asked.index, asked.track)
        self.link.send("/live/clip_slot/create_audio_clip", [i(index), i(slot), s(asked.path)])
        has = self._until(lambda: self._slot_value("clip_slot", "has_clip", index, slot) == (True,))
        if not has:
            raise BridgeError(f"Live did not create a clip from {asked.path} in slot {slot} of "
                              f"{asked.track!r}.")
        self.link.send("/live/clip/set/name", [i(index), i(slot), s(asked.name)])
        self._until(lambda: self._slot_value("clip", "name", index, slot) == (asked.name,))
        length = self._slot_value("clip", "length", index, slot)
        clip_name = self._slot_value("clip", "name", index, slot)
        _expect(length, "/live/clip/get/length", lambda a: len(a) == 1 and _number(a[0]), "a length")
        return _checked(asked, None, length[0], " ".join(str(n) for n in clip_name), {"slot": slot})

    def _free_slot(self, index: int, track: str) -> int:
        names = self.track_values("clips/name", index)
        for slot, clip in enumerate(names):
            if clip is None or clip == "":
                return slot
        raise BridgeError(f"Track {track!r} has no empty clip slot in Live's Session view; add a "
                          "scene or clear a slot.")

    def _slot_value(self, kind: str, prop: str, index: int, slot: int) -> tuple:
        args = self.ask(f"/live/{kind}/get/{prop}", i(index), i(slot),
                        match=lambda m: m.args[:2] == (index, slot))
        return args[2:]

    # transport position and markers ---------------------------------------------------
    def move_cursor(self, at: float) -> CursorResult:
        """Move the song position to ``at`` seconds; return where Live says it is (checked)."""
        at = check_time(at)
        with self._lock:
            bpm = self.tempo()
            beats = at * bpm / 60.0
            self.link.send("/live/song/set/current_song_time", [d(beats)])
            now = self._until(lambda: _if_same(self._song_time(), beats))
            if now is None:
                raise BridgeError(f"Live's song position did not move to {at:.6f} s; is Live "
                                  "recording, or is the set's song position locked?")
            return CursorResult(HOST, now * 60.0 / bpm)

    def _song_time(self) -> float:
        now = self.ask("/live/song/get/current_song_time")
        _expect(now, "/live/song/get/current_song_time", lambda a: len(a) == 1 and _number(a[0]),
                "a song time in beats")
        return now[0]

    def marker(self, at: float, name: str) -> MarkerResult:
        """Put a named locator (cue point) at ``at`` seconds; reuse one already there.

        Live adds locators at the song position, so this moves the song position to ``at``.
        """
        with self._lock:
            self.move_cursor(at)
            bpm = self.tempo()
            beats = check_time(at) * bpm / 60.0
            found = _cue_at(self._cues(), beats)
            if found is None:
                self.link.send("/live/song/cue_point/add_or_delete")
                found = self._until(lambda: _cue_at(self._cues(), beats))
            if found is None:
                raise BridgeError(f"Live did not add a locator at {at:.3f} s.")
            self.link.send("/live/song/cue_point/set/name", [i(found), s(name)])
            cues = self._until(lambda: _named(self._cues(), found, name))
            if not cues:
                raise BridgeError(f"Live did not name the locator at {at:.3f} s {name!r}.")
            return MarkerResult(HOST, cues[found][1] * 60.0 / bpm, name, found)

    def _cues(self) -> list[tuple[str, float]]:
        args = self.ask("/live/song/get/cue_points")
        _expect(args, "/live/song/get/cue_points",
                lambda a: len(a) % 2 == 0 and all(_number(t) for t in a[1::2]), "(name, time) pairs")
        return list(zip(args[0::2], args[1::2]))


def _if_same(reported: float, beats: float) -> Optional[float]:
    return reported if _same_beat(reported, beats) else None


def _named(cues: list[tuple[str, float]], index: int, name: str) -> Optional[list[tuple[str, float]]]:
    """``cues`` if locator ``index`` is called ``name``, else None."""
    return cues if index < len(cues) and cues[index][0] == name else None


def _cue_at(cues: Sequence[tuple[str, float]], beats: float) -> Optional[int]:
    return next((k for k, (_, t) in enumerate(cues) if _same_beat(t, beats)), None)


@dataclass(frozen=True)
class _Asked:
    """What a placement asked Live for (positions and lengths in beats at ``bpm``)."""

    path: str
    index: int
    track: str
    beats: float
    length_beats: float
    name: str
    bpm: float


def _new_clip(before: Sequence[tuple], after: Sequence[tuple],
              asked: _Asked) -> Optional[tuple[float, float, str]]:
    """The clip at the asked start that the create call added (by name if several), or None."""
    here = [c for c in after if _same_beat(c[0], asked.beats)]
    if len(here) <= sum(1 for c in before if _same_beat(c[0], asked.beats)):
        return None
    named = [c for c in here if c[2] == asked.name and c not in before]
    return (named or here)[-1]


def _checked(asked: _Asked, start: Optional[float], length: float, name: str,
             extra: dict[str, Any]) -> PlaceResult:
    """The placement as Live reports it, or a BridgeError saying what was placed versus asked."""
    bpm = asked.bpm
    wrong = []
    if start is not None and not _same_beat(start, asked.beats):
        wrong.append(f"at {start * 60 / bpm:.6f} s instead of {asked.beats * 60 / bpm:.6f} s")
    if abs(length - asked.length_beats) * 60 / bpm > LENGTH_TOLERANCE_S + asked.length_beats * FLOAT32_STEP:
        wrong.append(f"{length * 60 / bpm:.6f} s long instead of {asked.length_beats * 60 / bpm:.6f} s "
                     "(warped? turn warping off for the clip)")
    if name != asked.name:
        wrong.append(f"named {name!r} instead of {asked.name!r}")
    if wrong:
        raise BridgeError(f"Live placed {asked.path} on track {asked.index} ({asked.track!r}) but "
                          f"{'; '.join(wrong)}. Check the clip in Live (undo it if it is wrong) "
                          "and update foley_audio_import.py from bridge/ableton/.")
    extra = {**extra, "length_beats": length, "tempo": bpm}
    if start is not None:
        extra["beats"] = start
    return PlaceResult(HOST, asked.path, asked.track, asked.index,
                       None if start is None else start * 60.0 / bpm, length * 60.0 / bpm, name, extra)


def _reason(exc: BridgeError) -> str:
    text = str(exc)
    return text.split(" reported an error: ", 1)[-1] if "reported an error" in text else "no answer"


def _same_beat(reported: float, beats: float) -> bool:
    """Whether a float32 beat position Live reported is the one asked for."""
    return abs(reported - beats) <= max(BEAT_TOLERANCE, abs(beats) * FLOAT32_STEP)


def _expect(args: tuple, address: str, ok: Callable[[tuple], bool], want: str) -> None:
    try:
        good = ok(args)
    except (TypeError, IndexError, ValueError):
        good = False
    if not good:
        raise BridgeError(f"Ableton Live answered {address} with {args!r}, expected {want}; "
                          "update AbletonOSC or check that the port belongs to it.")


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _positive(x: Any) -> bool:
    return _number(x) and x > 0


def _all_ints(args: tuple) -> bool:
    return len(args) >= 1 and all(isinstance(x, int) and not isinstance(x, bool) for x in args)
