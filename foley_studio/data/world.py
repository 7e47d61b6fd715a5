"""The procedural audio-visual world: one clip from a seed, as arrays, with its ground truth.

A clip shows one main object of a sound class in that class's setting, sometimes with a
smaller second object of another class whose sound is mixed in quieter. Video runs at 25 fps
and audio at 22050 Hz, so one frame is exactly 882 samples: an event seen in frame ``k``
(a bounce, a tick, a hit, a step...) sounds from sample ``882 * k`` on, at ``k / 25`` s.
Everything is drawn from ``numpy.random.SeedSequence(seed)``: the same seed gives the same
arrays bit for bit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from foley_studio.data import paint
from foley_studio.data import sound as snd
from foley_studio.data.things import THINGS, Box, Thing
from foley_studio.errors import ConfigError

FPS = 25
SAMPLE_RATE = 22050
FRAME_SIZE = 128
SECONDS = 4.0
CLASSES: list[str] = sorted(THINGS)
EVENT_KINDS: dict[str, str] = {n: t.event_kind for n, t in THINGS.items() if t.event_kind}
SECOND_LEVEL_DB = (-20.0, -12.0)   # the second object's level relative to the main one
SECOND_CHANCE = 0.35               # how many scenes have a second object
ROOM_TONE_DB = -52.0              # a faint noise floor under every clip
PEAK = 0.8                        # the mix is scaled to this peak


@dataclass(frozen=True)
class Event:
    """A discrete, visible event that starts a sound."""

    time: float    # seconds from the start of the clip (= frame / fps)
    frame: int     # the frame in which it is seen
    kind: str      # "bounce", "tick", "hit", "step", "strike", "chirp"
    source: str    # class of the object that made it
    main: bool     # made by the main object (whose class is the clip's label)


@dataclass
class Clip:
    """One rendered clip and its ground truth."""

    frames: np.ndarray   # (F, H, W, 3) uint8 RGB
    audio: np.ndarray    # (S,) float32 in [-1, 1], S = F * sample_rate / fps
    events: list[Event]
    label: str
    caption: str
    seed: int
    fps: int = FPS
    sample_rate: int = SAMPLE_RATE
    objects: list[str] = field(default_factory=list)   # classes drawn, the main one first

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return len(self.frames) / self.fps

    def event_times(self, *, main_only: bool = True) -> np.ndarray:
        """Event times ``(E,)`` in seconds, of the main object only unless told otherwise."""
        return np.array([e.time for e in self.events if e.main or not main_only], np.float64)


def render_clip(seed: int, cls: str | None = None, seconds: float = SECONDS, *,
                second: bool | str | None = None, size: int = FRAME_SIZE, fps: int = FPS,
                sample_rate: int = SAMPLE_RATE) -> Clip:
    """Render clip ``seed`` to arrays (no files).

    ``cls`` picks the main class (default: drawn from the seed). ``second`` is True/False to
    force a second object on or off, a class name to choose it, or None to let the seed decide.
    """
    n_frames, spf = check_settings(cls, seconds, second, size, fps, sample_rate)
    scene_rng, main_rng, second_rng, audio_rng = (np.random.default_rng(s) for s in
                                                  np.random.SeedSequence(seed).spawn(4))
    label = cls if cls is not None else CLASSES[int(scene_rng.integers(len(CLASSES)))]
    things = [THINGS[label].sample(main_rng, n_frames, Box(0.0, 0.0, float(size)))]
    other = _second_class(scene_rng, label, second)
    if other is not None:
        box = Box(scene_rng.choice([0.02, 0.53]) * size, scene_rng.uniform(0.05, 0.5) * size, 0.45 * size)
        things.append(THINGS[other].sample(second_rng, n_frames, box))
    background, place = THINGS[label].setting(scene_rng, size, size)
    frames = np.stack([_frame(background, things, f) for f in range(n_frames)])
    audio = _mix(audio_rng, things, n_frames * spf, sample_rate, spf)
    events = sorted((Event(f / fps, f, t.event_kind, t.name, i == 0)
                     for i, t in enumerate(things) if t.event_kind for f in t.event_frames),
                    key=lambda e: (e.time, not e.main))
    return Clip(frames=frames, audio=audio, events=events, label=label, seed=seed, fps=fps,
                caption=_caption(things, place), sample_rate=sample_rate,
                objects=[t.name for t in things])


def check_settings(cls: str | None = None, seconds: float = SECONDS, second: bool | str | None = None,
                   size: int = FRAME_SIZE, fps: int = FPS, sample_rate: int = SAMPLE_RATE) -> tuple[int, int]:
    """Validate :func:`render_clip`'s arguments; return (frames, samples per frame)."""
    for name in (cls, second if isinstance(second, str) else None):
        if name is not None and name not in THINGS:
            raise ConfigError(f"Unknown sound class {name!r}; choose one of {', '.join(CLASSES)}.")
    if isinstance(second, str) and second == cls:
        raise ConfigError(f"The second object must differ from the main class {cls!r}.")
    if sample_rate % fps:
        raise ConfigError(f"Sample rate {sample_rate} Hz is not a whole number of samples per "
                          f"frame at {fps} fps; use e.g. 22050 or 16000 Hz at 25 fps.")
    n_frames = int(round(seconds * fps))
    if n_frames < 2 or size < 16:
        raise ConfigError(f"A clip of {seconds} s at {fps} fps and {size} px is too small; "
                          "use at least 0.1 s and 16 px.")
    return n_frames, sample_rate // fps


def _second_class(rng: np.random.Generator, label: str, second: bool | str | None) -> str | None:
    wanted = rng.random() < SECOND_CHANCE if second is None else second  # always draw: stable streams
    others = [c for c in CLASSES if c != label]
    pick = others[int(rng.integers(len(others)))]
    if isinstance(wanted, str):
        return wanted
    return pick if wanted else None


def _frame(background: np.ndarray, things: list[Thing], f: int) -> np.ndarray:
    img = background.copy()  # (H, W, 3) float
    for thing in reversed(things):  # the main object in front, never hidden
        thing.draw(img, f)
    return paint.to_uint8(img)


def _mix(rng: np.random.Generator, things: list[Thing], n: int, sr: int, spf: int) -> np.ndarray:
    """Main sound at full level, the second quieter, a faint room tone; scaled to ``PEAK``."""
    gains = [1.0] + [10 ** (rng.uniform(*SECOND_LEVEL_DB) / 20)] * (len(things) - 1)
    out = np.zeros(n, np.float32)
    for thing, gain in zip(things, gains):
        part = thing.sound(rng, n, sr, spf)
        out += gain * part / (active_level(part, spf) + 1e-9)
    out += 10 ** (ROOM_TONE_DB / 20) * snd.band_noise(rng, n, sr, 40, sr / 2, tilt=1.0)
    return (out * (PEAK / np.max(np.abs(out)))).astype(np.float32)


def active_level(x: np.ndarray, spf: int) -> float:
    """Loudness while sounding: RMS over the loudest quarter of the frames ``(n,)`` → float.

    Levels compare this, so a sparse ball and a steady stream mixed "10 dB apart" sound so.
    """
    energy = np.mean(x[: len(x) // spf * spf].reshape(-1, spf).astype(np.float64) ** 2, axis=1)
    loudest = np.sort(energy)[-max(1, len(energy) // 4):]
    return float(np.sqrt(np.mean(loudest)))


def _caption(things: list[Thing], place: str) -> str:
    text = f"{things[0].caption()} {place}"
    text = text if len(things) == 1 else f"{text}, with {things[1].caption()} nearby"
    return re.sub(r"\ba (?=[aeiou])", "an ", text)
