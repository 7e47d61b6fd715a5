"""Doubles for the bridge tests: an AbletonOSC stand-in, oscdump as an independent OSC peer,
and a REAPER OSC stand-in that runs the companion Lua script."""
from __future__ import annotations

import os
import queue
import shlex
import shutil
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
import soundfile
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_server import BlockingOSCUDPServer

from bridge.targets import Target

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
LUA_SCRIPT = REPO / "bridge" / "reaper" / "foley_studio_bridge.lua"
STANDIN = HERE / "reaper_standin.lua"
RUNNER = HERE / "run_reaper_script.lua"


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that nothing holds right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def osc_datagram(address: str, *args: Any) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def bundle_datagram(*elements: bytes, time_tag: int = 1) -> bytes:
    """An OSC bundle holding ``elements`` (each with its size prefix); no validation."""
    body = b"".join(struct.pack(">i", len(e)) + e for e in elements)
    return b"#bundle\0" + struct.pack(">Q", time_tag) + body


MALFORMED = {
    "truncated bundle": bundle_datagram(osc_datagram("/live/test", "ok"))[:-6],
    "bundle size past the end": b"#bundle\0" + bytes(8) + struct.pack(">i", 400) + b"/x\0\0",
    "unknown content in a bundle": bundle_datagram(b"abcd"),
    "garbage": b"\x00garbage that is not OSC",
    "unknown type tag": b"/live/test\0\0,Z\0\0",
    "string without end": b"/live/test\0\0,s\0\0okokokok",
    "empty": b"",
}
"""Datagrams a broken or hostile peer may send to a reply port."""


