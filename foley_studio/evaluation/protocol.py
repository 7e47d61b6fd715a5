"""The held-out protocol behind ``foley-studio eval``: what each generator is asked to make.

For the first ``per_class`` test clips of every class (4-s windows), one take each, under the
conditionings the starter goals name (rows are prefixed with the bundle's name):

- ``video``: every frame at its time, with guidance; ``video, no guidance``: guidance 1;
- ``one frame``: the clip's middle frame alone (per-frame vs. single-frame conditioning);
- ``other picture``: the middle frame of a clip ``C // 2`` classes on; its labels are the
  *picture's* class, so its accuracy is how often the sound follows the picture;
- ``reconstruction``: the real audio through the first stage and back (the ceiling the priors
  can reach);
- IM2WAV only: ``LOW level only`` (the guided takes' LOW tokens through the LOW decoder),
  ``mean frame`` (the mean CLIP vector of the frames) and ``text prompt`` (the caption);
- Echoes only: ``inpaint, gap`` (the regenerated 1-s gap, 1.5–2.5 s, alone) and ``inpaint,
  whole clip`` (its seams, for clicks) and ``storyboard`` (one picture per second of the real
  audio, judged by the image classifier; the audio there is the input, so it is not judged);
- sync: ``sync: ground truth`` (the video with the clip's main-object event times as hits),
  ``sync: picture`` (with the hits :func:`~foley_studio.syncing.detect_visual_hits` finds in
  the video), each also ``..., conformed`` (:func:`~foley_studio.conform.conform_take` onto the
  same hits), and ``sync: ground truth +150 ms`` (the hits 150 ms later; its onsets are still
  measured against the visual events, so its "Onset shift" says where the onsets went). A
  generator that ignores sync (``follows_sync`` false) makes no takes for these rows: its
  video take stands in, so the conformed rows show what conform alone does.

``Protocol.classes`` limits the clips to some classes and ``Protocol.sync_only`` the rows to the
guided video take and the sync rows (a focused run; everything by default).

:func:`collect_runs` spreads the clips over worker processes (one torch thread each) and
returns :class:`~foley_studio.evaluation.report.RunData` per row and the seconds each guided
video take took.
"""
from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

import numpy as np

from foley_studio.evaluation.report import RunData
from foley_studio.generation import Conditioning, Generator
from foley_studio.progress import ProgressFn, report
from foley_studio.requests import SamplerSettings
from foley_studio.sync import SyncTrack

PICTURE_SIZE = 128  # the world's frame size, which the image classifier was trained on
IMPACTS = {"bounce", "hit", "step", "strike", "tick"}  # event kinds with a sharp onset
SYNC_SHIFT = 0.15  # seconds the controllability row moves the ground-truth hits
SHIFTED_ROW = f"sync: ground truth +{SYNC_SHIFT * 1000:.0f} ms"


def shift_notes(rows: dict[str, dict]) -> list[str]:
    """For each bundle with both ground-truth sync rows (``rows[run][metric]``): how far moving
    the track by :data:`SYNC_SHIFT` moved the median onset (shifted row's onset shift less the
    unshifted row's, so a take's own lead or lag on its hits cancels out)."""
    notes = []
    for run, figures in rows.items():
        bundle, _, row = run.partition(": ")
        base = rows.get(f"{bundle}: sync: ground truth", {}).get("onset_shift_ms")
        moved = figures.get("onset_shift_ms")
        if row == SHIFTED_ROW and base is not None and moved is not None:
            notes.append(f"{bundle}: moving the sync track +{SYNC_SHIFT * 1000:.0f} ms moved the median "
                         f"onset {moved - base:.1f} ms (from {base:.1f} ms to {moved:.1f} ms).")
    return notes


