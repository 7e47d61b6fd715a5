"""Audio-file import for AbletonOSC, used by Foley Studio to place takes in Live (12.0.5+).

This file runs inside Ableton Live as part of the AbletonOSC Remote Script, not in Foley
Studio. It adds two OSC addresses that stock AbletonOSC lacks:

    /live/track/create_audio_clip      track_index  file_path  start_beats
        Arrangement view: Track.create_audio_clip(file_path, start_beats).
    /live/clip_slot/create_audio_clip  track_index  slot_index  file_path
        Session view: ClipSlot.create_audio_clip(file_path) into an empty slot.

Like AbletonOSC's other method calls they answer nothing on success; a failure is logged at
ERROR level, which AbletonOSC relays as ``/live/error "create_audio_clip failed: ..."``.
Install: see README.md in the same folder.
"""
from typing import Any, Callable, Tuple

from .handler import AbletonOSCHandler


class FoleyAudioImportHandler(AbletonOSCHandler):
    """Registers the two create_audio_clip addresses on AbletonOSC's server."""

    def __init__(self, manager):
        super().__init__(manager)
        self.class_identifier = "foley_audio_import"

    def init_api(self):
        self.osc_server.add_handler("/live/track/create_audio_clip", self._arrangement_clip)
        self.osc_server.add_handler("/live/clip_slot/create_audio_clip", self._session_clip)

    def _arrangement_clip(self, params: Tuple[Any, ...]) -> None:
        track = self.song.tracks[int(params[0])]
        self._report_failure(track.create_audio_clip, str(params[1]), float(params[2]))

    def _session_clip(self, params: Tuple[Any, ...]) -> None:
        slot = self.song.tracks[int(params[0])].clip_slots[int(params[1])]
        self._report_failure(slot.create_audio_clip, str(params[2]))

    def _report_failure(self, method: Callable, *args: Any) -> None:
        # Live raises RuntimeError (MIDI/frozen track, bad file) or a Boost.Python argument error.
        try:
            method(*args)
        except Exception as exc:
            self.logger.error("AbletonOSC: create_audio_clip failed: %s" % exc)