# --------------------------------------------------------------------------------------
# AbletonOSC double
# --------------------------------------------------------------------------------------
class LiveDouble:
    """Answers like AbletonOSC: to (sender IP, reply_port), indices first, then values;
    method calls answer nothing; ``/live/error "..."`` for unknown addresses and failures.

    Misbehaviours, all off by default:
    ``audio_import=False``: a stock AbletonOSC (no foley_audio_import.py); ``unknown_errors``
    whether an unknown address is answered with ``/live/error`` (stock AbletonOSC only logs it);
    ``delay``: every answer is sent that many seconds after the request was handled (state is
    read at once, in arrival order; a late answer, as from a busy Live); ``delays``: the same per
    address, for the first N requests (``{address: [seconds, ...]}``); ``duplicate``: addresses
    answered twice; ``noise``: a raw datagram sent before every answer; ``silent``: addresses
    never answered; ``garble``: address → reply that replaces the real one (bytes sent raw);
    ``override``: address → handler that replaces the real one (e.g. a method Live ignores).
    """

    def __init__(self, reply_port: int, *, audio_import: bool = True, delay: float = 0.0,
                 tempo: float = 120.0) -> None:
        self.reply_port = reply_port
        self.audio_import = audio_import
        self.unknown_errors = True
        self.delay = delay
        self.delays: dict[str, list[float]] = {}
        self.duplicate: set[str] = set()
        self.noise: Optional[bytes] = None
        self.silent: set[str] = set()
        self.tempo = tempo
        self.song_time = 0.0
        self.cues: list[list[Any]] = []
        self.tracks = [self._track("Dialog", True), self._track("Keys", False)]
        self.garble: dict[str, Any] = {}
        self.override: dict[str, Callable[..., Optional[tuple]]] = {}
        self.received: list[tuple[str, tuple, str]] = []
        self._timers: list[threading.Timer] = []
        self._out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._handle, needs_reply_address=True)
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @staticmethod
    def _track(name: str, audio: bool) -> dict[str, Any]:
        return {"name": name, "audio": audio, "clips": [], "slots": [None] * 4}

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
            timer.join(timeout=5)
        self.server.shutdown()
        self.server.server_close()
        self._out.close()
        self._thread.join(timeout=5)

    def addresses(self) -> list[str]:
        return [a for a, _, _ in self.received]

    # dispatch ----------------------------------------------------------------------------
    def _handle(self, client: tuple[str, int], address: str, *args: Any) -> None:
        self.received.append((address, args, ""))
        handler = self.override.get(address) or self._handlers().get(address)
        if not self.audio_import and ("create_audio_clip" in address or "foley_audio_import" in address):
            handler = None
        if handler is None:
            if self.unknown_errors:
                self._send(client, "/live/error", (f"Unknown OSC address: {address}",))
            return None
        try:
            reply = handler(*args)
        except Exception as exc:  # AbletonOSC relays handler exceptions this way
            return self._send(client, "/live/error", (f"Error handling OSC message: {exc}",))
        if address in self.garble:
            reply = self.garble[address]
        if reply is not None and address not in self.silent:
            for _ in range(2 if address in self.duplicate else 1):
                self._send(client, address, reply)

    def _send(self, client: tuple[str, int], address: str, values: Any) -> None:
        data = values if isinstance(values, bytes) else osc_datagram(address, *values)
        late = self.delays.get(address)
        wait = late.pop(0) if late else self.delay
        packets = [self.noise, data] if self.noise is not None else [data]
        if wait <= 0:
            return self._emit(packets, client)
        timer = threading.Timer(wait, self._emit, args=(packets, client))
        self._timers.append(timer)
        timer.start()

    def _emit(self, packets: list[bytes], client: tuple[str, int]) -> None:
        try:
            for packet in packets:
                self._out.sendto(packet, (client[0], self.reply_port))
        except OSError:
            pass  # closed while a late answer was pending

    def _handlers(self) -> dict[str, Callable[..., Optional[tuple]]]:
        t = self.tracks
        return {
            "/live/test": lambda: ("ok",),
            "/live/foley_audio_import/get/version": lambda: (1,),
            "/live/application/get/version": lambda: (12, 1),
            "/live/song/get/tempo": lambda: (self.tempo,),
            "/live/song/get/track_names": lambda: tuple(x["name"] for x in t),
            "/live/song/get/num_tracks": lambda: (len(t),),
            "/live/song/create_audio_track": lambda index: t.append(self._track("Audio", True)),
            "/live/track/set/name": lambda k, name: t[k].update(name=name),
            "/live/track/get/name": lambda k: (k, t[k]["name"]),
            "/live/track/get/has_audio_input": lambda k: (k, t[k]["audio"]),
            "/live/track/get/arrangement_clips/start_time": lambda k: (k, *[c["start"] for c in t[k]["clips"]]),
            "/live/track/get/arrangement_clips/length": lambda k: (k, *[c["length"] for c in t[k]["clips"]]),
            "/live/track/get/arrangement_clips/name": lambda k: (k, *[c["name"] for c in t[k]["clips"]]),
            "/live/track/get/clips/name": lambda k: (k, *[s["name"] if s else None for s in t[k]["slots"]]),
            "/live/track/create_audio_clip": self._create_arrangement,
            "/live/clip_slot/create_audio_clip": self._create_session,
            "/live/clip_slot/get/has_clip": lambda k, s: (k, s, t[k]["slots"][s] is not None),
            "/live/clip/get/length": lambda k, s: (k, s, t[k]["slots"][s]["length"]),
            "/live/clip/get/name": lambda k, s: (k, s, t[k]["slots"][s]["name"]),
            "/live/clip/set/name": lambda k, s, name: t[k]["slots"][s].update(name=name),
            "/live/song/set/current_song_time": lambda beats: setattr(self, "song_time", beats),
            "/live/song/get/current_song_time": lambda: (self.song_time,),
            "/live/song/get/cue_points": lambda: tuple(v for cue in self.cues for v in cue),
            "/live/song/cue_point/add_or_delete": self._toggle_cue,
            "/live/song/cue_point/set/name": lambda k, name: self.cues[k].__setitem__(0, name),
        }

    def _clip(self, track: int, path: str) -> dict[str, Any]:
        if not self.tracks[track]["audio"]:
            raise RuntimeError("Track.create_audio_clip: the track is not an audio track")
        if not os.path.isfile(path):
            raise RuntimeError(f"Track.create_audio_clip: cannot open {path}")
        info = soundfile.info(path)
        return {"name": Path(path).stem, "path": path, "length": info.duration * self.tempo / 60}

    def _create_arrangement(self, track: int, path: str, beats: float, name: str = "") -> None:
        clip = self._clip(track, path)
        self.tracks[track]["clips"].append({**clip, "start": beats, "name": name or clip["name"]})

    def _create_session(self, track: int, slot: int, path: str) -> None:
        if self.tracks[track]["slots"][slot] is not None:
            raise RuntimeError("ClipSlot.create_audio_clip: the slot is not empty")
        self.tracks[track]["slots"][slot] = self._clip(track, path)

    def _toggle_cue(self) -> None:
        here = [c for c in self.cues if abs(c[1] - self.song_time) < 1e-9]
        if here:
            self.cues.remove(here[0])
        else:
            self.cues.append(["", self.song_time])
            self.cues.sort(key=lambda c: c[1])


def live_target(double: LiveDouble, **changes: Any) -> Target:
    fields = dict(kind="ableton", port=double.port, reply_port=double.reply_port, track="Dialog",
                  timeout=1.0, retries=1)
    fields.update(changes)
    return Target(**fields)


