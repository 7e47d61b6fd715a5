"""What a media file holds, as :class:`VideoClip` reads it (for ``foley-studio probe``), and the
timecode of its first frame."""
from __future__ import annotations

import os
import re
from typing import Any, Optional

from foley_studio.media.audio import read_audio
from foley_studio.media.container import open_media, picture_streams, stream_span
from foley_studio.media.video import VideoClip

_TIMECODE_TAG = re.compile(r"\d{2}:\d{2}:\d{2}[:;]\d{2}")  # what FFmpeg writes in the tag


def probe(path: str | os.PathLike) -> dict[str, Any]:
    """Format, codecs, fps, frame count, duration, size and audio rate of a video file.

    A sound-only file is described too (``has_video`` False, picture fields ``None``), so a
    user can see why it cannot be opened as a video.
    """
    with open_media(path) as container:
        has_video = bool(picture_streams(container))
        if not has_video:
            return _sound_only(path, container)
        timecode = _timecode_tag(container)
    with VideoClip(path) as clip:
        return {**clip.info(), "has_video": True, "timecode": timecode}


def start_timecode(path: str | os.PathLike) -> Optional[str]:
    """The timecode of the video's first frame, as its file states it (``HH:MM:SS:FF``, or
    ``HH:MM:SS;FF`` for drop-frame), or ``None`` when the file carries none.

    FFmpeg puts it in a ``timecode`` tag: on the ``tmcd`` track and the video stream of
    MOV/MP4, the video stream of MPEG-1/2 (from the GOP header), the container of DV, GXF,
    AVI and Matroska. Every place is read; the first stream that has one wins.
    """
    with open_media(path) as container:
        return _timecode_tag(container)


def _timecode_tag(container: Any) -> Optional[str]:
    streams = sorted(container.streams, key=lambda s: s.type != "video")  # video, then tmcd
    for tags in [*(s.metadata for s in streams), container.metadata]:
        found = next((v.strip() for k, v in tags.items() if k.lower() == "timecode"), None)
        if found and _TIMECODE_TAG.fullmatch(found):
            return found
    return None


def _sound_only(path: str | os.PathLike, container: Any) -> dict[str, Any]:
    audio = container.streams.audio
    info: dict[str, Any] = {
        "path": str(path), "format": container.format.name, "has_video": False,
        "video_codec": None, "fps": None, "frame_count": None, "width": None, "height": None,
        "has_audio": bool(audio), "audio_codec": None, "audio_rate": None, "duration": 0.0,
        "timecode": _timecode_tag(container)}
    if audio:
        rate = audio[0].codec_context.sample_rate
        span = stream_span(container, audio[0])
        if span <= 0:  # header without a duration: count the decoded samples
            span = len(read_audio(path, rate)) / rate
        info.update(audio_codec=audio[0].codec_context.name, audio_rate=rate, duration=span)
    return info
