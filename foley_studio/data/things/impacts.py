"""Things that make a sound when something touches: a bouncing ball, a drum, footsteps."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foley_studio.data import paint
from foley_studio.data import sound as snd
from foley_studio.data.things.base import (Thing, Tint, event_train, ground, jitter, pick_tint,
                                          swing_lift)

BALL_TINTS = [Tint("red", (0.85, 0.12, 0.1)), Tint("orange", (0.95, 0.5, 0.08)),
              Tint("yellow", (0.95, 0.85, 0.15)), Tint("blue", (0.15, 0.3, 0.9))]
FLOOR_Y = 0.88  # unit height of the floor line under the ball, the drum and the walker


@dataclass(kw_only=True)
class Ball(Thing):
    """A ball bouncing on a floor; a thud at each contact."""

    name = "ball"
    event_kind = "bounce"
    tint: Tint
    radius: float
    x0: float
    vx: float
    lead: int   # frames of the fall before the first contact
    tail: int   # frames of the last flight after the last contact

    @classmethod
    def sample(cls, rng, n_frames, box):
        contacts = event_train(rng, n_frames, 9, 20, first=(3, 12))
        return cls(box=box, event_frames=contacts, tint=pick_tint(rng, BALL_TINTS),
                   radius=float(rng.uniform(0.06, 0.1)), x0=float(rng.uniform(0.25, 0.75)),
                   vx=float(rng.uniform(-0.01, 0.01)), lead=int(rng.integers(9, 21)),
                   tail=int(rng.integers(9, 21)))

    def _flight(self, f: int) -> tuple[float, float]:
        """(fraction of the current flight, flight length in frames) at frame ``f``."""
        if not self.event_frames:  # a clip too short to reach the floor: hang at the top
            return 0.5, self.lead
        starts = [self.event_frames[0] - self.lead] + self.event_frames
        ends = self.event_frames + [self.event_frames[-1] + self.tail]
        k = max(i for i, s in enumerate(starts) if s <= f) if f >= starts[0] else 0
        return (f - starts[k]) / (ends[k] - starts[k]), ends[k] - starts[k]

    def draw(self, img, f):
        tau, length = self._flight(f)
        height = 0.7 * min(1.0, (length / 20) ** 2) * 4 * tau * (1 - tau)
        span = 1 - 2 * self.radius  # the ball reflects off the box's sides
        u = self.radius + abs((self.x0 - self.radius + self.vx * f) % (2 * span) - span)
        squash = 1.25 if f in self.event_frames else 1.0
        cx, cy = self.box.px(u, FLOOR_Y - height - self.radius / squash)
        r = self.box.len(self.radius)
        floor_x, floor_y = self.box.px(u, FLOOR_Y)
        paint.ellipse(img, floor_x, floor_y, r * (1.1 - height), r * 0.25, (0, 0, 0), 0.35)
        paint.ellipse(img, cx, cy, r * squash, r / squash, self.tint.rgb)
        paint.disc(img, cx - 0.35 * r, cy - 0.35 * r, 0.3 * r, (1, 1, 1), 0.45)

    def sound(self, rng, n, sr, spf):
        out = np.zeros(n, np.float32)
        f0 = 60 + 50 * (0.1 - self.radius) / 0.04  # bigger balls sound lower
        t = snd.seconds(int(0.25 * sr), sr)
        body = snd.harmonics(f0 * (1 + 0.8 * np.exp(-t / 0.012)), sr, [1.0, 0.3])
        thud = body * snd.attack_decay(len(t), sr, 0.06)
        click = snd.band_noise(rng, len(t), sr, 200, 3000) * snd.attack_decay(len(t), sr, 0.004)
        lengths = [self.lead] + list(np.diff(self.event_frames))
        for frame, length in zip(self.event_frames, lengths):
            speed = min(1.0, length / 20)  # impact speed grows with the fall time
            snd.place(out, thud + 0.35 * click, frame * spf, gain=0.4 + 0.6 * speed)
        return out

    def caption(self):
        return f"a {self.tint.name} ball bouncing"

    @staticmethod
    def setting(rng, height, width):
        img = ground(rng, height, width, jitter(rng, (0.9, 0.85, 0.72)),
                     jitter(rng, (0.55, 0.33, 0.16)), FLOOR_Y - 0.06)
        for y in np.arange(FLOOR_Y + 0.0, 1.0, 0.05):  # planks
            paint.rect(img, 0, y * height, width, y * height + 0.8, (0.3, 0.17, 0.07), 0.5)
        return img, "on a wooden floor"


DRUM_TINTS = [Tint("red", (0.75, 0.1, 0.12)), Tint("blue", (0.12, 0.22, 0.7)),
              Tint("white", (0.92, 0.92, 0.92)), Tint("green", (0.1, 0.55, 0.25))]


@dataclass(kw_only=True)
class Drum(Thing):
    """A drum struck by a stick; a pitched membrane hit when the stick lands."""

    name = "drum"
    event_kind = "hit"
    tint: Tint
    pitch: float
    period: int
    velocities: list[float]

    @classmethod
    def sample(cls, rng, n_frames, box):
        period = int(rng.integers(8, 17))
        beats = list(range(int(rng.integers(2, period + 1)), n_frames, period))
        hits = [b for i, b in enumerate(beats) if i == 0 or rng.random() > 0.15]
        return cls(box=box, event_frames=hits, tint=pick_tint(rng, DRUM_TINTS),
                   pitch=float(rng.uniform(120, 240)), period=period,
                   velocities=[float(v) for v in rng.uniform(0.7, 1.0, len(hits))])

    def draw(self, img, f):
        px, ln = self.box.px, self.box.len
        hx, hy = px(0.45, 0.55)
        rx, ry = ln(0.3), ln(0.09)
        paint.rect(img, hx - rx, hy, hx + rx, px(0, FLOOR_Y)[1], self.tint.rgb)
        paint.ellipse(img, hx, px(0, FLOOR_Y)[1], rx, ry, np.asarray(self.tint.rgb) * 0.6)
        paint.ellipse(img, hx, hy, rx, ry, (0.93, 0.88, 0.75))
        since = f - max([h for h in self.event_frames if h <= f], default=-99)
        if since < 3:  # the head shivers just after a hit
            paint.ellipse(img, hx, hy, rx * 0.6, ry * 0.6, (0.6, 0.5, 0.4), 0.6 - 0.2 * since)
        grip = np.array(px(0.95, 0.18))
        tip_rest = np.array(px(0.55, 0.55))
        angle = np.arctan2(*(tip_rest - grip)[::-1]) - 0.75 * swing_lift(self.event_frames, f, self.period)
        tip = grip + np.hypot(*(tip_rest - grip)) * np.array([np.cos(angle), np.sin(angle)])
        paint.segment(img, grip, tip, ln(0.035), (0.85, 0.7, 0.45))

    def sound(self, rng, n, sr, spf):
        out = np.zeros(n, np.float32)
        t = snd.seconds(int(0.4 * sr), sr)
        freq = self.pitch * (1 + 0.5 * np.exp(-t / 0.015))
        body = snd.harmonics(freq, sr, [1.0]) + 0.5 * snd.harmonics(
            freq * 1.59, sr, [1.0]) + 0.25 * snd.harmonics(freq * 2.14, sr, [1.0])
        hit = body * snd.attack_decay(len(t), sr, 0.16)
        snap = snd.band_noise(rng, len(t), sr, 1000, 5000) * snd.attack_decay(len(t), sr, 0.008)
        for frame, vel in zip(self.event_frames, self.velocities):
            snd.place(out, hit + 0.6 * snap, frame * spf, gain=vel)
        return out

    def caption(self):
        return f"a {self.tint.name} drum being hit with a stick"

    @staticmethod
    def setting(rng, height, width):
        return ground(rng, height, width, jitter(rng, (0.25, 0.1, 0.3)),
                      jitter(rng, (0.15, 0.08, 0.1)), FLOOR_Y - 0.1), "on a dark stage"


CLOTH_TINTS = [Tint("red", (0.8, 0.15, 0.15)), Tint("green", (0.15, 0.6, 0.2)),
               Tint("purple", (0.5, 0.2, 0.6)), Tint("black", (0.1, 0.1, 0.12))]


@dataclass(kw_only=True)
class Walker(Thing):
    """A person walking; a footstep when each foot lands."""

    name = "footsteps"
    event_kind = "step"
    tint: Tint
    period: int
    first: int
    stride: float
    direction: int
    band: tuple[float, float]

    @classmethod
    def sample(cls, rng, n_frames, box):
        period = int(rng.integers(10, 16))
        first = int(rng.integers(2, period + 1))
        return cls(box=box, event_frames=list(range(first, n_frames, period)),
                   tint=pick_tint(rng, CLOTH_TINTS), period=period, first=first,
                   stride=min(0.2, 0.75 * period / n_frames), direction=int(rng.choice([-1, 1])),
                   band=(float(rng.uniform(400, 700)), float(rng.uniform(4000, 6000))))

    def _plant(self, k: int) -> float:
        """Unit x where the ``k``-th landing puts its foot."""
        start = 0.12 if self.direction > 0 else 0.88
        return start + self.direction * self.stride * k

    def _feet(self, f: int) -> list[tuple[float, float]]:
        """Unit positions of the planted foot and the swinging foot at frame ``f``."""
        k = (f - self.first) // self.period
        tau = (f - self.first - k * self.period) / self.period
        swing_x = self._plant(k - 1) + tau * (self._plant(k + 1) - self._plant(k - 1))
        return [(self._plant(k), FLOOR_Y), (swing_x, FLOOR_Y - 0.08 * np.sin(np.pi * tau))]

    def draw(self, img, f):
        px, ln = self.box.px, self.box.len
        feet = self._feet(f)
        hip_u = (feet[0][0] + feet[1][0]) / 2
        hip = px(hip_u, 0.56 + 0.015 * np.cos(2 * np.pi * (f - self.first) / self.period))
        shoulder = (hip[0], hip[1] - ln(0.26))
        for foot in feet:
            paint.segment(img, hip, px(*foot), ln(0.06), np.asarray(self.tint.rgb) * 0.5)
            fx, fy = px(*foot)
            paint.ellipse(img, fx + self.direction * ln(0.02), fy - ln(0.015), ln(0.045),
                          ln(0.02), (0.12, 0.08, 0.05))
        paint.segment(img, hip, shoulder, ln(0.1), self.tint.rgb)
        paint.disc(img, shoulder[0], shoulder[1] - ln(0.08), ln(0.06), (0.9, 0.72, 0.58))

    def sound(self, rng, n, sr, spf):
        out = np.zeros(n, np.float32)
        m = int(0.12 * sr)
        grit = snd.band_noise(rng, m, sr, *self.band, tilt=0.5)
        heel = grit * snd.attack_decay(m, sr, 0.012)
        toe = np.concatenate([np.zeros(int(0.035 * sr), np.float32), 0.5 * heel])[:m]
        for frame in self.event_frames:
            snd.place(out, heel + toe, frame * spf, gain=float(rng.uniform(0.8, 1.0)))
        return out

    def caption(self):
        return f"a person in {self.tint.name} walking"

    @staticmethod
    def setting(rng, height, width):
        return ground(rng, height, width, jitter(rng, (0.7, 0.8, 0.88)),
                      jitter(rng, (0.55, 0.52, 0.5)), FLOOR_Y - 0.04, 0.06), "on a pavement"
