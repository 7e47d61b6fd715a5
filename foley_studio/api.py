"""The public façade: a request in, takes (or storyboard frames) out.

>>> gen = load_generator("im2wav-starter")
>>> takes = generate(GenerationRequest("foley", "clip.mp4", start=1.0, end=5.0, takes=4), gen)

:func:`check_request` checks everything about a request that does not need the model: the
bundle exists and can do the mode, the source is a readable picture or video (told by its
content, not its name) with a soundtrack where the mode needs one, and the region lies inside
it. :func:`generate` and :func:`storyboard` call it before they load a model, so a bad file or
an out-of-range region fails in a moment, not after a generation. :func:`conditioning_for`
then reads what the generator needs (frames at their times, the soundtrack at its rate).
Video frames are a :class:`~foley_studio.media.FrameReader`: decoded when the generator's
encoder reads them, batch by batch, at the encoder's input size (:func:`release` closes the file).
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Optional

import numpy as np

from foley_studio import media, registry
from foley_studio.errors import ConfigError
from foley_studio.generation import Conditioning, Generator
from foley_studio.media.container import check_path
from foley_studio.progress import CancelToken, ProgressFn
from foley_studio.requests import LIMITS, GenerationRequest, Take
from foley_studio.sync import SyncTrack
from foley_studio.timeline import TimeRange

IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"II*\x00", b"MM\x00*",
                    b"GIF87a", b"GIF89a")
"""Leading bytes of the still-image formats OpenCV reads (WebP is told by its RIFF form type)."""
MODE_VERBS = {"foley": "make sound for pictures", "text": "make sound from text",
              "inpaint": "inpaint", "extend": "extend", "storyboard": "draw storyboards"}
SOUND_MODES = ("inpaint", "extend", "storyboard")
"""Modes that work on the source's soundtrack, so need a video with sound."""


@functools.lru_cache(maxsize=4)
def load_generator(name: str) -> Generator:
    """Load a generator by bundle name or folder (cached: loading twice returns the same one)."""
    info = registry.resolve(name)
    return registry.loader_for(info.kind).from_bundle(info.path)


