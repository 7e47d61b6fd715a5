"""The public façade: a request in, takes (or storyboard frames) out.

>>> gen = load_generator("im2wav-starter")
>>> takes = generate(GenerationRequest("foley", "clip.mp4", start=1.0, end=5.0, takes=4), gen)

:func:`conditioning_for` reads what the generator needs from the source (frames at their
times, the existing soundtrack at the generator's rate) and checks the selection against the
clip, so a bad file or an out-of-range region fails before any model runs.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Optional

import numpy as np

from foley_studio import media, registry
from foley_studio.errors import ConfigError
from foley_studio.generation import Conditioning, Generator
from foley_studio.progress import CancelToken, ProgressFn
from foley_studio.requests import GenerationRequest, Take
from foley_studio.sync import SyncTrack
from foley_studio.timeline import TimeRange

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


@functools.lru_cache(maxsize=4)
def load_generator(name: str) -> Generator:
    """Load a generator by bundle name or folder (cached: loading twice returns the same one)."""
    info = registry.resolve(name)
    return registry.loader_for(info.kind).from_bundle(info.path)


def conditioning_for(request: GenerationRequest, generator: Generator) -> Conditioning:
    """Everything ``generator`` should see for ``request``'s region."""
    if request.mode == "text":
        return Conditioning(duration=request.end - request.start, prompt=request.prompt,
                            sync=_region_sync(request, request.start))
    if Path(request.source).suffix.lower() in IMAGE_SUFFIXES:
        return _image_conditioning(request)
    with media.VideoClip(request.source) as clip:
        region = TimeRange(request.start, request.end).within(clip.duration, what=str(request.source))
        return _video_conditioning(request, clip, region, generator)


def _image_conditioning(request: GenerationRequest) -> Conditioning:
    if request.mode in ("inpaint", "extend", "storyboard"):
        raise ConfigError(f"{request.mode} works on a video's soundtrack, not on a still image.")
    image = media.load_image(request.source)  # (H, W, 3)
    return Conditioning(duration=request.end - request.start, frames=image[None],
                        frame_times=np.zeros(1), prompt=request.prompt,
                        sync=_region_sync(request, request.start))


def _video_conditioning(request: GenerationRequest, clip: "media.VideoClip", region: TimeRange,
                        generator: Generator) -> Conditioning:
    count = max(1, int(np.ceil(region.duration * generator.frame_rate)))
    frames, times = clip.frames_in(region.start, region.end, count)  # (F, H, W, 3), (F,)
    audio = None
    if request.mode in ("inpaint", "extend", "storyboard"):
        audio = clip.audio(generator.sample_rate, start=region.start, end=region.end)  # (S,)
    gap = None
    if request.gap is not None:
        g = TimeRange(*request.gap)
        if g.start < region.start or g.end > region.end:
            raise ConfigError(f"The gap {g.start:.2f}–{g.end:.2f} s must lie inside the selected "
                              f"region {region.start:.2f}–{region.end:.2f} s.")
        gap = (g.start - region.start, g.end - region.start)
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
    generator = generator or load_generator(request.model)
    cond = conditioning_for(request, generator)
    method = {"foley": generator.generate, "text": generator.generate,
              "inpaint": generator.inpaint, "extend": generator.extend}[request.mode]
    audio = method(cond, takes=request.takes, seed=request.seed, sampler=request.sampler,
                   progress=progress, cancel=cancel)  # (N, S)
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
    generator = generator or load_generator(request.model)
    cond = conditioning_for(request.with_changes(mode="storyboard"), generator)
    return generator.storyboard(cond, takes=request.takes, seed=request.seed,
                                sampler=request.sampler, window=window, progress=progress,
                                cancel=cancel)


def _take(request: GenerationRequest, generator: Generator, wave: np.ndarray, index: int,
          start: float) -> Take:
    seed = request.seed + index
    return Take(audio=np.asarray(wave, dtype=np.float32), sample_rate=generator.sample_rate,
                model=generator.name, seed=seed, start=start, mode=request.mode,
                prompt=request.prompt, name=f"{request.mode} take {index + 1}",
                settings={**request.sampler.__dict__, "takes_seed": request.seed, "index": index},
                sync=request.sync)
