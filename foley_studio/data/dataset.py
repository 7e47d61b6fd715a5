"""A VGGSound-style folder as a map-style dataset of synchronised picture and sound.

Works on rendered worlds (``foley-studio synth``) and on real VGGSound downloads laid out
the same way (``vggsound.csv`` + ``video/{id}_{start:06d}.mp4``). Torch is not needed: items
are numpy arrays, and the class fits ``torch.utils.data.DataLoader`` as it is.

Bad files never end an epoch. A missing or empty file is left out when the index is built;
a file that fails to decode is found when read, recorded, and the next readable clip is
returned in its place. Both land in :attr:`AVDataset.skipped` as ``(file, reason)`` (with
DataLoader workers, each worker process keeps its own list).
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Optional

import numpy as np

from foley_studio.data.manifest import Row, read_manifest
from foley_studio.errors import ConfigError, MediaError

SPLITS = ("train", "test", None)


class AVDataset:
    """Crops of ``seconds`` from each clip of a split: sound, frames and ground truth.

    ``classes`` (sorted names, the labels' ids) come from the whole manifest; pass
    ``classes=train_set.classes`` so a smaller folder uses the same ids. Items hold audio
    ``(S,)`` float32 at ``sample_rate``, frames ``(F, H, W, 3)`` uint8, ``frame_times`` and
    ``events`` ``(E,)`` in seconds from the crop start (``start`` in the clip), the label id,
    class name, caption and the clip's file stem as ``id``.
    """

    def __init__(self, root: str | os.PathLike, *, split: Optional[str] = "train",
                 sample_rate: int = 16000, seconds: float = 4.0, fps: Optional[float] = None,
                 image_size: int | tuple[int, int] | None = None, random_crop: bool = False,
                 seed: int = 0, classes: Optional[list[str]] = None) -> None:
        _check_args(split, sample_rate, seconds, fps)
        self.root = Path(root)
        self.split, self.sample_rate, self.seconds, self.fps = split, int(sample_rate), float(seconds), fps
        self.image_size = (image_size, image_size) if isinstance(image_size, int) else image_size
        self.random_crop, self.seed, self.epoch = random_crop, int(seed), 0
        rows = read_manifest(self.root)
        self.classes: list[str] = _class_list(rows, classes, self.root)
        self.skipped: list[tuple[str, str]] = []
        self._rows = [r for r in rows if (split is None or r.split == split) and self._present(r)]
        self._bad: set[int] = set()

    def _present(self, row: Row) -> bool:
        path = row.find_video(self.root)
        if not path.is_file():
            self.skipped.append((str(path), "missing: listed in vggsound.csv but not on disk"))
        elif path.stat().st_size == 0:
            self.skipped.append((str(path), "empty file (0 bytes)"))
        else:
            return True
        return False

    def set_epoch(self, epoch: int) -> None:
        """Choose the random crops of epoch ``epoch`` (only matters with ``random_crop``)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self._rows)

    def index(self) -> list[dict[str, Any]]:
        """``{"id", "label", "class_name"}`` of every clip in order, without decoding any media."""
        return [{"id": r.key, "label": self.classes.index(r.label), "class_name": r.label}
                for r in self._rows]

    def __getitem__(self, i: int) -> dict[str, Any]:
        """Item ``i``, or the next readable one if clip ``i`` cannot be decoded."""
        if not -len(self) <= i < len(self):
            raise IndexError(f"item {i} of a dataset of {len(self)} clips")
        for offset in range(len(self)):
            j = (i + offset) % len(self)
            if j in self._bad:
                continue
            try:
                return self._load(j)
            except MediaError as exc:
                self._bad.add(j)
                self.skipped.append((str(self._rows[j].find_video(self.root)), str(exc)))
        raise MediaError(f"None of the {len(self)} clips of {self.root} (split {self.split!r}) "
                         "could be read; see the dataset's 'skipped' list for each file's reason.")

    def _load(self, j: int) -> dict[str, Any]:
        from foley_studio.media import VideoClip

        row = self._rows[j]
        with VideoClip(row.find_video(self.root)) as clip:
            shown = clip.frame_times()  # (N,) presentation times in the file
            start = self._crop_start(j, shown, clip.duration)
            end = min(start + self.seconds, clip.duration)
            frames, times = self._frames(clip, shown, start, end)
            audio = clip.audio(self.sample_rate, start, end) if clip.has_audio else np.zeros(0, np.float32)
        length = int(round(self.seconds * self.sample_rate))
        audio = np.pad(audio, (0, max(0, length - len(audio))))[:length].astype(np.float32)
        return {"audio": audio, "frames": frames, "frame_times": (times - start).astype(np.float32),
                "label": self.classes.index(row.label), "class_name": row.label,
                "caption": row.caption, "id": row.key, "start": float(start),
                "events": _events(row, start, start + self.seconds)}

    def _crop_start(self, j: int, shown: np.ndarray, duration: float) -> float:
        """0, or with ``random_crop`` a random frame start that leaves a full crop."""
        latest = duration - self.seconds
        if not self.random_crop or latest <= 0:
            return 0.0
        choices = shown[(shown >= 0) & (shown <= latest + 1e-6)]
        rng = np.random.default_rng([self.seed, self.epoch, j])
        return float(choices[rng.integers(len(choices))]) if len(choices) else 0.0

    def _frames(self, clip, shown: np.ndarray, start: float, end: float):
        """Frames ``(F, H, W, 3)`` of ``[start, end)`` and the times ``(F,)`` they are shown at."""
        if self.fps is None:
            inside = shown[(shown >= start - 1e-6) & (shown < end - 1e-6)]
            step = float(np.median(np.diff(shown))) if len(shown) > 1 else 1.0 / clip.fps
            mids = inside + 0.5 * step  # sample mid-frame: immune to rounding at frame edges
            frames = np.stack([clip.frame_at(min(float(t), clip.duration - 1e-6)) for t in mids])
        else:
            frames, mids = clip.frames_in(start, end, max(1, int(round((end - start) * self.fps))))
        times = shown[np.clip(np.searchsorted(shown, mids, side="right") - 1, 0, len(shown) - 1)]
        return self._resize(frames), times

    def _resize(self, frames: np.ndarray) -> np.ndarray:
        if self.image_size is None or frames.shape[1:3] == tuple(self.image_size):
            return frames
        import cv2

        h, w = self.image_size
        return np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in frames])


