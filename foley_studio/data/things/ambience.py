"""Things with continuous sound: a car engine, flowing water, wind in grass, a buzzing insect.

Their sound follows what is seen: the engine's pitch follows the car's speed, the wind's
loudness the grass's sway, the insect's pitch and loudness its flight.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foley_studio.data import paint
from foley_studio.data import sound as snd
from foley_studio.data.things.base import Thing, Tint, ground, jitter, pick_tint

CAR_TINTS = [Tint("red", (0.8, 0.1, 0.1)), Tint("blue", (0.1, 0.25, 0.75)),
             Tint("yellow", (0.95, 0.8, 0.1)), Tint("white", (0.93, 0.93, 0.93))]


def smooth_wave(rng: np.random.Generator, n: int, periods=(30.0, 60.0)) -> np.ndarray:
    """A slow random curve ``(n,)`` in ``[0, 1]``: a few sines of random phase."""
    f = np.arange(n)
    wave = sum(np.sin(2 * np.pi * f / rng.uniform(*periods) + rng.uniform(0, 2 * np.pi))
               for _ in range(3))
    return ((wave + 3) / 6).astype(np.float32)


@dataclass(kw_only=True)
class Car(Thing):
    """A car driving along a road; its engine hum rises and falls with its speed."""

    name = "engine"
    tint: Tint
    speed: np.ndarray   # (F,) unit widths per frame
    x0: float
    direction: int

    @classmethod
    def sample(cls, rng, n_frames, box):
        speed = (0.003 + 0.006 * smooth_wave(rng, n_frames)) * 100 / max(n_frames, 100)
        direction = int(rng.choice([-1, 1]))
        return cls(box=box, tint=pick_tint(rng, CAR_TINTS), speed=speed,
                   x0=0.25 if direction > 0 else 0.75, direction=direction)

    def draw(self, img, f):
        px, ln = self.box.px, self.box.len
        travel = float(np.sum(self.speed[:f]))
        x = self.x0 + self.direction * travel
        col = np.asarray(self.tint.rgb)
        paint.rect(img, *px(x - 0.21, 0.62), *px(x + 0.21, 0.78), col)
        paint.rect(img, *px(x - 0.1, 0.5), *px(x + 0.12, 0.63), col * 0.85)
        paint.rect(img, *px(x - 0.07, 0.53), *px(x + 0.09, 0.61), (0.7, 0.85, 0.95))
        for wx in (x - 0.12, x + 0.12):
            cx, cy = px(wx, 0.79)
            paint.disc(img, cx, cy, ln(0.065), (0.05, 0.05, 0.05))
            spin = self.direction * travel / 0.065
            paint.segment(img, (cx, cy), (cx + ln(0.045) * np.cos(spin), cy + ln(0.045) * np.sin(spin)),
                          ln(0.02), (0.7, 0.7, 0.7))

    def sound(self, rng, n, sr, spf):
        f0 = snd.per_sample(25 + 9000 * self.speed * max(len(self.speed), 100) / 100, spf, n)
        amps = [1.0 / k ** 0.7 for k in range(1, 16)]
        hum = snd.harmonics(f0, sr, amps, phases=rng.uniform(0, 2 * np.pi, len(amps)))
        firing = 1.0 + 0.4 * snd.harmonics(f0 / 2, sr, [1.0])
        rumble = snd.one_pole_lowpass(snd.band_noise(rng, n, sr, 20, 2000), sr, 300)
        return snd.normalise_rms(hum * firing + 0.5 * rumble, 1.0)

    def caption(self):
        return f"a {self.tint.name} car driving with its engine humming"

    @staticmethod
    def setting(rng, height, width):
        img = ground(rng, height, width, jitter(rng, (0.95, 0.7, 0.5)), jitter(rng, (0.3, 0.3, 0.32)),
                     0.7, 0.03)
        for x in np.arange(0, width, width / 4):  # lane marks
            paint.rect(img, x, height * 0.9, x + width / 8, height * 0.92, (0.95, 0.95, 0.9))
        return img, "on a road"


WATER_TINTS = [Tint("blue", (0.1, 0.3, 0.7)), Tint("teal", (0.05, 0.45, 0.5)),
               Tint("turquoise", (0.15, 0.6, 0.7))]


@dataclass(kw_only=True)
class Water(Thing):
    """A rippling stream; flowing water sound."""

    name = "water"
    tint: Tint
    waves: np.ndarray   # (3, 4): kx, ky, omega, phase
    flow: float

    @classmethod
    def sample(cls, rng, n_frames, box):
        waves = np.stack([rng.uniform(0.1, 0.35, 3) * rng.choice([-1, 1], 3), rng.uniform(0.2, 0.6, 3),
                          rng.uniform(0.15, 0.4, 3), rng.uniform(0, 2 * np.pi, 3)], axis=1)
        return cls(box=box, tint=pick_tint(rng, WATER_TINTS), waves=waves,
                   flow=float(rng.uniform(0.6, 1.0)))

    def draw(self, img, f):
        h, w = img.shape[:2]
        x0, y0 = self.box.px(0.0, 0.3)
        x1, y1 = self.box.px(1.0, 1.0)
        r0, r1, c0, c1 = max(0, int(y0)), min(h, int(y1)), max(0, int(x0)), min(w, int(x1))
        ys, xs = np.mgrid[r0:r1, c0:c1].astype(np.float32)
        scale = 128.0 / self.box.size  # ripples shrink with the box: a small pond far away
        xs, ys = (xs - self.box.x0) * scale, (ys - self.box.y0) * scale
        ripple = sum(np.sin(kx * xs + ky * ys - om * f * 2 * self.flow + ph)
                     for kx, ky, om, ph in self.waves) / 3  # (h, w) in [-1, 1]
        col = np.asarray(self.tint.rgb, np.float32) * (0.8 + 0.3 * ripple[..., None])
        glint = np.clip((ripple - 0.6) * 4, 0, 1)[..., None]
        img[r0:r1, c0:c1] = col * (1 - glint) + glint

    def sound(self, rng, n, sr, spf):
        babble = np.abs(snd.one_pole_lowpass(rng.standard_normal(n), sr, 12)) * 20
        wash = snd.band_noise(rng, n, sr, 200, 6000, tilt=1.0) * (0.5 + babble)
        bubbles = np.zeros(n, np.float32)
        for start in rng.integers(0, n, size=int(6 * self.flow * n / sr)):
            m = int(rng.uniform(0.02, 0.04) * sr)
            f1 = rng.uniform(400, 900)
            blip = snd.sweep(m, sr, f1, f1 * 2.2, curve=2.0) * np.hanning(m)
            snd.place(bubbles, blip, int(start), gain=float(rng.uniform(0.5, 1.5)))
        return snd.normalise_rms(snd.normalise_rms(wash, 1.0) + 0.6 * bubbles, 1.0)

    def caption(self):
        return f"{self.tint.name} water flowing in a stream"

    @staticmethod
    def setting(rng, height, width):
        return ground(rng, height, width, jitter(rng, (0.35, 0.55, 0.25)), jitter(rng, (0.2, 0.3, 0.5)),
                      0.3, 0.05), "between grassy banks"


GRASS_TINTS = [Tint("green", (0.2, 0.6, 0.15)), Tint("yellow-green", (0.55, 0.7, 0.15)),
               Tint("golden", (0.8, 0.65, 0.25))]


@dataclass(kw_only=True)
class Grass(Thing):
    """Grass swaying in gusts of wind; the wind is loud when the grass bends far."""

    name = "wind"
    tint: Tint
    gust: np.ndarray     # (F,) in [0, 1]
    blades: np.ndarray   # (N, 4): x, height, phase, shade

    @classmethod
    def sample(cls, rng, n_frames, box):
        gust = smooth_wave(rng, n_frames, (20.0, 50.0)) ** 1.5
        blades = np.stack([rng.uniform(0, 1, 36), rng.uniform(0.25, 0.5, 36),
                           rng.uniform(0, 2 * np.pi, 36), rng.uniform(0.7, 1.2, 36)], axis=1)
        return cls(box=box, tint=pick_tint(rng, GRASS_TINTS), gust=gust, blades=blades)

    def draw(self, img, f):
        g = float(self.gust[min(f, len(self.gust) - 1)])
        col = np.asarray(self.tint.rgb)
        for x, height, phase, shade in self.blades:
            bend = g * (0.12 + 0.05 * np.sin(2 * np.pi * f / 9 + phase))
            paint.segment(img, self.box.px(x, 1.0), self.box.px(x + bend, 1.0 - height * (1 - g * 0.3)),
                          self.box.len(0.025), col * shade)

    def sound(self, rng, n, sr, spf):
        g = snd.per_sample(self.gust, spf, n)
        low = snd.band_noise(rng, n, sr, 100, 1200, tilt=1.0) * (0.15 + g) ** 1.5
        whistle = snd.band_noise(rng, n, sr, 700, 1800) * g ** 3
        return snd.normalise_rms(low + 0.4 * whistle, 1.0)

    def caption(self):
        return f"{self.tint.name} grass swaying in the wind"

    @staticmethod
    def setting(rng, height, width):
        return ground(rng, height, width, jitter(rng, (0.65, 0.7, 0.75)), jitter(rng, (0.3, 0.35, 0.15)),
                      0.55, 0.03), "in a field"


BUG_TINTS = [Tint("striped yellow", (0.95, 0.75, 0.05)), Tint("black", (0.1, 0.1, 0.1)),
             Tint("green", (0.2, 0.55, 0.3))]


@dataclass(kw_only=True)
class Insect(Thing):
    """A buzzing insect darting about; its buzz rises as it climbs and swells as it nears."""

    name = "insect"
    tint: Tint
    path: np.ndarray   # (F, 3): u, v, nearness in [0, 1]
    pitch: float

    @classmethod
    def sample(cls, rng, n_frames, box):
        f = np.arange(n_frames)[:, None]
        rate = rng.uniform(0.03, 0.12, (1, 3))
        path = 0.5 + 0.3 * np.sin(rate * f + rng.uniform(0, 2 * np.pi, (1, 3))) * [[1.0, 0.8, 1.6]]
        return cls(box=box, tint=pick_tint(rng, BUG_TINTS), path=np.clip(path, 0, 1),
                   pitch=float(rng.uniform(180, 320)))

    def draw(self, img, f):
        u, v, near = self.path[min(f, len(self.path) - 1)]
        cx, cy = self.box.px(u, v)
        s = self.box.len(0.035 + 0.035 * near)
        flick = 0.6 + 0.4 * (f % 2)
        paint.ellipse(img, cx - 0.3 * s, cy - s, 0.9 * s, 0.5 * s * flick, (0.9, 0.95, 1.0), 0.6)
        paint.ellipse(img, cx + 0.3 * s, cy - s, 0.9 * s, 0.5 * s * flick, (0.9, 0.95, 1.0), 0.6)
        paint.ellipse(img, cx, cy, 1.2 * s, 0.7 * s, self.tint.rgb)
        if self.tint.name.startswith("striped"):
            for dx in (-0.4, 0.2):
                paint.rect(img, cx + dx * s, cy - 0.6 * s, cx + (dx + 0.25) * s, cy + 0.6 * s, (0.05,) * 3)

    def sound(self, rng, n, sr, spf):
        climb = -np.gradient(self.path[:, 1]) * 30  # rising flight raises the pitch
        f0 = snd.per_sample(self.pitch * (1 + 0.1 * np.clip(climb, -1, 1)), spf, n)
        buzz = snd.harmonics(f0, sr, [1.0 / k for k in range(1, 25)])
        loud = snd.per_sample(0.3 + self.path[:, 2], spf, n)
        return snd.normalise_rms(snd.one_pole_lowpass(buzz, sr, 3500) * loud, 1.0)

    def caption(self):
        return f"a {self.tint.name} insect buzzing"

    @staticmethod
    def setting(rng, height, width):
        img = ground(rng, height, width, jitter(rng, (0.85, 0.9, 0.7)), jitter(rng, (0.45, 0.65, 0.3)),
                     0.6, 0.03)
        for _ in range(12):  # flowers
            x, y = rng.uniform(0, width), rng.uniform(0.65, 0.98) * height
            petal = [(0.9, 0.3, 0.6), (1.0, 1.0, 1.0)][int(rng.integers(2))]
            paint.disc(img, x, y, width * 0.02, jitter(rng, petal))
        return img, "among flowers"
