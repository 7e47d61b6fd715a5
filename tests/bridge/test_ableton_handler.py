"""The AbletonOSC handler shipped in bridge/ableton, loaded into a stand-in AbletonOSC package
(the real one runs only inside Live): it registers both addresses, calls the Live API with the
right argument types, names the new clip and turns warping off, answers its version, and turns
Live's refusals into AbletonOSC error log records."""
from __future__ import annotations

import importlib
import logging
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

HANDLER = Path(__file__).resolve().parents[2] / "bridge" / "ableton" / "foley_audio_import.py"

BASE = textwrap.dedent('''
    import logging

    class AbletonOSCHandler:
        def __init__(self, manager):
            self.logger = logging.getLogger("abletonosc")
            self.manager = manager
            self.osc_server = manager.osc_server
            self.init_api()

        @property
        def song(self):
            return self.manager.song
''')


class Server:
    def __init__(self) -> None:
        self.handlers = {}

    def add_handler(self, address, handler) -> None:
        self.handlers[address] = handler


class Clip:
    def __init__(self, path: str) -> None:
        self.name, self.warping = path.rsplit("/", 1)[-1].rsplit(".", 1)[0], True


class Api:
    """A Live track or clip slot: records create_audio_clip calls, or refuses them."""

    def __init__(self, refuse: str = "") -> None:
        self.calls, self.clips, self.refuse = [], [], refuse

    def create_audio_clip(self, *args) -> Clip:
        if self.refuse:
            raise RuntimeError(self.refuse)
        self.calls.append(args)
        self.clips.append(Clip(args[0]))
        return self.clips[-1]


class Track(Api):
    def __init__(self, refuse: str = "") -> None:
        super().__init__(refuse)
        self.clip_slots = [Api(refuse), Api(refuse)]


class Song:
    def __init__(self) -> None:
        self.tracks = [Track(), Track("Track.create_audio_clip: not an audio track")]


class Manager:
    def __init__(self) -> None:
        self.osc_server, self.song = Server(), Song()


@pytest.fixture
def handler_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    package = tmp_path / "abletonosc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "handler.py").write_text(BASE)
    shutil.copy(HANDLER, package / HANDLER.name)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith("abletonosc")]:
        monkeypatch.delitem(sys.modules, name)
    return importlib.import_module("abletonosc.foley_audio_import")


def test_registers_and_calls_live(handler_module) -> None:
    manager = Manager()
    handler_module.FoleyAudioImportHandler(manager)
    handlers = manager.osc_server.handlers
    assert sorted(handlers) == ["/live/clip_slot/create_audio_clip", "/live/foley_audio_import/get/version",
                                "/live/track/create_audio_clip"]
    assert handlers["/live/foley_audio_import/get/version"](()) == (1,)
    assert handlers["/live/track/create_audio_clip"]((0, "/takes/a b.wav", 8, "door")) is None  # no reply
    handlers["/live/track/create_audio_clip"]((0, "/takes/d.wav", 4.0))  # no name: the file's
    handlers["/live/clip_slot/create_audio_clip"]((0.0, 1.0, "/takes/c.wav"))  # floats from some clients
    track = manager.song.tracks[0]
    assert track.calls == [("/takes/a b.wav", 8.0), ("/takes/d.wav", 4.0)]
    assert isinstance(track.calls[0][1], float)
    assert [(c.name, c.warping) for c in track.clips] == [("door", False), ("d", False)]
    assert track.clip_slots[1].calls == [("/takes/c.wav",)] and not track.clip_slots[1].clips[0].warping


def test_refusals_become_error_records(handler_module, caplog: pytest.LogCaptureFixture) -> None:
    manager = Manager()
    handler_module.FoleyAudioImportHandler(manager)
    with caplog.at_level(logging.ERROR, logger="abletonosc"):
        manager.osc_server.handlers["/live/track/create_audio_clip"]((1, "/takes/a.wav", 0.0))
    message = caplog.records[-1].getMessage()
    # AbletonOSC relays the text after the first ": " as /live/error
    assert message[message.index(":") + 2:] == ("create_audio_clip failed: "
                                                "Track.create_audio_clip: not an audio track")
