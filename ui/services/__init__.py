"""Qt-free orchestration: the single-worker job queue, generation jobs, inpaint splicing,
media decoding for the timeline, playback, autosave and sending to DAWs. No PyQt6 here;
views hop results onto the GUI thread themselves."""
from __future__ import annotations
