"""A timbre-only judge: which class does a clip *sound* like, whatever its rhythm?

The world audio classifier sees the whole log-mel image, so a take with the right onsets at the
right times and the wrong sound can pass. This judge sees only what does not depend on when
events happen or how many there are (:func:`timbre_features`, all at 16 kHz):

- the log-mel spectrum (40 bands, 100 Hz–7.6 kHz) of the **loud frames only** (within
  ``LOUD_DB`` of the clip's loudest frame): its mean shape, with the clip's level taken off,
  and its spread per band;
- **tonality**: spectral flatness (10th, 50th and 90th percentile over the loud frames) and
  how far the strongest bin stands above the median bin (median over loud frames);
- the **shape of the hits**, medians over the hits that
  :func:`~foley_studio.evaluation.transients.clip_hits` finds (the loudest moment stands for
  one when none is found): attack time, peak spectral flux, and the fall in dB 20 and 60 ms
  after the peak.

No feature counts frames, hits or gaps, or says where anything happens. A softmax regression
(numpy, L2-regularised, fitted with L-BFGS on standardised features) maps them to classes;
:class:`TimbreJudge` saves as a small JSON file. ``foley-studio train timbre-judge`` rebuilds
the one shipped in ``foley_studio/evaluation/timbre_judge.json``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from foley_studio.atomic import write_text_atomic
from foley_studio.errors import CheckpointError, ConfigError
from foley_studio.evaluation.spectrum import mel_matrix

JUDGE_RATE = 16000
N_FFT, HOP = 512, 128  # 32-ms frames every 8 ms
N_MELS, MEL_LO, MEL_HI = 40, 100.0, 7600.0
LOUD_DB = 20.0
MIN_LOUD = 5  # frames: at least this many count as loud
FALL_S = (0.02, 0.06)  # where the fall after a hit's peak is read
SHIPPED = Path(__file__).with_name("timbre_judge.json")
KIND = "timbre-judge"


_MEL = mel_matrix(N_MELS, N_FFT // 2 + 1, JUDGE_RATE, MEL_LO, MEL_HI)  # (F, N_MELS)


def _power_frames(x: np.ndarray) -> np.ndarray:
    """Power spectra ``(T, N_FFT/2+1)`` of Hann frames of ``x`` ``(S,)``."""
    x = np.pad(x, (N_FFT // 2, N_FFT // 2))
    n = 1 + (len(x) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None] + HOP * np.arange(n)[:, None]
    return np.abs(np.fft.rfft(x[idx] * np.hanning(N_FFT), axis=1)) ** 2 + 1e-12


def _loud(power: np.ndarray) -> np.ndarray:
    """The loud frames ``(L, K)`` of ``power`` ``(T, K)``: within LOUD_DB of the loudest."""
    level = 10 * np.log10(power.sum(axis=1))
    loud = level >= level.max() - LOUD_DB
    if loud.sum() < MIN_LOUD:
        loud = level >= np.sort(level)[-min(MIN_LOUD, len(level))]
    return power[loud]


def _spectral(power: np.ndarray) -> np.ndarray:
    """Loud-frame spectrum shape, spread and tonality (see the module docstring)."""
    loud = _loud(power)
    logmel = 10 * np.log10(loud @ _MEL + 1e-12)  # (L, M)
    shape = logmel.mean(axis=0)
    band = loud[:, int(MEL_LO * N_FFT / JUDGE_RATE):int(MEL_HI * N_FFT / JUDGE_RATE)]
    flat = np.exp(np.log(band).mean(axis=1)) / band.mean(axis=1)  # (L,)
    peaky = 10 * np.log10(band.max(axis=1) / np.median(band, axis=1))
    return np.concatenate([shape - shape.mean(), logmel.std(axis=0),
                           np.percentile(flat, [10, 50, 90]), [np.median(peaky)]])


def _hit_shape(x: np.ndarray) -> np.ndarray:
    """Median attack (log ms), peak flux and falls after the peak (dB) over the clip's hits."""
    from foley_studio.evaluation.transients import clip_hits, envelope, rise_ms

    hits = clip_hits(x, JUDGE_RATE)
    env = envelope(x, JUDGE_RATE)
    starts = hits.times if len(hits.times) else [max(0.0, np.argmax(env) / JUDGE_RATE - 0.02)]
    attack, falls = [], []
    for t in starts:
        ms, peak = rise_ms(env, JUDGE_RATE, int(round(t * JUDGE_RATE)) - int(0.005 * JUDGE_RATE))
        after = [env[min(len(env) - 1, peak + int(s * JUDGE_RATE))] for s in FALL_S]
        attack.append(np.log1p(ms))
        falls.append([20 * np.log10((env[peak] + 1e-9) / (a + 1e-9)) for a in after])
    flux = np.median(hits.peak_flux) if len(hits.peak_flux) else 0.0
    return np.concatenate([[np.median(attack), flux], np.median(falls, axis=0)])


