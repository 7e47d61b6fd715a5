"""Turn the selection and the Generate panel's choices into jobs that return takes or pictures.

The selected frames are what the generator sees: a clicked frame is handed over as a still
image (and the sound lasts ``still_seconds``), a region as the video between its in and out
points. Inpainting asks for the gap plus some context either side and splices only the gap
back into the original (see :mod:`ui.services.splice`). The sync lane's hits inside the
generated stretch go with the request (``request.sync``), conformed to unless the panel says no.
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

import numpy as np

from foley_studio.atomic import write_bytes_atomic
from foley_studio.errors import ConfigError
from foley_studio.progress import CancelToken, ProgressFn
from foley_studio.requests import GenerationRequest, SamplerSettings
from foley_studio.timeline import frame_start
from ui.model.project import Project, TakeItem
from ui.model.selection import Selection
from ui.model.storyboard import Storyboard
from ui.services.catalog import GeneratorCatalog
from ui.services.jobs import JobFn
from ui.services.splice import splice

__all__ = ["GenerateOptions", "MODE_LABELS", "Storyboard", "build_request", "original_audio",
           "storyboard_job", "takes_job"]

MODE_LABELS = {"foley": "Foley from picture", "inpaint": "Inpaint a gap", "extend": "Extend",
               "storyboard": "Storyboard from sound", "text": "Text prompt"}


@dataclass(frozen=True)
class GenerateOptions:
    """The Generate panel's values."""

    mode: str = "foley"
    generator: str = ""
    takes: int = 2
    seed: int = 0
    prompt: str = ""
    sampler: SamplerSettings = field(default_factory=SamplerSettings)
    extend_seconds: float = 2.0
    still_seconds: float = 2.0
    context_seconds: float = 1.0
    crossfade_ms: float = 20.0
    window: float = 1.0
    conform: bool = True  # snap the takes' hits onto the sync lane's (when it has hits there)


def build_request(project: Project, options: GenerateOptions,
                  still: Optional[Path] = None) -> GenerationRequest:
    """The request for the current selection; ``still`` is the clicked frame saved as an image."""
    if not options.generator:
        raise ConfigError("No generator is chosen; pick one in the Generate panel's weights list.")
    request = _request(project, options, still)
    sync = project.sync_for(request.start, request.end + request.extend)
    return request.with_changes(sync=sync, conform=options.conform if sync else None)


def _request(project: Project, options: GenerateOptions, still: Optional[Path]) -> GenerationRequest:
    common = dict(takes=options.takes, seed=options.seed, model=options.generator,
                  prompt=(options.prompt or None) if options.mode == "text" else None,
                  sampler=options.sampler)
    if options.mode == "text":
        start = project.selection.start if project.selection else 0.0
        end = start + (project.selection.duration if project.selection and not project.selection.frame
                       else options.still_seconds)
        return GenerationRequest("text", None, start, end, **common)
    video = _video_path(project)
    sel = project.require_selection()
    if options.mode == "foley" and sel.frame:
        return GenerationRequest("foley", str(still), sel.start, sel.start + options.still_seconds,
                                 **common)
    if sel.frame:
        raise ConfigError(f"{MODE_LABELS[options.mode]} needs a region of the soundtrack, not a "
                          "single frame; drag across the timeline or set in and out points.")
    if options.mode == "inpaint":
        lo, hi = _context(sel, options.context_seconds, project.video.fps, project.video.duration)
        return GenerationRequest("inpaint", video, lo, hi, gap=(sel.start, sel.end), **common)
    extend = options.extend_seconds if options.mode == "extend" else 0.0
    return GenerationRequest(options.mode, video, sel.start, sel.end, extend=extend, **common)


def takes_job(project: Project, options: GenerateOptions, catalog: GeneratorCatalog) -> JobFn:
    """A job generating takes for the current selection; returns ``list[TakeItem]``.

    The request is built (and checked) now, on the caller's thread; the job only reads files
    and runs the model.
    """
    sel = project.selection
    frame = options.mode == "foley" and sel is not None and sel.frame
    still = Path(tempfile.mkdtemp(prefix="foley-still-")) / "frame.png" if frame else None
    request = build_request(project, options, still)

    def run(progress: ProgressFn, cancel: CancelToken) -> list[TakeItem]:
        if still is not None:
            _save_still(project.video.path, sel.start, still)
        generator = catalog.load(options.generator)
        cancel.raise_if_set()
        from foley_studio import api, estimate

        estimate.announce(progress, estimate.estimate_request(generator, request))
        takes = api.generate(request, generator, progress=progress, cancel=cancel)
        region = (request.start, request.end + request.extend)
        items = [TakeItem(t, region, request.gap) for t in takes]
        return _spliced(items, request, options) if options.mode == "inpaint" else items

    return run


def storyboard_job(project: Project, options: GenerateOptions, catalog: GeneratorCatalog) -> JobFn:
    """A job that draws pictures for the selected sound; returns a :class:`Storyboard`."""
    request = build_request(project, replace(options, mode="storyboard"))

    def run(progress: ProgressFn, cancel: CancelToken) -> Storyboard:
        generator = catalog.load(options.generator)
        from foley_studio import api, estimate

        estimate.announce(progress, estimate.estimate_request(generator, request, options.window))
        frames = api.storyboard(request, generator, window=options.window, progress=progress,
                                cancel=cancel)  # (takes, windows, H, W, 3)
        return Storyboard(frames, (request.start, request.end), options.window, options.seed)

    return run


def original_audio(video: str, rate: int, start: float, end: float) -> np.ndarray:
    """The video's own soundtrack for ``[start, end)`` at ``rate``: ``(S,)`` float32."""
    from foley_studio import media

    with media.VideoClip(video) as clip:
        return clip.audio(rate, start=start, end=min(end, clip.duration))


def _spliced(items: list[TakeItem], request: GenerationRequest,
             options: GenerateOptions) -> list[TakeItem]:
    rate = items[0].take.sample_rate
    before = original_audio(request.source, rate, request.start, request.end)  # (S,)
    gap = (round((request.gap[0] - request.start) * rate), round((request.gap[1] - request.start) * rate))
    fade = int(options.crossfade_ms * rate / 1000)
    for item in items:
        item.take.audio = splice(before, item.take.audio, gap, fade)
        if item.take.unconformed is not None:  # the A/B partner gets the same seams
            item.take.unconformed = splice(before, item.take.unconformed, gap, fade)
        item.take.settings["crossfade_ms"] = options.crossfade_ms
    return items


def _context(sel: Selection, context: float, fps: float, duration: float) -> tuple[float, float]:
    """The gap with at least ``context`` seconds either side, widened to frame boundaries."""
    return (frame_start(max(0.0, sel.start - context), fps),
            min(duration, math.ceil((sel.end + context) * fps - 1e-6) / fps))


def _video_path(project: Project) -> str:
    if project.video is None:
        raise ConfigError("Open a video first (File ▸ Open Video, or drop a file on the window).")
    return project.video.path


def _save_still(video: str, t: float, path: Path) -> None:
    """Write the frame at ``t`` to ``path`` as a PNG (what the generator will see)."""
    import cv2

    from foley_studio import media

    with media.VideoClip(video) as clip:
        frame = clip.frame_at(t)  # (H, W, 3) RGB
    ok, png = cv2.imencode(".png", np.ascontiguousarray(frame[:, :, ::-1]))
    if not ok:
        raise ConfigError(f"Could not encode the frame at {t:.3f} s of {video} as an image.")
    write_bytes_atomic(path, png.tobytes())