def _class_list(rows: list[Row], classes: Optional[list[str]], root: Path) -> list[str]:
    """The sorted labels of the manifest, or ``classes`` (to share label ids between folders)."""
    found = sorted({r.label for r in rows})
    if classes is None:
        return found
    unknown = sorted(set(found) - set(classes))
    if unknown:
        raise ConfigError(f"{root / 'vggsound.csv'} has labels {unknown} that are not in the "
                          "class list given; pass the training set's classes, or none.")
    return sorted(classes)


def _events(row: Row, start: float, end: float) -> np.ndarray:
    """Times ``(E,)`` in seconds from ``start`` of the main object's events inside the crop."""
    times = [e["time"] for e in row.events if e.get("main", True) and start <= e["time"] < end]
    return np.asarray(times, np.float32) - np.float32(start)


def _check_args(split, sample_rate, seconds, fps) -> None:
    if split not in SPLITS:
        raise ConfigError(f"Unknown split {split!r}; use 'train', 'test' or None for both.")
    if int(sample_rate) != sample_rate or sample_rate < 1000:
        raise ConfigError(f"Sample rate {sample_rate} is not usable; use e.g. 16000 or 22050 Hz.")
    if not (math.isfinite(seconds) and seconds > 0):
        raise ConfigError(f"Crop length {seconds} s must be a positive number of seconds.")
    if fps is not None and not (math.isfinite(fps) and fps > 0):
        raise ConfigError(f"fps {fps} must be positive, or None for every frame of the crop.")
