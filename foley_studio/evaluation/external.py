"""The standard evaluation networks, loaded from weight files a user already has.

Nothing is downloaded. :class:`VGGishEmbedder` (FAD) is built in: the architecture and the
log-mel front end of Google's VGGish, loading the state dict of the PyTorch port
(``vggish-10086976.pth``, keys ``features.{0,3,6,8,11,13}`` and ``embeddings.{0,2,4}``) or a
safetensors file with the same keys. PaSST (KL/accuracy) and Wav2CLIP (CLIP-score) are not
built in: :func:`load_passt` and :func:`load_wav2clip` raise :class:`ModelUnavailableError`
naming what is needed; any object with ``predict_proba``/``embed`` plugs into the report.
:class:`ClipImageEmbedder` puts the project's CLIP image encoder (ViT-B/32 for CLIP-score)
behind the ``ImageEmbedder`` interface.

VGGish front end (``mel_features.py`` of the AudioSet release): audio at 16 kHz, periodic
Hann window of 400 samples, hop 160, 512-point FFT magnitude, 64 HTK-mel bands over
125–7500 Hz (DC bin excluded), ``log(mel + 0.01)``, examples of 96 frames (0.96 s) without
overlap. Audio at another rate is resampled with torchaudio's windowed sinc (the port uses
resampy; the two differ slightly near Nyquist).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torchaudio
from torch import nn

from foley_studio.errors import CheckpointError, ConfigError, ModelUnavailableError
from foley_studio.evaluation.interfaces import check_audio_batch, check_frame_batch
from foley_studio.evaluation.spectrum import mel_matrix
from foley_studio.models.weights import load_into

VGGISH_RATE = 16000
VGGISH_FILE = "vggish-10086976.pth"
PASST_FILE = "passt-s-f128-p16-s10-ap.476-swa.pt"
WAV2CLIP_FILE = "Wav2CLIP.pt"


def vggish_mel_matrix(n_mels: int = 64, n_bins: int = 257, rate: int = VGGISH_RATE,
                      lo: float = 125.0, hi: float = 7500.0) -> np.ndarray:
    """VGGish's triangular mel weights ``(n_bins, n_mels)`` (see :func:`.spectrum.mel_matrix`)."""
    return mel_matrix(n_mels, n_bins, rate, lo, hi)


def vggish_examples(audio: np.ndarray) -> np.ndarray:
    """Mono 16 kHz ``audio`` ``(S,)`` → log-mel examples ``(E, 96, 64)`` (see module docstring)."""
    window, hop, n_fft = 400, 160, 512
    n_frames = 1 + (len(audio) - window) // hop
    n_examples = n_frames // 96 if n_frames > 0 else 0
    if n_examples == 0:
        raise ConfigError(f"VGGish needs at least 0.975 s of audio per clip; got "
                          f"{len(audio) / VGGISH_RATE:.3f} s.")
    idx = np.arange(window)[None, :] + hop * np.arange(n_frames)[:, None]
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(window) / window)  # periodic
    mag = np.abs(np.fft.rfft(audio[idx] * hann, n_fft))  # (T, 257)
    logmel = np.log(mag @ vggish_mel_matrix() + 0.01)  # (T, 64)
    return logmel[:n_examples * 96].reshape(n_examples, 96, 64).astype(np.float32)


class VGGishNet(nn.Module):
    """VGGish: four conv stages (64, 128, 256×2, 512×2) and three fully connected layers."""

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 1
        for v in (64, "M", 128, "M", 256, 256, "M", 512, 512, "M"):
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(c_in, int(v), 3, padding=1), nn.ReLU(inplace=True)]
                c_in = int(v)
        self.features = nn.Sequential(*layers)
        self.embeddings = nn.Sequential(nn.Linear(512 * 4 * 6, 4096), nn.ReLU(True),
                                        nn.Linear(4096, 4096), nn.ReLU(True), nn.Linear(4096, 128))

    def forward(self, examples: torch.Tensor) -> torch.Tensor:
        """``examples`` ``(B, 96, 64)`` → embeddings ``(B, 128)`` (no final ReLU, no PCA)."""
        feats = self.features(examples.unsqueeze(1))  # (B, 512, 6, 4)
        flat = feats.permute(0, 2, 3, 1).reshape(len(feats), -1)  # channels last, as in TF
        return self.embeddings(flat)