def is_image(path: str | Path) -> bool:
    """Whether ``path`` holds a still image, by its first bytes (its name does not matter)."""
    with open(check_path(path), "rb") as fh:
        head = fh.read(12)
    return head.startswith(IMAGE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def check_request(request: GenerationRequest, generator: Optional[Generator] = None,
                  *, window: Optional[float] = None) -> None:
    """Raise a :class:`~foley_studio.errors.FoleyStudioError` now if ``request`` cannot run.

    Checks the generator's modes (``generator``, else the bundle ``request.model`` names,
    without loading its weights), the source, the region and the storyboard ``window``.
    """
    if window is not None:
        LIMITS["window"].check(window)
    if request.mode != "text":
        _check_source(request)
    modes = generator.modes if generator is not None else _bundle_modes(request.model)
    if request.mode not in modes:
        name = generator.name if generator is not None else request.model
        raise ConfigError(f"The {name} generator cannot {MODE_VERBS[request.mode]} (its modes: "
                          f"{', '.join(sorted(modes))}); choose another generator.")


def _check_source(request: GenerationRequest) -> None:
    """The source is a readable picture, or a video holding the region (and sound if needed)."""
    if is_image(request.source):
        _image_conditioning(request)  # decodes the picture: a damaged file fails here
        return
    with media.VideoClip(request.source) as clip:
        _region(request, clip)
        if request.mode in SOUND_MODES and not clip.has_audio:
            raise ConfigError(f"{request.mode} works on the soundtrack, but {request.source} has "
                              "none; choose a clip with sound.")


def _bundle_modes(name: str) -> frozenset:
    """The modes of the generator class that loads bundle ``name`` (its weights stay on disk)."""
    return registry.loader_for(registry.resolve(name).kind).modes


def _region(request: GenerationRequest, clip: "media.VideoClip") -> TimeRange:
    return TimeRange(request.start, request.end).within(clip.duration, what=str(request.source))


def conditioning_for(request: GenerationRequest, generator: Generator) -> Conditioning:
    """Everything ``generator`` should see for ``request``'s region."""
    if request.mode == "text":
        return Conditioning(duration=request.end - request.start, prompt=request.prompt,
                            sync=_region_sync(request, request.start))
    if is_image(request.source):
        return _image_conditioning(request)
    with media.VideoClip(request.source) as clip:
        return _video_conditioning(request, clip, _region(request, clip), generator)


def _image_conditioning(request: GenerationRequest) -> Conditioning:
    if request.mode in SOUND_MODES:
        raise ConfigError(f"{request.mode} works on a video's soundtrack, but {request.source} "
                          "is a still image; choose a video with sound.")
    image = media.load_image(request.source)  # (H, W, 3)
    return Conditioning(duration=request.end - request.start, frames=image[None],
                        frame_times=np.zeros(1), prompt=request.prompt,
                        sync=_region_sync(request, request.start))


def _video_conditioning(request: GenerationRequest, clip: "media.VideoClip", region: TimeRange,
                        generator: Generator) -> Conditioning:
    times = region.start + generator.frame_times(region.duration)  # (F,) clip seconds
    frames = media.FrameReader(clip.path, times, side=generator.frame_side)  # decoded on use
    audio = None
    if request.mode in SOUND_MODES:
        audio = clip.audio(generator.sample_rate, start=region.start, end=region.end)  # (S,)
    gap = None
    if request.gap is not None:  # the request checked that it lies inside the region
        gap = (request.gap[0] - region.start, request.gap[1] - region.start)
    duration = request.extend if request.mode == "extend" else region.duration
    return Conditioning(duration=duration, frames=frames, frame_times=times - region.start,
                        prompt=request.prompt, audio=audio, gap=gap, sync=_region_sync(request, region.start))


def _region_sync(request: GenerationRequest, start: float) -> Optional[SyncTrack]:
    """The request's sync track in seconds from the region's ``start`` (hits before it dropped)."""
    return None if request.sync is None else request.sync.shifted(-start)


def generate(request: GenerationRequest, generator: Optional[Generator] = None, *,
             progress: Optional[ProgressFn] = None,
             cancel: Optional[CancelToken] = None) -> list[Take]:
    """Run an audio-producing request (foley, text, inpaint, extend) and wrap the takes."""
    if request.mode == "storyboard":
        raise ConfigError("Storyboards are pictures; call foley_studio.api.storyboard.")
    check_request(request, generator)
    generator = generator or load_generator(request.model)
    cond = conditioning_for(request, generator)
    method = {"foley": generator.generate, "text": generator.generate,
              "inpaint": generator.inpaint, "extend": generator.extend}[request.mode]
    try:
        audio = method(cond, takes=request.takes, seed=request.seed, sampler=request.sampler,
                       progress=progress, cancel=cancel)  # (N, S)
    finally:
        release(cond)
    start = request.end if request.mode == "extend" else request.start
    takes = [_take(request, generator, wave, i, start) for i, wave in enumerate(audio)]
    return [_conformed(request, take) for take in takes] if request.conforms else takes


def _conformed(request: GenerationRequest, take: Take) -> Take:
    """``take`` with its hits moved onto the request's sync track (an inpainted take: in its gap)."""
    from foley_studio.conform import conformed

    return conformed(take, request.sync, span=request.gap if request.mode == "inpaint" else None)


def storyboard(request: GenerationRequest, generator: Optional[Generator] = None, *,
               window: float = 1.0, progress: Optional[ProgressFn] = None,
               cancel: Optional[CancelToken] = None) -> np.ndarray:
    """Pictures for the region's soundtrack: ``(takes, windows, H, W, 3)`` uint8."""
    request = request.with_changes(mode="storyboard")
    check_request(request, generator, window=window)
    generator = generator or load_generator(request.model)
    cond = conditioning_for(request, generator)
    try:
        return generator.storyboard(cond, takes=request.takes, seed=request.seed,
                                    sampler=request.sampler, window=window, progress=progress,
                                    cancel=cancel)
    finally:
        release(cond)


def release(cond: Conditioning) -> None:
    """Close the video file that ``cond``'s frames are streamed from, if any."""
    close = getattr(cond.frames, "close", None)
    if close is not None:
        close()


def _take(request: GenerationRequest, generator: Generator, wave: np.ndarray, index: int,
          start: float) -> Take:
    seed = request.seed + index
    return Take(audio=np.asarray(wave, dtype=np.float32), sample_rate=generator.sample_rate,
                model=generator.name, seed=seed, start=start, mode=request.mode,
                prompt=request.prompt, name=f"{request.mode} take {index + 1}",
                settings={**request.sampler.__dict__, "takes_seed": request.seed, "index": index},
                sync=request.sync)
