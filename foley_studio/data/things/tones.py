"""Things with ringing or voiced events: a ticking clock, a struck bell, a chirping bird."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foley_studio.data import paint
from foley_studio.data import sound as snd
from foley_studio.data.things.base import (Thing, Tint, event_train, ground, jitter, pick_tint,
                                          swing_lift)

RIM_TINTS = [Tint("black", (0.08, 0.08, 0.08)), Tint("brown", (0.45, 0.25, 0.1)),
             Tint("golden", (0.85, 0.65, 0.15)), Tint("red", (0.75, 0.1, 0.1))]


@dataclass(kw_only=True)
class Clock(Thing):
    """A wall clock whose second hand jumps on every tick."""

    name = "clock"
    event_kind = "tick"
    tint: Tint
    face: tuple[float, float, float]
    start_angle: float
    hour_angles: tuple[float, float]
    ring: float

    @classmethod
    def sample(cls, rng, n_frames, box):
        period = int(rng.integers(12, 26))
        return cls(box=box, event_frames=list(range(int(rng.integers(1, period + 1)), n_frames, period)),
                   tint=pick_tint(rng, RIM_TINTS), face=tuple(jitter(rng, (0.95, 0.93, 0.85), 0.04)),
                   start_angle=float(rng.uniform(0, 2 * np.pi)),
                   hour_angles=tuple(float(a) for a in rng.uniform(0, 2 * np.pi, 2)),
                   ring=float(rng.uniform(2500, 4000)))

    def draw(self, img, f):
        px, ln = self.box.px, self.box.len
        cx, cy = px(0.5, 0.45)
        r = ln(0.32)
        paint.disc(img, cx, cy, r * 1.12, self.tint.rgb)
        paint.disc(img, cx, cy, r, self.face)
        for k in range(12):
            a = k * np.pi / 6
            paint.segment(img, (cx + 0.82 * r * np.cos(a), cy + 0.82 * r * np.sin(a)),
                          (cx + 0.95 * r * np.cos(a), cy + 0.95 * r * np.sin(a)), ln(0.02), (0.2,) * 3)
        for angle, length, width in zip(self.hour_angles, (0.5, 0.75), (0.05, 0.035)):
            paint.segment(img, (cx, cy), (cx + length * r * np.sin(angle), cy - length * r * np.cos(angle)),
                          ln(width), (0.1,) * 3)
        ticks = sum(1 for e in self.event_frames if e <= f)
        angle = self.start_angle + ticks * np.pi / 12  # 15° per tick: visible at 128 px
        paint.segment(img, (cx, cy), (cx + 0.9 * r * np.sin(angle), cy - 0.9 * r * np.cos(angle)),
                      ln(0.018), (0.85, 0.1, 0.1))

    def sound(self, rng, n, sr, spf):
        out = np.zeros(n, np.float32)
        m = int(0.06 * sr)
        click = snd.band_noise(rng, m, sr, 2000, 9000) * snd.attack_decay(m, sr, 0.002)
        for i, frame in enumerate(self.event_frames):
            ring = self.ring * (1.0 if i % 2 == 0 else 0.8)  # tick, tock
            ping = snd.sweep(m, sr, ring, ring) * snd.attack_decay(m, sr, 0.015)
            snd.place(out, click + 0.7 * ping, frame * spf)
        return out

    def caption(self):
        return f"a clock with a {self.tint.name} rim ticking"

    @staticmethod
    def setting(rng, height, width):
        wall = jitter(rng, [(0.35, 0.6, 0.5), (0.6, 0.45, 0.6), (0.3, 0.5, 0.65)][int(rng.integers(3))])
        img = ground(rng, height, width, wall, wall * 0.8, 0.92, 0.02)
        for x in np.arange(0, width, width / 10):  # wallpaper stripes
            paint.rect(img, x, 0, x + width / 30, height * 0.92, wall * 1.15, 0.5)
        return img, "on a wall"


BELL_TINTS = [Tint("golden", (0.85, 0.68, 0.2)), Tint("bronze", (0.6, 0.4, 0.2)),
              Tint("silver", (0.75, 0.77, 0.8))]
BELL_PARTIALS = [(0.5, 0.5), (1.0, 1.0), (1.183, 0.8), (1.506, 0.6), (2.0, 0.5), (2.514, 0.35),
                 (2.662, 0.3), (3.011, 0.2)]  # (ratio to the strike tone, amplitude)


@dataclass(kw_only=True)
class Bell(Thing):
    """A hanging bell struck by a hammer; inharmonic partials decay after each strike."""

    name = "bell"
    event_kind = "strike"
    tint: Tint
    pitch: float

    @classmethod
    def sample(cls, rng, n_frames, box):
        return cls(box=box, event_frames=event_train(rng, n_frames, 25, 40, first=(2, 20)),
                   tint=pick_tint(rng, BELL_TINTS), pitch=float(rng.uniform(300, 700)))

    def draw(self, img, f):
        px, ln = self.box.px, self.box.len
        since = f - max((e for e in self.event_frames if e <= f), default=-99)
        dx = 0.025 * np.exp(-since / 6) * np.cos(np.pi * since / 3) if since >= 0 else 0.0
        paint.rect(img, *px(0.15, 0.1), *px(0.85, 0.15), (0.35, 0.2, 0.1))
        paint.segment(img, px(0.5, 0.15), px(0.5 + dx, 0.26), ln(0.025), (0.3, 0.3, 0.3))
        col = np.asarray(self.tint.rgb)
        paint.ellipse(img, *px(0.5 + dx, 0.32), ln(0.13), ln(0.08), col)
        paint.polygon(img, [px(0.37 + dx, 0.32), px(0.63 + dx, 0.32), px(0.74 + dx, 0.7),
                            px(0.26 + dx, 0.7)], col)
        paint.ellipse(img, *px(0.5 + dx, 0.7), ln(0.25), ln(0.05), col * 0.7)
        paint.rect(img, *px(0.4 + dx, 0.36), *px(0.45 + dx, 0.62), (1, 1, 1), 0.3)
        pivot = np.array(px(0.97, 0.95))
        rest = np.array(px(0.76, 0.6))
        angle = np.arctan2(*(rest - pivot)[::-1]) + 0.6 * swing_lift(self.event_frames, f, 30)
        head = pivot + np.hypot(*(rest - pivot)) * np.array([np.cos(angle), np.sin(angle)])
        paint.segment(img, pivot, head, ln(0.025), (0.45, 0.3, 0.15))
        paint.disc(img, *head, ln(0.04), (0.25, 0.25, 0.28))

    def sound(self, rng, n, sr, spf):
        out = np.zeros(n, np.float32)
        m = int(1.2 * sr)
        t = snd.seconds(m, sr)
        ring = np.zeros(m, np.float32)
        for i, (ratio, amp) in enumerate(BELL_PARTIALS):
            phase = 2 * np.pi * self.pitch * ratio * t
            ring += (amp * np.sin(phase) * np.exp(-t / (0.4 / (1 + 0.25 * i)))).astype(np.float32)
        ring *= snd.attack_decay(m, sr, 10.0)
        click = snd.band_noise(rng, m, sr, 1500, 8000) * snd.attack_decay(m, sr, 0.003)
        for frame in self.event_frames:
            snd.place(out, ring + 0.5 * click, frame * spf, gain=float(rng.uniform(0.8, 1.0)))
        return out

    def caption(self):
        return f"a {self.tint.name} bell being struck"

    @staticmethod
    def setting(rng, height, width):
        return ground(rng, height, width, jitter(rng, (0.3, 0.32, 0.45)),
                      jitter(rng, (0.45, 0.42, 0.38)), 0.85, 0.06), "in a bell tower"


BIRD_TINTS = [Tint("red", (0.85, 0.15, 0.1)), Tint("yellow", (0.95, 0.8, 0.1)),
              Tint("blue", (0.1, 0.35, 0.85)), Tint("brown", (0.5, 0.33, 0.18))]


@dataclass(kw_only=True)
class Bird(Thing):
    """A small bird flapping across the sky; it opens its beak for every chirp."""

    name = "bird"
    event_kind = "chirp"
    tint: Tint
    span: int
    direction: int
    height: float
    flap: float
    notes: list[tuple[float, float]]  # (start, end) frequency of each chirp

    @classmethod
    def sample(cls, rng, n_frames, box):
        chirps = []
        for phrase in event_train(rng, n_frames, 20, 35, first=(2, 15)):
            steps = rng.integers(3, 6, size=int(rng.integers(1, 4)))
            chirps += [c for c in phrase + np.concatenate([[0], np.cumsum(steps)]) if c < n_frames]
        f1 = float(rng.uniform(2500, 4500))
        ratio = float(rng.uniform(0.6, 1.5))
        return cls(box=box, event_frames=[int(c) for c in chirps], tint=pick_tint(rng, BIRD_TINTS),
                   span=n_frames,
                   direction=int(rng.choice([-1, 1])), height=float(rng.uniform(0.3, 0.55)),
                   flap=float(rng.uniform(3.0, 5.0)), notes=[(f1, f1 * ratio)] * len(chirps))

    def draw(self, img, f):
        px, ln = self.box.px, self.box.len
        u = 0.5 + self.direction * (f / self.span - 0.5) * 0.7
        cx, cy = px(u, self.height + 0.06 * np.sin(2 * np.pi * f / 40))
        wing = np.sin(2 * np.pi * f / self.flap)
        d = self.direction
        paint.segment(img, (cx - d * ln(0.02), cy), (cx - d * ln(0.06), cy - ln(0.1) * wing),
                      ln(0.035), np.asarray(self.tint.rgb) * 0.7)
        paint.ellipse(img, cx, cy, ln(0.07), ln(0.045), self.tint.rgb)
        hx = cx + d * ln(0.065)
        paint.disc(img, hx, cy - ln(0.03), ln(0.035), self.tint.rgb)
        gape = ln(0.025) if any(0 <= f - e < 2 for e in self.event_frames) else ln(0.004)
        tip = hx + d * ln(0.08)
        paint.polygon(img, [(hx + d * ln(0.02), cy - ln(0.04)), (tip, cy - ln(0.03)),
                            (hx + d * ln(0.02), cy - ln(0.03) + gape)], (0.95, 0.6, 0.1))
        paint.disc(img, hx + d * ln(0.01), cy - ln(0.04), ln(0.008), (0, 0, 0))

    def sound(self, rng, n, sr, spf):
        out = np.zeros(n, np.float32)
        for frame, (f1, f2) in zip(self.event_frames, self.notes):
            m = int(rng.uniform(0.05, 0.09) * sr)
            note = snd.sweep(m, sr, f1, f2, curve=0.6) * snd.attack_decay(m, sr, 0.03)
            snd.place(out, note * np.hanning(2 * m)[m:], frame * spf)
        return out

    def caption(self):
        return f"a {self.tint.name} bird chirping"

    @staticmethod
    def setting(rng, height, width):
        img = ground(rng, height, width, jitter(rng, (0.55, 0.8, 0.97)),
                     jitter(rng, (0.2, 0.45, 0.2)), 0.86, 0.02)
        for _ in range(3):  # clouds
            cx, cy = rng.uniform(0, width), rng.uniform(0.05, 0.3) * height
            paint.ellipse(img, cx, cy, width * 0.12, height * 0.04, (1, 1, 1), 0.8)
        return img, "in the sky"