class VGGishEmbedder:
    """VGGish as an ``AudioEmbedder``: the mean of a clip's 0.96 s example embeddings.

    The final layer is linear (as in the current TF release and in ``frechet_audio_distance``
    by default); FAD in the strict sense pools all example embeddings, which
    :meth:`embed_examples` returns.
    """

    def __init__(self, net: VGGishNet, batch_size: int = 64) -> None:
        self.net, self.batch_size = net.eval(), batch_size

    @classmethod
    def load(cls, path: str | Path) -> "VGGishEmbedder":
        """Load ``vggish-10086976.pth`` (a plain state dict) or a safetensors file of the same keys."""
        net = VGGishNet()
        load_into(net, _read_state(Path(path), VGGISH_FILE, "VGGish"), source=str(path))
        return cls(net)

    def embed_examples(self, audio: np.ndarray, rate: int) -> list[np.ndarray]:
        """Per clip, the embeddings ``(E, 128)`` of its 0.96 s examples."""
        x = check_audio_batch(audio, rate)
        if rate != VGGISH_RATE:
            x = torchaudio.functional.resample(torch.from_numpy(x), rate, VGGISH_RATE).numpy()
        out = []
        with torch.inference_mode():
            for clip in x:
                ex = torch.from_numpy(vggish_examples(clip.astype(np.float64)))
                out.append(torch.cat([self.net(ex[i:i + self.batch_size])
                                      for i in range(0, len(ex), self.batch_size)]).numpy())
        return out

    def embed(self, audio: np.ndarray, rate: int) -> np.ndarray:
        """``(N, S)`` → ``(N, 128)``: each clip's mean example embedding."""
        return np.stack([e.mean(axis=0) for e in self.embed_examples(audio, rate)])


def _read_state(path: Path, expected: str, name: str) -> dict[str, torch.Tensor]:
    """A state dict from a ``.safetensors`` file or a plain PyTorch one (tensors only)."""
    if not path.is_file():
        raise ModelUnavailableError(f"{name} weights not found at {path}. Put the released "
                                    f"{expected} there (it cannot be downloaded from here).")
    if path.suffix == ".safetensors":
        from foley_studio.models.weights import load_state

        return load_state(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)  # tensors only, no code
    except Exception as exc:  # torch raises several types for a damaged or non-tensor file
        raise CheckpointError(f"Cannot read {path} as a {name} state dict ({exc}); expected "
                              f"{expected}.") from exc
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise CheckpointError(f"{path} is not a plain state dict of tensors; expected {expected}.")
    return state


class ClipImageEmbedder:
    """A :class:`foley_studio.encoders.clip.ClipEncoder` as an ``ImageEmbedder`` (unit-length rows)."""

    def __init__(self, encoder) -> None:
        self.encoder = encoder

    def embed_images(self, frames: np.ndarray) -> np.ndarray:
        """uint8 ``(N, H, W, 3)`` → ``(N, D)``."""
        return self.encoder.embed_frames(check_frame_batch(frames)).numpy()


def load_passt(path: str | Path | None = None):
    """PaSST is not built in; raises :class:`ModelUnavailableError` saying what would be needed."""
    raise ModelUnavailableError(
        f"PaSST (KL / accuracy on AudioSet classes) is not built into Foley Studio. It needs the "
        f"'hear21passt' package and {PASST_FILE}{f' (looked for {path})' if path else ''}; wrap "
        "it in an object with classes and predict_proba(audio, rate) and pass that to the report.")


def load_wav2clip(path: str | Path | None = None):
    """Wav2CLIP is not built in; raises :class:`ModelUnavailableError` saying what would be needed."""
    raise ModelUnavailableError(
        f"Wav2CLIP (CLIP-score) is not built into Foley Studio. It needs the 'wav2clip' package "
        f"(0.1.0) and {WAV2CLIP_FILE}{f' (looked for {path})' if path else ''}, plus CLIP ViT-B/32 "
        "image features; wrap them in objects with embed(audio, rate) and embed_images(frames).")
