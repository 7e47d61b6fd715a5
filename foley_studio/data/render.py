"""World clips to files: an H.264 + AAC mp4 per clip and a VGGSound-style manifest.

AAC encoders put ~1024 priming samples before the first real sample; FFmpeg's mp4 muxer
records them in an edit list, and decoders drop them, so the soundtrack read back (by
timestamp, :mod:`foley_studio.media`) starts with the clip's first sample and every event
sounds at the time written in the manifest.
"""
from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Optional

import av
import numpy as np

from foley_studio.atomic import atomic_path
from foley_studio.data.manifest import Row, write_manifest
from foley_studio.data.world import CLASSES, SECONDS, Clip, check_settings, render_clip
from foley_studio.errors import ConfigError
from foley_studio.progress import CancelToken, ProgressFn, check_cancel, report

AUDIO_CHUNK = 1024        # samples per AAC frame
AUDIO_BITRATE = 96_000
VIDEO_CRF = 20
TEST_EVERY = 5            # every 5th clip of each class goes to the test split


@dataclass(frozen=True)
class ClipSpec:
    """What to render for clip ``index`` of a dataset."""

    index: int
    id: str
    seed: int
    label: str
    split: str


def write_mp4(path: str | os.PathLike, clip: Clip, *, crf: int = VIDEO_CRF,
              audio_bitrate: int = AUDIO_BITRATE) -> None:
    """Encode ``clip`` as an mp4 (H.264 yuv420p at its fps, mono AAC at its rate), atomically."""
    height, width = clip.frames.shape[1:3]
    if height % 2 or width % 2:
        raise ConfigError(f"Frames of {width}x{height} cannot be stored as yuv420p H.264 for "
                          f"{path}; render with an even frame size (e.g. 128).")
    with atomic_path(path) as tmp, av.open(str(tmp), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=Fraction(clip.fps))
        video.width, video.height = width, height
        video.pix_fmt = "yuv420p"
        video.options = {"crf": str(crf), "preset": "veryfast"}
        video.codec_context.thread_count = 1  # parallelism comes from worker processes
        audio = out.add_stream("aac", rate=clip.sample_rate)
        audio.layout = "mono"
        audio.bit_rate = audio_bitrate
        audio.options = {"aac_coder": "fast"}  # 3x faster than the default; onsets unchanged
        for i, rgb in enumerate(clip.frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            out.mux(video.encode(frame))
        _encode_audio(out, audio, clip.audio, clip.sample_rate)
        out.mux(video.encode(None))


def _encode_audio(out, stream, samples: np.ndarray, rate: int) -> None:
    for pos in range(0, len(samples), AUDIO_CHUNK):
        chunk = np.ascontiguousarray(samples[None, pos:pos + AUDIO_CHUNK], np.float32)  # (1, n)
        frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = rate, pos, Fraction(1, rate)
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def plan_dataset(clips: int, seed: int) -> list[ClipSpec]:
    """The clips of dataset ``seed``: classes in turn, every 5th clip of a class in ``test``."""
    if clips < 1:
        raise ConfigError(f"Asked for {clips} clips; render at least one.")
    specs = []
    for i in range(clips):
        state = np.random.SeedSequence([seed, i]).generate_state(1)[0]
        split = "test" if (i // len(CLASSES)) % TEST_EVERY == TEST_EVERY - 1 else "train"
        specs.append(ClipSpec(i, f"w{seed}-{i:06d}", int(state), CLASSES[i % len(CLASSES)], split))
    return specs


def render_one(root: Path, spec: ClipSpec, seconds: float) -> Row:
    """Render and write one clip; return its manifest row."""
    clip = render_clip(spec.seed, spec.label, seconds)
    row = Row(spec.id, 0, spec.label, spec.split, caption=clip.caption, seed=spec.seed,
              seconds=clip.seconds, events=[_event_dict(e) for e in clip.events])
    write_mp4(row.video_path(root), clip)
    return row


def _event_dict(event) -> dict:
    return {"time": round(event.time, 6), "frame": event.frame, "kind": event.kind,
            "source": event.source, "main": event.main}


def _render_star(args: tuple[Path, ClipSpec, float]) -> Row:
    return render_one(*args)


def render_dataset(root: str | os.PathLike, clips: int, seed: int = 0, *, seconds: float = SECONDS,
                   workers: Optional[int] = None, progress: Optional[ProgressFn] = None,
                   cancel: Optional[CancelToken] = None) -> list[Row]:
    """Render ``clips`` clips into ``root`` (videos and manifest), using ``workers`` processes
    (default: all cores). Returns the manifest rows, in clip order."""
    root = Path(root)
    check_settings(seconds=seconds)
    specs = plan_dataset(clips, seed)
    jobs = [(root, spec, float(seconds)) for spec in specs]
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    (root / "video").mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    if workers == 1:
        for job in jobs:
            check_cancel(cancel)
            rows.append(_render_star(job))
            report(progress, len(rows), len(jobs))
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            for row in pool.imap(_render_star, jobs):
                check_cancel(cancel)  # leaving the block terminates the pool
                rows.append(row)
                report(progress, len(rows), len(jobs))
    write_manifest(root, rows)
    return rows