# --------------------------------------------------------------------------------------
# oscdump: an independent (liblo) OSC receiver
# --------------------------------------------------------------------------------------
class OscDump:
    """``oscdump -L PORT`` in a subprocess; :meth:`messages` parses what it printed."""

    def __init__(self) -> None:
        if shutil.which("oscdump") is None:
            pytest.skip("oscdump (liblo-tools) is not installed")
        self.port = free_udp_port()
        self.proc = subprocess.Popen(["oscdump", "-L", str(self.port)], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self._lines: queue.Queue[bytes] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._wait_ready()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._lines.put(line)

    def _wait_ready(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                sock.sendto(osc_datagram("/ready"), ("127.0.0.1", self.port))
                try:
                    if b"/ready" in self._lines.get(timeout=0.1):
                        break
                except queue.Empty:
                    continue
            else:
                raise RuntimeError("oscdump did not start")
        time.sleep(0.05)
        while not self._lines.empty():
            self._lines.get()

    def messages(self, count: int, timeout: float = 3.0) -> list[tuple[str, str, list[str]]]:
        """The next ``count`` messages as ``(address, type tags, [argument texts])``."""
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count and time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.1).decode("utf-8").rstrip("\n")
            except queue.Empty:
                continue
            _stamp, address, rest = (line.split(" ", 2) + [""])[:3]
            types, _, args = rest.partition(" ")
            out.append((address, types, shlex.split(args)))
        return out

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=5)
        self._reader.join(timeout=5)
        self.proc.stdout.close()


def request_answered_by_oscsend(link, address: str, *typed: str):
    """``link.request(address)`` while liblo's ``oscsend`` (an OSC implementation we did not
    write) sends the reply ``address typed...`` (e.g. ``"d", "97.25"``) to the link's port."""
    if shutil.which("oscsend") is None:
        pytest.skip("oscsend (liblo-tools) is not installed")
    command = ["oscsend", "127.0.0.1", str(link.bind_address[1]), address, *typed]
    timer = threading.Timer(0.2, subprocess.run, args=(command,), kwargs={"check": True, "timeout": 5})
    timer.start()
    try:
        return link.request(address, timeout=3.0, retries=0)
    finally:
        timer.join()


# --------------------------------------------------------------------------------------
# REAPER double: an OSC listener that runs the companion script when its action arrives
# --------------------------------------------------------------------------------------
def run_lua(spool: Path, tracks: str, state: Path, resource: Optional[Path] = None,
            action: str = "_FOLEY_STUDIO_BRIDGE", script: Path = LUA_SCRIPT,
            time_offset: float = 0.0) -> subprocess.CompletedProcess:
    """Run foley_studio_bridge.lua once under lua5.4 against the stand-in REAPER API, as the
    action ``action`` of a REAPER whose resource folder is ``resource`` and whose project
    starts at ``time_offset`` seconds of timecode."""
    env = {**os.environ, "STANDIN_SPOOL": str(spool), "STANDIN_TRACKS": tracks,
           "STANDIN_STATE": str(state), "STANDIN_RESOURCE": str(resource or spool.parent),
           "STANDIN_ACTION": action.removeprefix("_"), "STANDIN_TIME_OFFSET": repr(time_offset)}
    return subprocess.run(["lua5.4", str(RUNNER), str(STANDIN), str(script)], env=env,
                          capture_output=True, text=True, timeout=20)


class ReaperDouble:
    """REAPER's OSC surface, reduced to what the bridge uses: on ``/action/<id>`` it runs the
    companion script (as REAPER runs a bound action). ``run=False`` only records messages;
    ``delay`` holds the run back (a busy REAPER); ``before_run`` is called just before it;
    ``script_spool`` is the folder the script reads (another one than the bridge's: a wrong
    spool set-up); ``resource`` is REAPER's resource folder; ``script`` the script it runs;
    ``time_offset`` the project's start time (Project Settings › Project start time)."""

    def __init__(self, spool: Path, state: Path, *, action: str = "_FOLEY_STUDIO_BRIDGE",
                 tracks: str = "Dialog,Music", run: bool = True, resource: Optional[Path] = None) -> None:
        self.spool, self.state, self.tracks = spool, state, tracks
        self.script_spool, self.resource, self.script = spool, resource or spool.parent, LUA_SCRIPT
        self.action, self.run = action, run
        self.received: list[tuple[str, tuple]] = []
        self.results: list[subprocess.CompletedProcess] = []
        self.delay = 0.0
        self.time_offset = 0.0
        self.before_run: Optional[Callable[[], None]] = None
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._handle)
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def _handle(self, address: str, *args: Any) -> None:
        self.received.append((address, args))
        if self.run and address == f"/action/{self.action}":
            time.sleep(self.delay)
            if self.before_run is not None:
                self.before_run()
            self.results.append(run_lua(self.script_spool, self.tracks, self.state, self.resource,
                                        self.action, self.script, self.time_offset))

    def project(self) -> dict[str, list[list[str]]]:
        """The stand-in project after the last run, by record kind."""
        rows: dict[str, list[list[str]]] = {}
        for line in self.state.read_text(encoding="utf-8").splitlines():
            kind, *fields = line.split("\t")
            rows.setdefault(kind, []).append(fields)
        return rows

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


def reaper_target(double: ReaperDouble, **changes: Any) -> Target:
    fields = dict(kind="reaper", port=double.port, reply_port=0, track="Foley",
                  spool=str(double.spool), timeout=3.0, retries=1, reply_timeout=5.0)
    fields.update(changes)
    return Target(**fields)
