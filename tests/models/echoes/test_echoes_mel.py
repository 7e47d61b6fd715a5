"""The torch mel transform against a direct numpy computation of SpecVQGAN's recipe."""
from __future__ import annotations

import numpy as np
import torch

from foley_studio.models.echoes.mel import MelConfig, MelSpectrogram


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    """Slaney mel scale: linear below 1 kHz, logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    mel = f / (200.0 / 3)
    log_region = f >= 1000.0
    mel[log_region] = 15.0 + np.log(f[log_region] / 1000.0) / (np.log(6.4) / 27.0)
    return mel


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    f = m * (200.0 / 3)
    log_region = m >= 15.0
    f[log_region] = 1000.0 * np.exp((np.log(6.4) / 27.0) * (m[log_region] - 15.0))
    return f


def _slaney_filterbank(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """Triangular filters on the Slaney scale with Slaney area normalisation: (n_mels, 1 + n_fft/2)."""
    freqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array([fmin]))[0], _hz_to_mel(np.array([fmax]))[0],
                                   n_mels + 2))
    fdiff = np.diff(edges)
    ramps = edges[:, None] - freqs[None, :]
    weights = np.zeros((n_mels, len(freqs)))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    return weights * (2.0 / (edges[2: n_mels + 2] - edges[:n_mels]))[:, None]


def _numpy_recipe(wave: np.ndarray) -> np.ndarray:
    """|STFT| (centred, reflect pad, periodic Hann) → mel → 20·log10 − 20 → (+100)/100 → clip."""
    n_fft, hop = 1024, 256
    padded = np.pad(wave, n_fft // 2, mode="reflect")
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    frames = 1 + (len(padded) - n_fft) // hop
    stack = np.stack([padded[i * hop: i * hop + n_fft] * window for i in range(frames)], 1)
    magnitude = np.abs(np.fft.rfft(stack, axis=0))
    mel = _slaney_filterbank(22050, n_fft, 80, 125, 7600) @ magnitude
    db = 20 * np.log10(np.maximum(1e-5, mel)) - 20
    return np.clip((db + 100) / 100, 0, 1)


def test_mel_matches_the_numpy_recipe() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(22050) / 22050
    wave = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(len(t))
    ours = MelSpectrogram(MelConfig())(torch.from_numpy(wave).float()[None])[0].numpy()
    ref = _numpy_recipe(wave)
    assert ours.shape == (80, 1 + 22050 // 256) == ref.shape
    assert np.abs(ours - ref).max() < 2e-4


def test_filterbank_is_librosas_slaney() -> None:
    ours = MelSpectrogram(MelConfig()).fbank.numpy()
    assert np.allclose(ours, _slaney_filterbank(22050, 1024, 80, 125, 7600), atol=1e-6)


def test_inverse_db_undoes_the_scaling() -> None:
    mel = MelSpectrogram(MelConfig())
    magnitudes = torch.tensor([[1e-3, 0.1, 1.0, 10.0]])
    assert torch.allclose(mel.inverse_db(mel.scale_db(magnitudes)), magnitudes, rtol=1e-4)