def timbre_features(audio: np.ndarray, rate: int) -> np.ndarray:
    """Rhythm-free timbre features ``(N, D)`` of clips ``(N, S)`` at ``rate`` Hz."""
    from foley_studio.media.audio import resample

    x = np.asarray(audio, np.float32)
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2 or x.shape[1] < rate // 10:
        raise ConfigError(f"The timbre judge wants clips (N, S) of at least 0.1 s, got {x.shape}.")
    x = resample(x, rate, JUDGE_RATE).astype(np.float64)
    return np.stack([np.concatenate([_spectral(_power_frames(c)), _hit_shape(c)]) for c in x])


@dataclass
class TimbreJudge:
    """Softmax regression on :func:`timbre_features`: ``p = softmax(((f − mean) / std) W + b)``."""

    classes: list[str]
    mean: np.ndarray  # (D,)
    std: np.ndarray   # (D,)
    weights: np.ndarray  # (D, C)
    bias: np.ndarray  # (C,)
    meta: dict

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Class scores ``(N, C)`` of features ``(N, D)``."""
        return ((features - self.mean) / self.std) @ self.weights + self.bias

    def predict_proba(self, audio: np.ndarray, rate: int) -> np.ndarray:
        """Class probabilities ``(N, C)`` of clips ``(N, S)`` (an ``AudioClassifier``)."""
        return softmax(self.logits(timbre_features(audio, rate)))

    def save(self, path: str | Path) -> None:
        """Write the judge as one JSON file (atomically)."""
        record = {"kind": KIND, "classes": self.classes, "mean": self.mean.tolist(),
                  "std": self.std.tolist(), "weights": self.weights.tolist(),
                  "bias": self.bias.tolist(), "meta": self.meta}
        write_text_atomic(Path(path), json.dumps(record, separators=(",", ":")))

    @classmethod
    def load(cls, path: str | Path = SHIPPED) -> "TimbreJudge":
        """Read a judge written by :meth:`save` (default: the shipped one)."""
        try:
            record = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"Cannot read the timbre judge {path}: {exc}. Rebuild it with "
                                  "'foley-studio train timbre-judge --data WORLD --out FILE'.") from exc
        if record.get("kind") != KIND:
            raise CheckpointError(f"{path} is not a timbre judge (kind {record.get('kind')!r}).")
        arr = lambda k: np.asarray(record[k], np.float64)  # noqa: E731
        return cls(list(record["classes"]), arr("mean"), arr("std"), arr("weights"), arr("bias"),
                   record.get("meta", {}))


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``z`` ``(N, C)``."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def fit_judge(features: np.ndarray, labels: np.ndarray, classes: Sequence[str], l2: float = 1e-2,
              meta: Optional[dict] = None) -> TimbreJudge:
    """Fit the softmax regression on ``features`` ``(N, D)`` and ``labels`` ``(N,)``."""
    from scipy.optimize import minimize

    f, y = np.asarray(features, np.float64), np.asarray(labels, np.int64)
    if len(f) != len(y) or not len(y) or y.min() < 0 or y.max() >= len(classes):
        raise ConfigError(f"Need one label in [0, {len(classes)}) per clip: {len(f)} clips, "
                          f"{len(y)} labels.")
    mean, std = f.mean(axis=0), f.std(axis=0) + 1e-6
    z = (f - mean) / std
    onehot = np.eye(len(classes))[y]
    d, c = z.shape[1], len(classes)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:d * c].reshape(d, c), theta[d * c:]
        p = softmax(z @ w + b)
        value = -np.log(p[np.arange(len(y)), y] + 1e-12).mean() + l2 * (w ** 2).sum() / 2
        grad = (p - onehot) / len(y)
        return value, np.concatenate([(z.T @ grad + l2 * w).ravel(), grad.sum(axis=0)])

    theta = minimize(loss, np.zeros(d * c + c), jac=True, method="L-BFGS-B",
                     options={"maxiter": 2000}).x
    return TimbreJudge(list(classes), mean, std, theta[:d * c].reshape(d, c), theta[d * c:], meta or {})