@dataclass(frozen=True)
class Protocol:
    """Clip length, sampler settings and the inpainting gap of the held-out runs."""

    seconds: float = 4.0
    guidance: float = 3.0
    steps: int = 30
    gap: tuple[float, float] = (1.5, 2.5)
    storyboard_window: float = 1.0
    classes: tuple[str, ...] = ()  # class names to measure (empty: all)
    sync_only: bool = False  # only the guided video take and the sync rows (a quick run)
    sync_guidance: Optional[float] = None  # IM2WAV's guidance on the sync track (None: guidance)

    def sampler(self, guidance: Optional[float] = None) -> SamplerSettings:
        """Sampler settings with this protocol's guidance (or ``guidance``)."""
        return SamplerSettings(guidance=self.guidance if guidance is None else guidance, steps=self.steps,
                               sync_guidance=self.sync_guidance)


def pick_items(items: list[dict], per_class: int, classes: tuple[str, ...] = ()) -> list[dict]:
    """The first ``per_class`` clips of each class (of ``classes`` if given), in manifest order."""
    counts: dict[int, int] = {}
    picked = []
    for item in items:
        if classes and item["class_name"] not in classes:
            continue
        if counts.get(item["label"], 0) < per_class:
            picked.append(item)
            counts[item["label"]] = counts.get(item["label"], 0) + 1
    return picked


