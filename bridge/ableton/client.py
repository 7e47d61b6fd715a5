"""Ableton Live through AbletonOSC: find or make an audio track, place a WAV, check it landed.

AbletonOSC listens on UDP 11000 and answers every query on the same address, sent to port
11001 of the asking machine, with the object's indices first and the values after; method
calls (creating tracks and clips) answer nothing, so each one is followed by a query that shows
whether it worked. Errors arrive unsolicited as ``/live/error "<text>"``. Placing audio needs
Live 12.0.5+ and an AbletonOSC that knows ``create_audio_clip`` (``foley_audio_import.py``
beside this file adds it; see README.md here).
"""
from __future__ import annotations

import os
import threading
from typing import Any, Callable, Optional, Sequence

from foley_studio.errors import BridgeError

from bridge.results import (CursorResult, HostStatus, MarkerResult, PlaceResult, check_time,
                            take_file)
from bridge.targets import Target, TrackRef
from bridge.transport import Arg, Message, OscLink, d, i, s

ERROR = "/live/error"
MAX_BEATS = 1576800.0
"""Live refuses clip positions past this many beats (Live Object Model, Track.create_audio_clip)."""
BEAT_TOLERANCE = 1e-3
FLOAT32_STEP = 2.0 ** -23
"""AbletonOSC answers beat positions as 32-bit floats: relative spacing of representable values."""
HOST = "Ableton Live"
DEFAULT_TRACK = "Foley"
INSTALL_HINT = ("AbletonOSC on this computer cannot import audio files ({error}). Copy "
                "bridge/ableton/foley_audio_import.py into AbletonOSC's abletonosc folder and "
                "follow bridge/ableton/README.md (Live 12.0.5 or later is needed), then reload "
                "AbletonOSC.")


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
        self.link.send("/live/song/create_audio_track", [i(-1)])
        count = self.ask("/live/song/get/num_tracks")
        _expect(count, "/live/song/get/num_tracks", lambda a: len(a) == 1 and _all_ints(a), "a count")
        index = count[0] - 1
        self.link.send("/live/track/set/name", [i(index), s(name)])
        if self.track_values("name", index) != (name,):
            raise BridgeError(f"Live did not create the audio track {name!r}; is the set open and "
                              "not recording?")
        return index, name

    # placing ---------------------------------------------------------------------------
    def place(self, take: os.PathLike | str, at: float, track: TrackRef = None,
              name: str = "") -> PlaceResult:
        """Place the WAV ``take`` on ``track`` at ``at`` seconds; return what Live reports.

        Arrangement view: ``at`` becomes beats at the song tempo; the clip takes the file's
        name (AbletonOSC has no setter for arrangement clips). Session view: the first empty
        slot of the track gets the clip, named ``name``; ``at`` is not used there.
        """
        path = str(take_file(take))
        at = check_time(at)
        with self._lock:
            index, track_name = self.resolve_track(track if track is not None else self.target.track,
                                                   create=self.target.create_track)
            bpm = self.tempo()
            if self.target.view == "session":
                return self._place_session(path, index, track_name, bpm, name)
            return self._place_arrangement(path, at, index, track_name, bpm)

    def _place_arrangement(self, path: str, at: float, index: int, track: str, bpm: float) -> PlaceResult:
        beats = at * bpm / 60.0
        if beats > MAX_BEATS:
            raise BridgeError(f"{at:.3f} s is {beats:.0f} beats at {bpm:g} BPM, past Live's limit "
                              f"of {MAX_BEATS:.0f} beats; choose an earlier time.")
        before = self.track_values("arrangement_clips/start_time", index)
        self.link.send("/live/track/create_audio_clip", [i(index), s(path), d(beats)])
        starts = self._after_create(lambda: self.track_values("arrangement_clips/start_time", index))
        k = _new_clip(before, starts, beats)
        if k is None:
            raise BridgeError(f"Live did not place {path} on track {track!r} at beat {beats:.3f}; "
                              "check that the track is not frozen or recording, and that Live can "
                              "read the file.")
        lengths = self.track_values("arrangement_clips/length", index)
        names = self.track_values("arrangement_clips/name", index)
        _expect(lengths, "/live/track/get/arrangement_clips/length",
                lambda a: len(a) == len(starts) and all(_number(x) for x in a), "clip lengths")
        return PlaceResult(HOST, path, track, index, starts[k] * 60.0 / bpm, lengths[k] * 60.0 / bpm,
                           str(names[k]) if k < len(names) else "",
                           {"beats": starts[k], "length_beats": lengths[k], "tempo": bpm})

    def _place_session(self, path: str, index: int, track: str, bpm: float, name: str) -> PlaceResult:
        slot = self._free_slot(index, track)
        self.link.send("/live/clip_slot/create_audio_clip", [i(index), i(slot), s(path)])
        has = self._after_create(lambda: self._slot_value("clip_slot", "has_clip", index, slot))
        if has != (True,):
            raise BridgeError(f"Live did not create a clip from {path} in slot {slot} of {track!r}.")
        if name:
            self.link.send("/live/clip/set/name", [i(index), i(slot), s(name)])
        length = self._slot_value("clip", "length", index, slot)
        clip_name = self._slot_value("clip", "name", index, slot)
        _expect(length, "/live/clip/get/length", lambda a: len(a) == 1 and _number(a[0]), "a length")
        return PlaceResult(HOST, path, track, index, None, length[0] * 60.0 / bpm, str(clip_name[0]),
                           {"slot": slot, "length_beats": length[0], "tempo": bpm})

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

    def _after_create(self, query: Callable[[], tuple]) -> tuple:
        """Run the verifying query; an unpatched AbletonOSC's complaint becomes install advice."""
        try:
            return query()
        except BridgeError as exc:
            if "Unknown OSC address" in str(exc) and "create_audio_clip" in str(exc):
                raise BridgeError(INSTALL_HINT.format(error=str(exc).split(": ", 1)[-1])) from exc
            raise

    # transport position and markers ---------------------------------------------------
    def move_cursor(self, at: float) -> CursorResult:
        """Move the song position to ``at`` seconds; return where Live says it is."""
        at = check_time(at)
        with self._lock:
            bpm = self.tempo()
            self.link.send("/live/song/set/current_song_time", [d(at * bpm / 60.0)])
            now = self.ask("/live/song/get/current_song_time")
            _expect(now, "/live/song/get/current_song_time", lambda a: len(a) == 1 and _number(a[0]),
                    "a song time in beats")
            return CursorResult(HOST, now[0] * 60.0 / bpm)

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
                found = _cue_at(self._cues(), beats)
            if found is None:
                raise BridgeError(f"Live did not add a locator at {at:.3f} s.")
            self.link.send("/live/song/cue_point/set/name", [i(found), s(name)])
            cues = self._cues()
            if found >= len(cues) or cues[found][0] != name:
                raise BridgeError(f"Live did not name the locator at {at:.3f} s {name!r}.")
            return MarkerResult(HOST, cues[found][1] * 60.0 / bpm, name, found)

    def _cues(self) -> list[tuple[str, float]]:
        args = self.ask("/live/song/get/cue_points")
        _expect(args, "/live/song/get/cue_points",
                lambda a: len(a) % 2 == 0 and all(_number(t) for t in a[1::2]), "(name, time) pairs")
        return list(zip(args[0::2], args[1::2]))


def _cue_at(cues: Sequence[tuple[str, float]], beats: float) -> Optional[int]:
    return next((k for k, (_, t) in enumerate(cues) if _same_beat(t, beats)), None)


def _new_clip(before: Sequence[Any], after: Sequence[Any], beats: float) -> Optional[int]:
    """Index of the clip starting at ``beats`` that the create call added, or None."""
    if not all(_number(x) for x in after):
        raise BridgeError(f"Live answered the clip start query with {after!r}; expected beat numbers.")
    hits = [k for k, t in enumerate(after) if _same_beat(t, beats)]
    existed = sum(1 for t in before if _number(t) and _same_beat(t, beats))
    if not hits or (len(hits) <= existed and tuple(after) == tuple(before)):
        return None
    return hits[-1]


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
