"""Media in and out: video frames at their times, soundtracks placed by timestamp, still
images, WAV and Broadcast WAV files, storyboard sheets.

Reading goes through PyAV (FFmpeg) with keyframe seeks, so long files are never decoded
whole; every failure becomes a :class:`~foley_studio.errors.MediaError` subclass that names
the file and says what to do. Writing is atomic. This package needs numpy, OpenCV, PyAV and
scipy, never torch or Qt.
"""
from __future__ import annotations

from foley_studio.media.audio import load_audio, read_audio, resample, to_mono
from foley_studio.media.images import image_sheet, load_image, write_image_sheet
from foley_studio.media.probing import probe, start_timecode
from foley_studio.media.video import MAX_FRAMES, FrameReader, VideoClip
from foley_studio.media.wav import read_bwf, write_bwf, write_take, write_wav

__all__ = ["VideoClip", "FrameReader", "MAX_FRAMES", "load_image", "load_audio", "read_audio",
           "resample",
           "to_mono", "write_wav", "write_bwf", "read_bwf", "write_take", "image_sheet",
           "write_image_sheet", "probe", "start_timecode"]