def other_class_item(items: list[dict], item: dict) -> dict:
    """The first picked clip of the class ``C // 2`` classes after ``item``'s (C picked classes)."""
    classes = sorted({it["label"] for it in items})
    target = classes[(classes.index(item["label"]) + len(classes) // 2) % len(classes)]
    return next(it for it in items if it["label"] == target)


def middle_frame(item: dict, seconds: float) -> Conditioning:
    """The clip's middle frame alone, placed at the middle of the window."""
    k = len(item["frames"]) // 2
    return Conditioning(duration=seconds, frames=item["frames"][k:k + 1],
                        frame_times=np.array([seconds / 2], np.float32))


Take = tuple[np.ndarray, int, Optional[dict]]  # audio (S,), expected class, extra RunData fields


def impact_events(item: dict) -> np.ndarray:
    """The clip's visible event times if its class makes impacts, else none (s)."""
    from foley_studio.data.world import EVENT_KINDS

    impact = EVENT_KINDS.get(item["class_name"]) in IMPACTS
    return np.asarray(item["events"] if impact else [], np.float64)


def clip_takes(gen: Generator, items: list[dict], index: int, proto: Protocol) -> tuple[dict[str, list[Take]], float]:
    """Every row's takes for clip ``index``, and the seconds its guided video take took."""
    item, seed = items[index], index
    video = Conditioning(duration=proto.seconds, frames=item["frames"], frame_times=item["frame_times"])
    make = lambda cond, guidance=None: gen.generate(  # noqa: E731
        cond, takes=1, seed=seed, sampler=proto.sampler(guidance))[0]
    began = time.perf_counter()
    levels = hasattr(gen, "generate_levels") and not proto.sync_only
    timed = _levels(gen, video, seed, proto) if levels else {"video": make(video)}
    seconds = time.perf_counter() - began
    events = {"events": impact_events(item)}
    out = {name: [(wave, item["label"], events)] for name, wave in timed.items()}
    if not proto.sync_only:
        out.update(_other_takes(gen, items, item, seed, proto, make, video))
    out.update(_sync_takes(gen, make, video, timed["video"], item, proto))
    return out, seconds


def _other_takes(gen: Generator, items: list[dict], item: dict, seed: int, proto: Protocol, make,
                 video: Conditioning) -> dict[str, list[Take]]:
    """The rows besides the guided video take and sync (see the module docstring)."""
    events = {"events": impact_events(item)}
    timed = {"video, no guidance": make(video, 1.0), "one frame": make(middle_frame(item, proto.seconds)),
             "reconstruction": gen.reconstruct(item["audio"][None])[0]}
    out = {name: [(wave, item["label"], events)] for name, wave in timed.items()}
    other = other_class_item(items, item)
    out["other picture"] = [(make(middle_frame(other, proto.seconds)), other["label"], None)]
    if "text" in gen.modes:
        out["text prompt"] = [(make(Conditioning(duration=proto.seconds, prompt=item["caption"])),
                               item["label"], None)]
    for mode, fn in (("inpaint", _inpaint), ("storyboard", _storyboard)):
        if mode in gen.modes:
            out.update(fn(gen, item, seed, proto))
    return out


def sync_tracks(item: dict, seconds: float) -> dict[str, SyncTrack]:
    """The clip's ground-truth hits, the hits seen in its picture, and the first moved
    :data:`SYNC_SHIFT` later: seconds from the window's start."""
    from foley_studio.syncing import detect_visual_hits

    truth = SyncTrack.from_times(item["events"], source="ground-truth")
    seen = detect_visual_hits(item["video"], item["start"], item["start"] + seconds)
    return {"ground truth": truth, "picture": seen.shifted(-item["start"]),
            SHIFTED_ROW.removeprefix("sync: "): truth.shifted(SYNC_SHIFT)}


def _sync_takes(gen: Generator, make, video: Conditioning, video_take: np.ndarray, item: dict,
                proto: Protocol) -> dict[str, list[Take]]:
    """The sync rows of one clip: takes following each track (the video take for a generator
    that ignores sync), and the ground-truth and picture takes conformed to their tracks."""
    from foley_studio.conform import conform_take

    events, out = {"events": impact_events(item)}, {}
    for name, track in sync_tracks(item, proto.seconds).items():
        take = make(replace(video, sync=track)) if gen.follows_sync else video_take
        out[f"sync: {name}"] = [(take, item["label"], events)]
        if not name.startswith("ground truth +"):
            hits = [t for t, _ in track.relative(0.0, proto.seconds)]
            fixed = conform_take(take, gen.sample_rate, hits).audio
            out[f"sync: {name}, conformed"] = [(fixed, item["label"], events)]
    return out


def _levels(gen, video: Conditioning, seed: int, proto: Protocol) -> dict[str, np.ndarray]:
    """IM2WAV: the guided video take, its LOW level alone, and the mean-frame take."""
    import torch.nn.functional as F

    feats, times = gen.condition_features(video)
    full, low = gen.generate_levels(feats, times, proto.seconds, takes=1, seed=seed, sampler=proto.sampler())
    mean = F.normalize(feats.mean(0, keepdim=True), dim=-1)  # (1, C)
    pooled, _ = gen.generate_levels(mean, np.zeros(1), proto.seconds, takes=1, seed=seed,
                                    sampler=proto.sampler())
    return {"video": full[0], "LOW level only": low[0], "mean frame": pooled[0]}


def _inpaint(gen: Generator, item: dict, seed: int, proto: Protocol) -> dict[str, list[Take]]:
    cond = Conditioning(duration=proto.seconds, frames=item["frames"], frame_times=item["frame_times"],
                        audio=item["audio"], gap=proto.gap)
    made = gen.inpaint(cond, takes=1, seed=seed, sampler=proto.sampler())[0]
    lo, hi = (int(round(t * gen.sample_rate)) for t in proto.gap)
    return {"inpaint, gap": [(made[lo:hi], item["label"], None)],
            "inpaint, whole clip": [(made, item["label"], {"seams": list(proto.gap)})]}


def _storyboard(gen: Generator, item: dict, seed: int, proto: Protocol) -> dict[str, list[Take]]:
    import cv2

    window = proto.storyboard_window
    cond = Conditioning(duration=proto.seconds, audio=item["audio"])
    board = gen.storyboard(cond, takes=1, seed=seed, sampler=proto.sampler(), window=window)[0]
    step = int(round(window * gen.sample_rate))
    takes = []
    for k, picture in enumerate(board):
        audio = np.pad(item["audio"][k * step:(k + 1) * step], (0, max(0, (k + 1) * step - len(item["audio"]))))
        image = cv2.resize(picture, (PICTURE_SIZE, PICTURE_SIZE), interpolation=cv2.INTER_AREA)
        takes.append((audio[:step], item["label"], {"generated_images": image}))
    return {"storyboard": takes}


# ------------------------------------------------------------------ worker processes
_WORKER: dict = {}


def _start_worker(bundle: str, data: str, per_class: int, proto: Protocol) -> None:
    import torch

    torch.set_num_threads(1)
    gen = load_bundle_generator(bundle)
    _WORKER.update(gen=gen, items=load_items(Path(data), gen, per_class, proto.seconds, proto.classes),
                   proto=proto)


def _run_clip(index: int) -> tuple[dict[str, list[Take]], float, tuple[int, Optional[int]], str]:
    gen, items = _WORKER["gen"], _WORKER["items"]
    takes, seconds = clip_takes(gen, items, index, _WORKER["proto"])
    return takes, seconds, (gen.sample_rate, gen.token_hop), str(items[index]["id"])


def load_bundle_generator(bundle: str | Path) -> Generator:
    """The generator of a bundle folder, on the CPU."""
    from foley_studio.registry import loader_for, read_bundle

    return loader_for(read_bundle(Path(bundle)).kind).from_bundle(Path(bundle), device="cpu")


def load_items(data: Path, gen: Generator, per_class: int, seconds: float,
               classes: tuple[str, ...] = ()) -> list[dict]:
    """The picked test clips at the generator's sample and frame rates."""
    from foley_studio.data.dataset import AVDataset

    from foley_studio.data.manifest import VIDEO_DIR

    ds = AVDataset(data, split="test", sample_rate=gen.sample_rate, seconds=seconds, fps=gen.frame_rate)
    index = ds.index()
    wanted = {it["id"] for it in pick_items(index, per_class, classes)}  # decode only those
    items = pick_items([ds[i] for i, it in enumerate(index) if it["id"] in wanted], per_class, classes)
    return [{**it, "video": str(Path(data) / VIDEO_DIR / f"{it['id']}.mp4")} for it in items]


def collect_runs(bundle: Path, data: Path, per_class: int, proto: Protocol, *, workers: int = 1,
                 progress: Optional[ProgressFn] = None) -> tuple[dict[str, RunData], list[float]]:
    """Every row's :class:`RunData` for one bundle, and the seconds per guided video take."""
    from foley_studio.data.dataset import AVDataset

    count = len(pick_items(AVDataset(data, split="test").index(), per_class, proto.classes))
    results = []
    context = multiprocessing.get_context("spawn")
    with context.Pool(max(1, workers), _start_worker, (str(bundle), str(data), per_class, proto)) as pool:
        for done, result in enumerate(pool.imap(_run_clip, range(count)), start=1):
            results.append(result)
            report(progress, done, count)
    runs = assemble([(takes, clip_id) for takes, _, _, clip_id in results], *results[0][2])
    return runs, [seconds for _, seconds, _, _ in results]


def assemble(results: list[tuple[dict[str, list[Take]], str]], rate: int,
             token_hop: Optional[int] = None) -> dict[str, RunData]:
    """Per-clip takes with their clip ids (in clip order) → one :class:`RunData` per row
    (``token_hop``: the generator's, for the comb meter)."""
    rows: dict[str, dict[str, list]] = {}
    for takes, clip_id in results:
        for name, entries in takes.items():
            row = rows.setdefault(name, {"audio": [], "labels": [], "ids": [], "extra": []})
            for audio, label, extra in entries:
                row["audio"].append(np.asarray(audio, np.float32))
                row["labels"].append(label)
                row["ids"].append(clip_id)
                row["extra"].append(extra or {})
    return {name: _run_data(row, rate, name == "storyboard", token_hop) for name, row in rows.items()}


def _run_data(row: dict, rate: int, audio_is_input: bool, token_hop: Optional[int]) -> RunData:
    extra: dict[str, list] = {}
    for fields in row["extra"]:
        for key, value in fields.items():
            extra.setdefault(key, []).append(value)
    if "generated_images" in extra:
        extra["generated_images"] = np.stack(extra["generated_images"])
    return RunData(np.stack(row["audio"]), rate, row["ids"], labels=np.array(row["labels"]),
                   judge_audio=not audio_is_input, token_hop=token_hop, **extra)
