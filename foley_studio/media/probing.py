"""What a media file holds, as :class:`VideoClip` reads it (for ``foley-studio probe``)."""
from __future__ import annotations

import os
from typing import Any

from foley_studio.media.audio import read_audio
from foley_studio.media.container import open_media, picture_streams, stream_span
from foley_studio.media.video import VideoClip


def probe(path: str | os.PathLike) -> dict[str, Any]:
    """Format, codecs, fps, frame count, duration, size and audio rate of a video file.

    A sound-only file is described too (``has_video`` False, picture fields ``None``), so a
    user can see why it cannot be opened as a video.
    """
    with open_media(path) as container:
        has_video = bool(picture_streams(container))
        if not has_video:
            return _sound_only(path, container)
    with VideoClip(path) as clip:
        return {**clip.info(), "has_video": True}


def _sound_only(path: str | os.PathLike, container: Any) -> dict[str, Any]:
    audio = container.streams.audio
    info: dict[str, Any] = {
        "path": str(path), "format": container.format.name, "has_video": False,
        "video_codec": None, "fps": None, "frame_count": None, "width": None, "height": None,
        "has_audio": bool(audio), "audio_codec": None, "audio_rate": None, "duration": 0.0}
    if audio:
        rate = audio[0].codec_context.sample_rate
        span = stream_span(container, audio[0])
        if span <= 0:  # header without a duration: count the decoded samples
            span = len(read_audio(path, rate)) / rate
        info.update(audio_codec=audio[0].codec_context.name, audio_rate=rate, duration=span)
    return info
