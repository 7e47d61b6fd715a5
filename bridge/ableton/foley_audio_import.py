"""Audio-file import for AbletonOSC, used by Foley Studio to place takes in Live (12.0.5+).

This file runs inside Ableton Live as part of the AbletonOSC Remote Script, not in Foley
Studio. It adds three OSC addresses that stock AbletonOSC lacks:

    /live/foley_audio_import/get/version
        Answers (PROTOCOL,): Foley Studio asks this before it creates anything in the set.
    /live/track/create_audio_clip      track_index  file_path  start_beats  [name]
        Arrangement view: Track.create_audio_clip(file_path, start_beats), named ``name``.
    /live/clip_slot/create_audio_clip  track_index  slot_index  file_path
        Session view: ClipSlot.create_audio_clip(file_path) into an empty slot.

New clips play unwarped (Foley follows the picture, not the tempo). Like AbletonOSC's other
method calls the two create calls answer nothing on success; a failure is logged at ERROR
level, which AbletonOSC relays as ``/live/error "create_audio_clip failed: ..."``.
Install: see README.md in the same folder.
"""
from typing import Any, Callable, Tuple

from .handler import AbletonOSCHandler

PROTOCOL = 1


class FoleyAudioImportHandler(AbletonOSCHandler):
    """Registers the create_audio_clip addresses and the version query on AbletonOSC's server."""

    def __init__(self, manager):
        super().__init__(manager)
        self.class_identifier = "foley_audio_import"

    def init_api(self):
        self.osc_server.add_handler("/live/foley_audio_import/get/version", lambda params: (PROTOCOL,))
        self.osc_server.add_handler("/live/track/create_audio_clip", self._arrangement_clip)
        self.osc_server.add_handler("/live/clip_slot/create_audio_clip", self._session_clip)

    def _arrangement_clip(self, params: Tuple[Any, ...]) -> None:
        track = self.song.tracks[int(params[0])]
        name = str(params[3]) if len(params) > 3 else ""
        self._report_failure(track.create_audio_clip, name, str(params[1]), float(params[2]))

    def _session_clip(self, params: Tuple[Any, ...]) -> None:
        slot = self.song.tracks[int(params[0])].clip_slots[int(params[1])]
        self._report_failure(slot.create_audio_clip, "", str(params[2]))

    def _report_failure(self, method: Callable, name: str, *args: Any) -> None:
        # Live raises RuntimeError (MIDI/frozen track, bad file) or a Boost.Python argument error.
        try:
            clip = method(*args)
            if clip is not None:
                clip.warping = False
                if name:
                    clip.name = name
        except Exception as exc:
            self.logger.error("AbletonOSC: create_audio_clip failed: %s" % exc)
