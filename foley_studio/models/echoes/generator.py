"""The Visual Echoes generator: Foley, inpainting, extension and storyboards from one model.

Every audio mode is "fill the unknown columns of a token canvas": Foley starts from an all-unknown
canvas, inpainting marks the gap's columns unknown in the encoded soundtrack, extension appends
unknown columns after a context taken from the end of the soundtrack, and audio longer than the
model's window is made by windowed outpainting (see :mod:`.canvas`). The waveform is decoded in
overlapping windows joined by crossfades; inpainting then splices the original waveform back
outside the gap, so audio there is sample-exact. Storyboards run the same model the other way
(audio → image).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from foley_studio.errors import CheckpointError, ConfigError
from foley_studio.generation import Conditioning, Generator
from foley_studio.progress import CancelToken, ProgressFn, check_cancel, report
from foley_studio.requests import SamplerSettings
from foley_studio.sampling.maskgit import UnmaskSettings
from foley_studio.models.echoes import bundle as bundle_io
from foley_studio.models.echoes.canvas import (WindowImages, count_windows, fill_audio,
                                               fill_window, to_grid, to_sequence)
from foley_studio.models.echoes.codec import AudioCodec, ImageCodec, window_starts
from foley_studio.models.echoes.mel import MelConfig
from foley_studio.models.echoes.melgan import GriffinLimVocoder, MelGANConfig, MelGANGenerator
from foley_studio.models.echoes.transformer import EchoesConfig, EchoesTransformer
from foley_studio.models.echoes.vqgan import VQGAN, VQGANConfig
from foley_studio.models.timing import envelope_levels, timing_features

VOCODERS = ("melgan", "vocos", "griffin-lim")
SEAM_SECONDS = 0.02
"""Length of the crossfades that join an inpainted gap to the original soundtrack."""


def seeded_generators(seed: int, takes: int, device: torch.device | str = "cpu") -> list[torch.Generator]:
    """One generator per take on ``device``; take ``i`` uses ``seed + i``."""
    return [torch.Generator(device=device).manual_seed(seed + i) for i in range(takes)]


def splice(original: np.ndarray, generated: np.ndarray, start: int, stop: int,
           fade: int) -> np.ndarray:
    """``generated`` ``(B, S)`` inside ``[start, stop)``, ``original`` ``(S,)`` outside.

    Linear crossfades of ``fade`` samples sit just inside the gap's edges, so every sample
    outside ``[start, stop)`` is the original's.
    """
    out = np.repeat(original[None].astype(np.float32), len(generated), 0)
    fade = max(0, min(fade, (stop - start) // 2))
    ramp = np.ones(stop - start, dtype=np.float32)
    if fade:
        edge = np.linspace(0.0, 1.0, fade + 2, dtype=np.float32)[1:-1]
        ramp[:fade], ramp[len(ramp) - fade:] = edge, edge[::-1]
    out[:, start:stop] = ramp * generated[:, start:stop] + (1.0 - ramp) * out[:, start:stop]
    return out


@dataclass(frozen=True)
class EchoesWork:
    """What one job runs, in the units its progress reports: ``windows`` transformer windows of
    ``steps`` unmasking steps, each a pass over ``rows`` rows, then ``decodes`` decoder windows
    (spectrogram VQGAN + vocoder) over ``takes`` rows."""

    windows: int
    steps: int
    rows: int
    decodes: int
    takes: int

    @property
    def unmask_steps(self) -> int:
        """Progress steps of the transformer: one per unmasking step of each window."""
        return self.windows * self.steps

    @property
    def total(self) -> int:
        """Progress steps of the whole job."""
        return self.unmask_steps + self.decodes


class EchoesGenerator(Generator):
    """Image/video-conditioned audio, audio inpainting and extension, audio-to-image storyboards."""

    name = "echoes"
    sample_rate = 22050
    modes = frozenset({"foley", "inpaint", "extend", "storyboard"})
    frame_rate = 8.0

    def __init__(self, transformer: EchoesTransformer, audio_vqgan: VQGAN, image_vqgan: VQGAN,
                 vocoder: torch.nn.Module, *, mel: MelConfig = MelConfig(), image_size: int = 256,
                 name: str = "echoes") -> None:
        self.model = transformer.eval()
        self.audio = AudioCodec(audio_vqgan.eval(), vocoder.eval(), mel)
        self.image = ImageCodec(image_vqgan.eval(), image_size)
        self.frame_side = image_size  # frames are read near the tokenizer's size, one at a time
        self.sample_rate, self.token_hop = mel.sample_rate, mel.hop_length
        self.name = name
        self._check_parts()

    # ---- construction ------------------------------------------------------------------------

    @classmethod
    def from_bundle(cls, path: Path, *, vocoder: Optional[str] = None,
                    device: Optional[str] = None) -> "EchoesGenerator":
        """Load a bundle folder; ``vocoder="griffin-lim"`` picks the labelled fallback."""
        path = Path(path)
        meta = bundle_io.read_bundle_json(path)
        choice = vocoder or meta.get("vocoder", "melgan")
        if choice not in VOCODERS:
            raise ConfigError(f"Unknown vocoder {choice!r} in {path}; choose one of {VOCODERS}.")
        for part in ("transformer", "audio_vqgan", "image_vqgan"):
            if not bundle_io.has_component(path, part):
                raise CheckpointError(f"Bundle {path} has no {part}; import or train it first "
                                      "('foley-studio weights import' / 'foley-studio train').")
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        parts = [bundle_io.load_component(path, p, device) for p in ("transformer", "audio_vqgan", "image_vqgan")]
        mel = MelConfig(**meta.get("mel", {}))
        voc = cls._vocoder(path, choice, mel, device)
        name = meta.get("name", path.name) + (" (Griffin-Lim)" if choice == "griffin-lim" else "")
        return cls(*parts, voc, mel=mel, image_size=int(meta.get("image_size", 256)), name=name)

    @staticmethod
    def _vocoder(path: Path, choice: str, mel: MelConfig, device: str) -> torch.nn.Module:
        if choice == "griffin-lim":
            return GriffinLimVocoder(mel).to(device)
        if not bundle_io.has_component(path, "vocoder"):
            raise CheckpointError(
                f"Bundle {path} has no vocoder weights. Import SpecVQGAN's MelGAN with "
                "'foley-studio weights import melgan best_netG.pt --bundle ...', or choose the "
                "lower-quality Griffin-Lim fallback by setting \"vocoder\": \"griffin-lim\" in "
                "its bundle.json.")
        return bundle_io.load_component(path, "vocoder", device, vocoder=choice)

    @classmethod
    def tiny(cls, seed: int = 0, frames: int = 1) -> "EchoesGenerator":
        """A randomly initialised tiny model set (for tests; its sound is noise)."""
        torch.manual_seed(seed)
        audio_vq = VQGAN(VQGANConfig(ch=8, ch_mult=(1, 2, 2, 2, 2), num_res_blocks=1,
                                     attn_resolutions=(8,), resolution=128, z_channels=8,
                                     embed_dim=8, n_embed=32))
        image_vq = VQGAN(VQGANConfig(in_channels=3, out_channels=3, ch=8, ch_mult=(1, 2, 2),
                                     num_res_blocks=1, attn_resolutions=(4,), resolution=16,
                                     z_channels=8, embed_dim=8, n_embed=24))
        cfg = EchoesConfig(audio_vocab=32, image_vocab=24, audio_rows=5, audio_cols=8,
                           image_tokens=16, frames=frames, dim=32, depth=2, heads=2,
                           decoder_dim=32, decoder_depth=1, decoder_heads=2, dropout=0.0)
        vocoder = MelGANGenerator(MelGANConfig(ngf=4, n_residual_layers=1))
        return cls(EchoesTransformer(cfg), audio_vq, image_vq, vocoder, image_size=16,
                   name="echoes-tiny")

    def save_bundle(self, folder: Path, name: str, description: str = "Visual Echoes") -> None:
        """Write this generator as a bundle folder (requires vocoder weights, not Griffin-Lim)."""
        if isinstance(self.audio.vocoder, GriffinLimVocoder):
            raise ConfigError("Only a generator with vocoder weights (MelGAN or Vocos) can be saved.")
        for part, module in (("transformer", self.model), ("audio_vqgan", self.audio.vqgan),
                             ("image_vqgan", self.image.vqgan), ("vocoder", self.audio.vocoder)):
            bundle_io.save_component(folder, part, module)
        bundle_io.update_bundle(folder, name=name, description=description,
                                image_size=self.image.size, mel=self.audio.mel_config.to_dict(),
                                sample_rate=self.sample_rate)

    def _check_parts(self) -> None:
        c, a, v = self.model.config, self.audio, self.image
        problems = [f"{what}: transformer {x}, tokenizer {y}" for what, x, y in (
            ("audio rows", c.audio_rows, a.rows), ("audio codes", c.audio_vocab, a.vqgan.config.n_embed),
            ("image tokens", c.image_tokens, v.tokens_per_image),
            ("image codes", c.image_vocab, v.vqgan.config.n_embed)) if x != y]
        if problems:
            raise CheckpointError("The bundle's parts do not fit together (" + "; ".join(problems)
                                  + "); retrain the transformer on these tokenizers.")

    # ---- geometry ----------------------------------------------------------------------------

    @property
    def window_cols(self) -> int:
        """Audio token columns per model window."""
        return self.model.config.audio_cols

    @property
    def col_seconds(self) -> float:
        """Seconds of audio per token column."""
        return self.audio.samples_per_col / self.sample_rate

    @property
    def window_seconds(self) -> float:
        """Seconds of audio per model window (≈9.85 s for the paper's 53 columns)."""
        return self.window_cols * self.col_seconds

    @property
    def context_cols(self) -> int:
        """Columns of already-known audio each outpainting window keeps."""
        return self.window_cols // 2

    @property
    def device(self) -> torch.device:
        """Where the transformer runs."""
        return next(self.model.parameters()).device

    def _settings(self, sampler: SamplerSettings) -> UnmaskSettings:
        return UnmaskSettings(steps=sampler.steps, choice_temperature=sampler.choice_temperature,
                              temperature=sampler.temperature, top_k=sampler.top_k, top_p=sampler.top_p)

    # ---- the work of a job (shared by the modes and the time estimate) ---------------------------

    def work(self, mode: str, takes: int, sampler: SamplerSettings, *, seconds: float = 0.0,
             samples: int = 0, gap: Optional[tuple[float, float]] = None,
             window: float = 1.0) -> EchoesWork:
        """What ``mode`` will run for ``seconds`` of new sound (foley, extend) or a soundtrack of
        ``samples`` samples (inpaint with ``gap`` in seconds, extend, storyboard of ``window``-s
        pictures), with pictures to follow, as the mode's own method counts it."""
        if mode == "storyboard":
            rows = takes if sampler.image_guidance == 1.0 else 2 * takes
            return EchoesWork(self.pictures(samples, window), sampler.steps, rows, 0, takes)
        if mode == "foley":
            unknown = self.foley_unknown(seconds)
        elif mode == "inpaint":
            unknown = self.gap_unknown(samples, *self.gap_samples(samples, gap))
        elif mode == "extend":
            unknown = self.extend_unknown(samples, seconds)[1]
        else:
            raise ConfigError(f"Visual Echoes has no {mode!r} mode; its modes: {sorted(self.modes)}.")
        return self.audio_work(unknown, takes, sampler)

    def audio_work(self, unknown: torch.Tensor, takes: int, sampler: SamplerSettings) -> EchoesWork:
        """The windows :func:`fill_audio` and :meth:`decode_audio` run for a canvas whose unknown
        columns are ``unknown`` ``(N,)``; guided passes (guidance ≠ 1) run 2 rows per take."""
        rows = takes if sampler.guidance == 1.0 else 2 * takes
        windows = count_windows(unknown, self.window_cols, self.context_cols)
        decodes = len(window_starts(len(unknown), self.window_cols, self.decode_overlap))
        return EchoesWork(windows, sampler.steps, rows, decodes, takes)

    def cols_for(self, seconds: float) -> int:
        """Token columns holding ``seconds`` of audio (at least one)."""
        return max(1, math.ceil(seconds / self.col_seconds - 1e-9))

    def foley_unknown(self, seconds: float) -> torch.Tensor:
        """Unknown columns ``(N,)`` of a new canvas for ``seconds`` of sound (all of them)."""
        return torch.ones(max(self.cols_for(seconds), self.window_cols), dtype=torch.bool)

    def gap_samples(self, samples: int, gap: Optional[tuple[float, float]]) -> tuple[int, int]:
        """The gap ``(start, stop)`` in seconds as samples of a ``samples``-long soundtrack."""
        if gap is None:
            raise ConfigError("Inpainting needs a gap: select the part of the soundtrack to replace.")
        start, stop = (min(samples, max(0, int(round(t * self.sample_rate)))) for t in gap)
        if stop <= start:
            raise ConfigError(f"The gap {gap[0]:.3f}–{gap[1]:.3f} s holds no audio of "
                              f"the {samples / self.sample_rate:.3f}-s soundtrack.")
        return start, stop

    def gap_unknown(self, samples: int, start: int, stop: int) -> torch.Tensor:
        """Unknown columns ``(N,)`` of an encoded ``samples``-long soundtrack with a gap in
        samples ``[start, stop)`` (and the padding up to a window)."""
        spc = self.audio.samples_per_col
        n = max(1, -(-samples // spc))  # the columns AudioCodec.tokenize makes
        unknown = torch.zeros(max(n, self.window_cols), dtype=torch.bool)
        unknown[start // spc: -(-stop // spc)] = True
        unknown[n:] = True
        return unknown

    def extend_unknown(self, samples: int, seconds: float) -> tuple[int, torch.Tensor]:
        """Context columns kept from the end of a ``samples``-long soundtrack and the unknown
        columns ``(N,)`` of a canvas that adds ``seconds`` after them."""
        new = self.cols_for(seconds)
        ctx = min(samples // self.audio.samples_per_col, max(self.context_cols, self.window_cols - new))
        if ctx == 0:
            raise ConfigError(f"Extending needs at least {self.col_seconds:.2f} s of soundtrack "
                              f"before the end point; got {samples / self.sample_rate:.2f} s.")
        return ctx, torch.arange(max(ctx + new, self.window_cols)) >= ctx

    def pictures(self, samples: int, window: float) -> int:
        """Storyboard pictures for a ``samples``-long soundtrack, one per ``window`` s."""
        if window <= 0:
            raise ConfigError(f"The storyboard window must be positive (got {window} s).")
        return max(1, math.ceil(samples / self.sample_rate / window - 1e-9))

    # ---- conditioning images -----------------------------------------------------------------

    def images_for(self, cond: Conditioning, batch: int, offset: float, content_end: float):
        """Window start column → :class:`WindowImages` holding the frames nearest the window's times.

        ``offset`` is the canvas's start in the conditioning's time; ``content_end`` is where the
        wanted audio ends (frames are aimed at the middle of the wanted part of each window).
        Only the frames a window uses are tokenised, each once.
        """
        c, cache = self.model.config, {}
        times = np.zeros(1) if cond.frame_times is None else np.asarray(cond.frame_times, float)

        def tokens(i: int) -> torch.Tensor:
            if i not in cache:
                cache[i] = self.image.tokenize(cond.frames[i: i + 1])[0]  # (T,)
            return cache[i]

        def images(start: int) -> WindowImages:
            if cond.frames is None or len(cond.frames) == 0:
                empty = torch.zeros(batch, c.image_len, dtype=torch.long, device=self.device)
                return WindowImages(empty, torch.zeros_like(empty, dtype=torch.bool), absent=True)
            t0 = offset + start * self.col_seconds
            t1 = max(t0, min(t0 + self.window_seconds, content_end))
            targets = t0 + (np.arange(c.frames) + 0.5) / c.frames * (t1 - t0)
            idx = np.abs(times[None, :] - targets[:, None]).argmin(1)  # (K,)
            seq = torch.cat([tokens(int(i)) for i in idx])[None].expand(batch, -1).to(self.device)
            cols = np.clip(((targets - t0) / self.col_seconds).astype(int), 0, c.audio_cols - 1)
            frame_cols = torch.as_tensor(cols, device=self.device)[None].expand(batch, -1)
            return WindowImages(seq, torch.zeros_like(seq, dtype=torch.bool),
                                frame_cols=frame_cols if c.frames > 1 else None)

        return images

    # ---- timing (sync) -----------------------------------------------------------------------

    @property
    def follows_sync(self) -> bool:
        """Whether the transformer has a timing condition (older bundles ignore sync tracks)."""
        return self.model.follows_sync

    def timed(self, images_for, cond: Conditioning, batch: int, offset: float):
        """``images_for`` with each window's timing features added from ``cond.sync`` (the
        canvas starts at ``offset`` s of the conditioning's time); unchanged without sync."""
        if cond.sync is None or not self.follows_sync:
            return images_for

        def images(start: int) -> WindowImages:
            window = images_for(start)
            window.timing = self.window_timing(cond, offset + start * self.col_seconds, batch)
            return window

        return images

    def window_timing(self, cond: Conditioning, t0: float, batch: int) -> torch.Tensor:
        """Timing features ``(B, cols, FEATURES)`` of the window starting at ``t0`` s."""
        n, cell = self.window_cols, self.col_seconds
        feats = timing_features(cond.sync.relative(0.0, math.inf), n, cell, t0,
                                envelope_levels(cond.sync.envelope, n, cell, t0))
        return torch.from_numpy(feats).to(self.device)[None].expand(batch, -1, -1)

    # ---- audio modes -------------------------------------------------------------------------

    @torch.no_grad()
    def generate(self, cond: Conditioning, *, takes: int, seed: int, sampler: SamplerSettings,
                 progress: Optional[ProgressFn] = None,
                 cancel: Optional[CancelToken] = None) -> np.ndarray:
        """Sound for ``cond.frames`` (the frame nearest each window's middle, or K frames at their times)."""
        if cond.frames is None:
            raise ConfigError("Visual Echoes makes sound for pictures: give it a video region "
                              "or an image (text prompts need IM2WAV).")
        unknown = self.foley_unknown(cond.duration)
        canvas = torch.zeros(takes, self.audio.rows, len(unknown), dtype=torch.long, device=self.device)
        images = self.timed(self.images_for(cond, takes, 0.0, cond.duration), cond, takes, 0.0)
        wave = self._fill_and_decode(canvas, unknown, images, takes, seed, sampler, progress, cancel)
        return wave[:, : int(round(cond.duration * self.sample_rate))]

    @torch.no_grad()
    def inpaint(self, cond: Conditioning, *, takes: int, seed: int, sampler: SamplerSettings,
                progress: Optional[ProgressFn] = None,
                cancel: Optional[CancelToken] = None) -> np.ndarray:
        """``cond.audio`` with ``cond.gap`` regenerated; outside the gap the samples are the original's."""
        audio = self._context(cond, "inpaint")
        start, stop = self.gap_samples(len(audio), cond.gap)
        canvas, unknown = self.inpaint_canvas(audio, start, stop, takes)
        images = self.timed(self.images_for(cond, takes, 0.0, cond.duration), cond, takes, 0.0)
        wave = self._fill_and_decode(canvas, unknown, images, takes, seed, sampler, progress, cancel)
        return splice(audio, wave[:, : len(audio)], start, stop, int(SEAM_SECONDS * self.sample_rate))

    def inpaint_canvas(self, audio: np.ndarray, start: int, stop: int,
                       takes: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoded soundtrack ``(B, rows, N)`` and unknown columns ``(N,)`` for a gap in samples."""
        tokens = self.audio.tokenize(torch.from_numpy(audio).float()[None])  # (1, R, n)
        unknown = self.gap_unknown(len(audio), start, stop)
        canvas = torch.nn.functional.pad(tokens, (0, len(unknown) - tokens.shape[-1]))
        return canvas.expand(takes, -1, -1).clone().to(self.device), unknown

    @torch.no_grad()
    def extend(self, cond: Conditioning, *, takes: int, seed: int, sampler: SamplerSettings,
               progress: Optional[ProgressFn] = None,
               cancel: Optional[CancelToken] = None) -> np.ndarray:
        """``cond.duration`` s continuing ``cond.audio`` from a context window at its end."""
        audio = self._context(cond, "extend")
        spc = self.audio.samples_per_col
        ctx, unknown = self.extend_unknown(len(audio), cond.duration)
        tail = torch.from_numpy(audio[len(audio) - ctx * spc:]).float()[None]
        canvas = torch.zeros(takes, self.audio.rows, len(unknown), dtype=torch.long, device=self.device)
        canvas[..., :ctx] = self.audio.tokenize(tail).to(self.device)
        offset = len(audio) / self.sample_rate - ctx * self.col_seconds
        end = offset + (ctx + self.cols_for(cond.duration)) * self.col_seconds
        images = self.timed(self.images_for(cond, takes, offset, end), cond, takes, offset)
        wave = self._fill_and_decode(canvas, unknown, images, takes, seed, sampler, progress, cancel)
        return wave[:, ctx * spc: ctx * spc + int(round(cond.duration * self.sample_rate))]

    def _context(self, cond: Conditioning, mode: str) -> np.ndarray:
        if cond.audio is None or len(cond.audio) == 0:
            raise ConfigError(f"{mode} works on an existing soundtrack; the selected region has none.")
        return np.asarray(cond.audio, dtype=np.float32)

    def _fill_and_decode(self, canvas: torch.Tensor, unknown: torch.Tensor, images, takes: int,
                         seed: int, sampler: SamplerSettings, progress: Optional[ProgressFn],
                         cancel: Optional[CancelToken]) -> np.ndarray:
        """Fill and decode ``canvas``, reporting progress in the steps of :meth:`audio_work`."""
        work = self.audio_work(unknown, takes, sampler)
        filled = fill_audio(self.model, canvas, unknown, images, context=self.context_cols,
                            settings=self._settings(sampler), guidance=sampler.guidance,
                            generators=seeded_generators(seed, takes, self.device),
                            progress=_steps_of(progress, 0, work.total), cancel=cancel)
        check_cancel(cancel)
        return self.decode_audio(filled, _steps_of(progress, work.unmask_steps, work.total))

    @torch.no_grad()
    def reconstruct(self, audio: np.ndarray) -> np.ndarray:
        """Waveforms ``(N, S)`` at :attr:`sample_rate` through the spectrogram VQGAN and the
        vocoder ``(N, S)``: the best the transformer can reproduce, for measuring the first stage."""
        wave = torch.from_numpy(np.asarray(audio, np.float32)).to(self.device)
        return self.decode_audio(self.audio.tokenize(wave))[:, :wave.shape[1]]

    @property
    def decode_overlap(self) -> int:
        """Columns shared by neighbouring decoder windows."""
        return max(1, self.window_cols // 8)

    def decode_audio(self, canvas: torch.Tensor, progress: Optional[ProgressFn] = None) -> np.ndarray:
        """Token canvas ``(B, rows, N)`` → waveform ``(B, N · samples_per_col)`` float32
        (``progress`` is told of each decoder window)."""
        wave = self.audio.waveform(canvas, self.window_cols, self.decode_overlap, progress)
        return wave.clamp(-1.0, 1.0).float().cpu().numpy()

    # ---- image modes -------------------------------------------------------------------------

    @torch.no_grad()
    def storyboard(self, cond: Conditioning, *, takes: int, seed: int, sampler: SamplerSettings,
                   window: float = 1.0, progress: Optional[ProgressFn] = None,
                   cancel: Optional[CancelToken] = None) -> np.ndarray:
        """One picture per ``window`` s of ``cond.audio``: ``(takes, pictures, H, W, 3)`` uint8."""
        audio = self._context(cond, "storyboard")
        work = self.work("storyboard", takes, sampler, samples=len(audio), window=window)
        spc, w = self.audio.samples_per_col, self.window_cols
        padded = np.pad(audio, (0, max(0, w * spc - len(audio))))
        canvas = self.audio.tokenize(torch.from_numpy(padded)[None]).to(self.device)  # (1, R, N)
        gens, pictures = seeded_generators(seed, takes, self.device), []
        for j in range(work.windows):  # a transformer window per picture
            sub = _steps_of(progress, j * work.steps, work.total)
            pictures.append(self._picture(canvas, (j + 0.5) * window, takes, gens, sampler, sub, cancel))
        return np.stack(pictures, 1)

    def _picture(self, canvas: torch.Tensor, centre: float, takes: int, gens, sampler: SamplerSettings,
                 progress: Optional[ProgressFn], cancel: Optional[CancelToken]) -> np.ndarray:
        c, w = self.model.config, self.window_cols
        start = int(np.clip(round(centre / self.col_seconds) - w // 2, 0, canvas.shape[-1] - w))
        audio = to_sequence(canvas[..., start: start + w]).expand(takes, -1)
        image = torch.zeros(takes, c.image_len, dtype=torch.long, device=self.device)
        cols = self.model.default_frame_cols(takes, self.device) if c.frames > 1 else None
        _, tokens = fill_window(self.model, audio, torch.zeros_like(audio, dtype=torch.bool),
                                WindowImages(image, torch.ones_like(image, dtype=torch.bool),
                                             frame_cols=cols),
                                settings=self._settings(sampler), guidance=sampler.image_guidance,
                                generators=gens, progress=progress, cancel=cancel)
        centres = ((np.arange(c.frames) + 0.5) * w / c.frames + start) * self.col_seconds
        k = int(np.abs(centres - centre).argmin())
        return self.image.pictures(tokens.view(takes, c.frames, -1)[:, k])

    @torch.no_grad()
    def cogenerate(self, *, takes: int, seed: int, sampler: SamplerSettings,
                   progress: Optional[ProgressFn] = None,
                   cancel: Optional[CancelToken] = None) -> tuple[np.ndarray, np.ndarray]:
        """Sound and pictures together from nothing: ``(takes, S)`` and ``(takes, K, H, W, 3)``."""
        c = self.model.config
        audio = torch.zeros(takes, c.audio_len, dtype=torch.long, device=self.device)
        image = torch.zeros(takes, c.image_len, dtype=torch.long, device=self.device)
        cols = self.model.default_frame_cols(takes, self.device) if c.frames > 1 else None
        a, v = fill_window(self.model, audio, torch.ones_like(audio, dtype=torch.bool),
                           WindowImages(image, torch.ones_like(image, dtype=torch.bool), frame_cols=cols),
                           settings=self._settings(sampler), guidance=sampler.guidance,
                           generators=seeded_generators(seed, takes, self.device), progress=progress, cancel=cancel)
        wave = self.decode_audio(to_grid(a, c.audio_rows))
        pictures = self.image.pictures(v.reshape(takes * c.frames, -1))
        return wave, pictures.reshape(takes, c.frames, *pictures.shape[1:])


def _steps_of(progress: Optional[ProgressFn], base: int, total: int) -> Optional[ProgressFn]:
    """A callback for a part of a job that reports its own ``done`` steps as ``base + done`` of
    the job's ``total``, so the job's bar runs in the units of :class:`EchoesWork`."""
    if progress is None:
        return None
    return lambda done, _total: report(progress, base + done, total)
