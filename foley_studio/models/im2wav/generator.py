"""IM2WAV as a Foley Studio generator: frames or a prompt in, 16 kHz takes out.

Pipeline: CLIP features of the frames (or of the prompt) → LOW tokens (guided, windowed) → UP
tokens conditioned on them (windowed) → ``decoders[0]`` of the VQ-VAE. Audio longer than one
context is sampled window by window, each primed with the overlap of the one before. Which
frames a window and its tokens see, and what the start vectors average, follow the bundle's
:class:`~.windows.FrameConvention` (the released models' 30-fps rule for imported weights, the
trainer's rule for bundles trained here). A still image is one frame at t = 0 and conditions
any length. Frames are read and encoded :data:`FRAME_BATCH` at a time, so a
:class:`~foley_studio.media.FrameReader` never holds more than one batch of pictures.

A bundle folder holds ``bundle.json`` (with the ``conditioning`` convention) and
``vqvae``/``low``/``up`` weights (safetensors + JSON), plus either a local encoder
(``encoder.*``) or the name of an open_clip model.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from foley_studio.atomic import write_text_atomic
from foley_studio.encoders.clip import ClipEncoder
from foley_studio.errors import CheckpointError, ConfigError
from foley_studio.generation import Conditioning, Generator
from foley_studio.models.im2wav.prior import LowPrior, UpPrior
from foley_studio.models.im2wav.stepper import PriorStepper
from foley_studio.models.im2wav.storage import activation_dtype, choose_storage, to_storage
from foley_studio.models.im2wav.vqvae import VQVAE
from foley_studio.models.im2wav.windows import (OFFICIAL, TRAINER, FrameConvention, Window, hop_for,
                                                plan_windows, shown_frames, token_frames)
from foley_studio.models.weights import load_module, save_state
from foley_studio.progress import CancelToken, ProgressFn, check_cancel, report
from foley_studio.requests import SamplerSettings
from foley_studio.sampling.autoregressive import TokenSampling, sample_tokens, seeded_generators
from foley_studio.sync import SyncTrack
from foley_studio.models.timing import TAUS, envelope_levels, timing_features
from foley_studio.version import __version__

FRAME_BATCH = 32
"""Frames decoded and encoded together while conditioning."""
NEAR_HIT_S = 0.2
"""Seconds either side of a hit where the sync guidance applies (see the README)."""


@dataclass
class _Job:
    """What one generate call shares between its stages."""

    features: torch.Tensor   # (U, C) unit CLIP vectors of the frames used
    grid: np.ndarray         # (K,) row of `features` for each frame of the convention's grid
    samples: int
    takes: int
    generators: list
    progress: Optional[ProgressFn]
    cancel: Optional[CancelToken]
    total_steps: int
    done: int = 0
    sync: Optional[SyncTrack] = None  # hits in seconds from the region's start

    def sub_progress(self) -> Optional[ProgressFn]:
        """A callback for one window that advances the job's bar."""
        if self.progress is None:
            return None
        base = self.done
        return lambda d, _t: report(self.progress, base + d, self.total_steps)


class Im2WavGenerator(Generator):
    """Image- and video-conditioned Foley with IM2WAV (modes ``foley`` and ``text``)."""

    name = "im2wav"
    sample_rate = 16000
    modes = frozenset({"foley", "text"})

    def __init__(self, vqvae: VQVAE, low: LowPrior, up: UpPrior, encoder: ClipEncoder, *,
                 name: str = "im2wav", overlap: float = 0.5, encoder_spec: Optional[dict] = None,
                 device: Optional[str] = None, dtype: Optional[torch.dtype] = None,
                 storage: Optional[str] = None, conditioning: FrameConvention = TRAINER) -> None:
        self._check_sizes(vqvae, low, up, encoder)
        self.convention = conditioning
        self.frame_rate, self.frame_side = conditioning.fps, encoder.network.image_size
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.storage = choose_storage(self.device, low, dtype, storage)
        self.dtype = activation_dtype(self.storage)
        self.vqvae = vqvae.eval().to(self.device)  # the VQ-VAE always runs in float32
        self.low, self.up = (to_storage(m.eval(), self.storage, self.device) for m in (low, up))
        self.encoder = encoder.to(self.device)
        self.name, self.overlap = name, overlap
        self.encoder_spec = encoder_spec or {"type": "bundle", "path": "encoder"}
        self.hop_up, self.hop_low = vqvae.hops[0], vqvae.hops[1]
        self.token_hop = self.hop_up

    @staticmethod
    def _check_sizes(vqvae: VQVAE, low: LowPrior, up: UpPrior, encoder: ClipEncoder) -> None:
        if vqvae.levels != 2 or vqvae.hops[1] != low.hop or vqvae.hops[0] != up.hop:
            raise CheckpointError(f"The VQ-VAE hops {vqvae.hops} do not match the priors' "
                                  f"(UP {up.hop}, LOW {low.hop}); use the three files of one model.")
        if low.hop != up.hop * up.ratio or not low.bins == up.bins == vqvae.l_bins:
            raise CheckpointError("The LOW and UP priors do not fit each other or the VQ-VAE codebook.")
        if low.config["clip_dim"] != encoder.dim or up.config["clip_dim"] != encoder.dim:
            raise CheckpointError(f"The priors expect {low.config['clip_dim']}-d CLIP features but "
                                  f"the encoder {encoder.name} gives {encoder.dim}-d ones.")

    # ----------------------------------------------------------------- generation
    @torch.no_grad()
    def generate(self, cond: Conditioning, *, takes: int, seed: int, sampler: SamplerSettings,
                 progress: Optional[ProgressFn] = None,
                 cancel: Optional[CancelToken] = None) -> np.ndarray:
        """``takes`` waveforms (takes, S) for the frames (or the prompt) of ``cond``."""
        features, times = self.condition_features(cond)  # (U, C), (U,)
        job, low_plan, up_plan = self._job(features, times, cond.duration, takes, seed, progress, cancel)
        job.sync = cond.sync
        low_tokens = self.sample_low(job, low_plan, sampler)  # (N, n_low)
        up_tokens = self.sample_up(job, up_plan, low_tokens, sampler)  # (N, 4·n_low)
        return self.decode(job, up_tokens)

    @torch.no_grad()
    def generate_levels(self, features: torch.Tensor, times: np.ndarray, duration: float, *,
                        takes: int, seed: int, sampler: SamplerSettings,
                        sync: Optional[SyncTrack] = None) -> tuple[np.ndarray, np.ndarray]:
        """Takes (takes, S) for given CLIP vectors (F, C) at ``times`` (F,) (following ``sync``,
        hits in seconds from the start, if given), and the same takes' LOW tokens decoded by the
        LOW decoder (takes, S): what the UP level adds, for evaluation."""
        job, low_plan, up_plan = self._job(features, np.asarray(times, np.float64), duration, takes,
                                           seed, None, None)
        job.sync = sync
        low_tokens = self.sample_low(job, low_plan, sampler)
        low_audio = self.vqvae.decode(low_tokens, level=1)[:, :job.samples].clamp(-1, 1)
        up_tokens = self.sample_up(job, up_plan, low_tokens, sampler)
        return self.decode(job, up_tokens), low_audio.float().cpu().numpy()

    def _job(self, features: torch.Tensor, times: np.ndarray, duration: float, takes: int, seed: int,
             progress: Optional[ProgressFn],
             cancel: Optional[CancelToken]) -> tuple[_Job, list[Window], list[Window]]:
        """The shared state of one generation and its LOW and UP window plans."""
        samples = int(round(duration * self.sample_rate))
        low_plan, up_plan = self.plans(math.ceil(samples / self.hop_low))
        steps = sum(w.new for w in low_plan) + sum(w.new for w in up_plan) + takes
        grid = shown_frames(np.asarray(times, np.float64), self.frame_times(duration))  # (K,)
        job = _Job(features.to(self.device, self.dtype), grid, samples, takes,
                   seeded_generators(seed, takes), progress, cancel, steps)
        return job, low_plan, up_plan

    # ----------------------------------------------------------------- frames
    def frame_times(self, duration: float) -> np.ndarray:
        """Times (F,) from the region's start of the frames the bundle's convention uses."""
        return self.convention.times(duration)

    def condition_features(self, cond: Conditioning) -> tuple[torch.Tensor, np.ndarray]:
        """CLIP vectors (U, C) and times (U,) of the frames the convention's grid shows (read
        and encoded :data:`FRAME_BATCH` at a time), or of the prompt at t = 0."""
        if cond.frames is not None and len(cond.frames):
            times = cond.frame_times
            if times is None:  # frames without times are taken as evenly spread over the region
                times = np.arange(len(cond.frames)) * cond.duration / len(cond.frames)
            times = np.asarray(times, dtype=np.float64)
            used = np.unique(shown_frames(times, self.frame_times(cond.duration)))  # (U,)
            return self.embed_streaming(cond.frames, used), times[used]
        if cond.prompt:
            return self.encoder.embed_text(cond.prompt)[None], np.zeros(1)
        raise ConfigError("IM2WAV needs a picture or a text prompt to make sound for.")

    def embed_streaming(self, frames, rows: np.ndarray) -> torch.Tensor:
        """CLIP vectors (len(rows), C) of ``frames[rows]``, read and encoded a batch at a time."""
        return torch.cat([self.encoder.embed_frames(frames[rows[i:i + FRAME_BATCH]])
                          for i in range(0, len(rows), FRAME_BATCH)])

    def window_features(self, job: _Job, start: int, length: int) -> torch.Tensor:
        """CLIP vectors (F_w, C) of the frames a window of ``length`` samples from sample
        ``start`` sees under the bundle's convention."""
        index = self.convention.window(len(job.grid), start / self.sample_rate,
                                       length / self.sample_rate)
        return job.features[torch.from_numpy(job.grid[index]).to(self.device)]

    def up_start_features(self, job: _Job, window: Window) -> torch.Tensor:
        """The CLIP vector (C,) the UP start token of ``window`` is made from."""
        if self.convention.up_start == "clip":
            return job.features[torch.from_numpy(job.grid).to(self.device)].mean(0)
        length = self.up.n_ctx * self.hop_up
        return self.window_features(job, window.start * self.hop_up, length).mean(0)

    def plans(self, n_low: int) -> tuple[list[Window], list[Window]]:
        """LOW and UP windows for ``n_low`` LOW tokens (UP windows align with LOW tokens)."""
        ratio = self.up.ratio
        low = plan_windows(n_low, self.low.n_ctx, hop_for(self.low.n_ctx, self.overlap))
        up = plan_windows(n_low * ratio, self.up.n_ctx, hop_for(self.up.n_ctx, self.overlap, ratio))
        return low, up

    def low_sampling(self, has_sync: bool, sampler: SamplerSettings) -> TokenSampling:
        """How LOW tokens are drawn for a job with or without a sync track. Guidance 1 is the
        conditional model itself (null rows would be wasted work); a sync guidance that is the
        guidance (or None) needs no "picture alone" rows either."""
        separate = (has_sync and self.follows_sync
                    and sampler.sync_guidance not in (None, sampler.guidance))
        guided = bool(self.low.guidance) and (sampler.guidance != 1.0 or separate)
        return TokenSampling(sampler.temperature, sampler.top_k, sampler.top_p,
                             sampler.guidance if guided else None,
                             sampler.sync_guidance if guided and separate else None)

    def _low_conditioning(self, job: _Job, window: Window,
                          groups: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Start (R, W) and x_cond (R, n_ctx, W) of one LOW window for ``groups`` row groups of
        the takes (see :func:`sample_tokens`); the last group of a guided job is the null one."""
        n_ctx = self.low.n_ctx
        start_sample = window.start * self.hop_low
        feats = self.window_features(job, start_sample, n_ctx * self.hop_low)  # (F_w, C)
        frames = torch.from_numpy(token_frames(n_ctx, len(feats))).to(self.device)  # (n_ctx,)
        rows = job.takes * groups
        null = torch.arange(rows, device=self.device) >= job.takes * (groups - 1) if groups > 1 else None
        full = lambda v: torch.full((rows,), float(v), device=self.device)  # noqa: E731
        total = max(job.samples, self.low.total_length, (window.start + self.low.n_ctx) * self.hop_low)
        return self.low.conditioning(feats[None].expand(rows, -1, -1), frames[None].expand(rows, -1),
                                     full(total), full(window.start * self.hop_low), null,
                                     self._low_timing(job, window, groups))

    @property
    def follows_sync(self) -> bool:
        """Whether the LOW prior has a timing condition (older bundles ignore sync tracks)."""
        return self.low.follows_sync

    def _low_timing(self, job: _Job, window: Window, groups: int) -> Optional[torch.Tensor]:
        """Timing features (R, n_ctx, FEATURES) of one LOW window, or None without sync.

        Only the first group gets the sync track; the others ("picture alone", "neither") get
        the null timing, so with two groups one guidance scale strengthens both together."""
        if job.sync is None or not self.follows_sync:
            return None
        feats = self._window_features_of_sync(job, window)  # (n_ctx, F)
        rows = torch.from_numpy(feats).to(self.device, self.dtype)[None].expand(job.takes, -1, -1)
        return torch.cat([rows] + [torch.zeros_like(rows)] * (groups - 1))  # (G·N, n_ctx, F)

    def _window_features_of_sync(self, job: _Job, window: Window) -> np.ndarray:
        """The sync track's timing features ``(n_ctx, FEATURES)`` over one LOW window."""
        cell, start = self.hop_low / self.sample_rate, window.start * self.hop_low / self.sample_rate
        n = self.low.n_ctx
        return timing_features(job.sync.relative(0.0, math.inf), n, cell, start,
                               envelope_levels(job.sync.envelope, n, cell, start))

    def near_hits(self, job: _Job, window: Window) -> Optional[np.ndarray]:
        """Which tokens of a LOW window ``(n_ctx,)`` lie within :data:`NEAR_HIT_S` of a hit (the
        sync guidance applies there), or None without a followed sync track."""
        if job.sync is None or not self.follows_sync:
            return None
        feats = self._window_features_of_sync(job, window)
        close = math.exp(-NEAR_HIT_S / TAUS[1])  # features 5 and 7 decay with τ = TAUS[1]
        return (feats[:, 1] > 0) | (feats[:, 5] >= close) | (feats[:, 7] >= close)

    def sample_low(self, job: _Job, plan: list[Window], sampler: SamplerSettings) -> torch.Tensor:
        """LOW tokens (N, T_low), window by window, with classifier-free guidance."""
        settings = self.low_sampling(job.sync is not None, sampler)
        tokens = torch.zeros(job.takes, plan[-1].end, dtype=torch.long, device=self.device)
        for window in plan:
            check_cancel(job.cancel)
            start, x_cond = self._low_conditioning(job, window, settings.groups)
            prefix = tokens[:, window.start:window.start + window.known]
            tokens[:, window.start:window.end] = sample_tokens(
                PriorStepper(self.low, start, x_cond), prefix, window.end - window.start,
                job.generators, settings, progress=job.sub_progress(), cancel=job.cancel,
                near_hit=self.near_hits(job, window))
            job.done += window.new
        return tokens

    def sample_up(self, job: _Job, plan: list[Window], low_tokens: torch.Tensor,
                  sampler: SamplerSettings) -> torch.Tensor:
        """UP tokens (N, 4·T_low), window by window, conditioned on the LOW tokens (no guidance)."""
        settings = TokenSampling(sampler.temperature, sampler.top_k, sampler.top_p, None)
        ratio = self.up.ratio
        tokens = torch.zeros(job.takes, plan[-1].end, dtype=torch.long, device=self.device)
        for window in plan:
            check_cancel(job.cancel)
            lo, hi = window.start // ratio, window.end // ratio
            mean = self.up_start_features(job, window)  # (C,)
            start, x_cond = self.up.conditioning(mean[None].expand(job.takes, -1), low_tokens[:, lo:hi])
            prefix = tokens[:, window.start:window.start + window.known]
            tokens[:, window.start:window.end] = sample_tokens(
                PriorStepper(self.up, start, x_cond), prefix, window.end - window.start,
                job.generators, settings, progress=job.sub_progress(), cancel=job.cancel)
            job.done += window.new
        return tokens

    def decode(self, job: _Job, up_tokens: torch.Tensor) -> np.ndarray:
        """UP tokens → (N, S) float32 waveforms, cut to length and clipped to [-1, 1]."""
        out = np.zeros((job.takes, job.samples), dtype=np.float32)
        for i in range(job.takes):
            check_cancel(job.cancel)
            wave = self.vqvae.decode(up_tokens[i:i + 1], level=0)[0, :job.samples]
            out[i] = wave.clamp(-1, 1).float().cpu().numpy()
            job.done += 1
            report(job.progress, job.done, job.total_steps)
        return out

    @torch.no_grad()
    def reconstruct(self, audio: np.ndarray) -> np.ndarray:
        """Waveforms ``(N, S)`` at :attr:`sample_rate` through the VQ-VAE's UP level and back
        ``(N, S)``: the best the priors can reproduce, for measuring the first stage."""
        wave = torch.from_numpy(np.asarray(audio, np.float32)).to(self.device)
        tokens = self.vqvae.encode(wave)[0]  # (N, S / hop_up)
        return self.vqvae.decode(tokens, level=0)[:, :wave.shape[1]].clamp(-1, 1).cpu().numpy()

    # ----------------------------------------------------------------- bundles
    def save_bundle(self, folder: str | Path, name: Optional[str] = None, description: str = "") -> Path:
        """Write a bundle folder loadable by :meth:`from_bundle` and the registry."""
        if self.storage == "int8":
            raise ConfigError("This generator holds int8 priors; load it with storage='fp32' to "
                              "save a bundle (quantised weights are not saved).")
        folder = Path(folder)
        for stem, model, kind in (("vqvae", self.vqvae, "im2wav-vqvae"), ("low", self.low, "im2wav-low"),
                                  ("up", self.up, "im2wav-up")):
            state = {k: v.float() if v.is_floating_point() else v for k, v in model.state_dict().items()}
            save_state(state, model.config, folder / stem, kind=kind)
        if self.encoder_spec.get("type") == "bundle":
            self.encoder.save(folder / self.encoder_spec.get("path", "encoder"))
        return write_bundle_meta(folder, name=name or self.name, description=description,
                                 overlap=self.overlap, encoder_spec=self.encoder_spec,
                                 conditioning=self.convention)

    @classmethod
    def from_bundle(cls, path: str | Path, device: Optional[str] = None,
                    dtype: Optional[torch.dtype] = None,
                    storage: Optional[str] = None) -> "Im2WavGenerator":
        """Load a bundle folder (``bundle.json`` + weights); priors run in ``dtype`` or ``storage``
        (default: :func:`~foley_studio.models.im2wav.storage.default_storage`)."""
        path = Path(path)
        try:
            meta = json.loads((path / "bundle.json").read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise CheckpointError(f"{path} is not a readable IM2WAV bundle ({exc}).") from exc
        if meta.get("kind") != "im2wav":
            raise CheckpointError(f"{path} holds a {meta.get('kind')!r} bundle, not an IM2WAV one.")
        vqvae = load_module(VQVAE, path / "vqvae", kind="im2wav-vqvae")
        low = load_module(LowPrior, path / "low", kind="im2wav-low")
        up = load_module(UpPrior, path / "up", kind="im2wav-up")
        spec = meta.get("encoder", {"type": "bundle", "path": "encoder"})
        return cls(vqvae, low, up, _load_encoder(path, spec), name=meta.get("name", "im2wav"),
                   overlap=float(meta.get("overlap", 0.5)), encoder_spec=spec, device=device,
                   dtype=dtype, storage=storage, conditioning=bundle_convention(path, meta))

    @classmethod
    def tiny(cls, seed: int = 0) -> "Im2WavGenerator":
        """A random tiny model set (hops 64/256, 64 codes, 32-wide priors) for tests."""
        torch.manual_seed(seed)
        vqvae = VQVAE(**TINY_VQVAE)
        low, up = LowPrior(**TINY_LOW, total_length=4 * 16000), UpPrior(**TINY_UP)
        for level in vqvae.bottleneck.level_blocks:  # random codebooks so decoding makes sound
            level.k.normal_()
        return cls(vqvae, low, up, ClipEncoder.tiny(seed, TINY_LOW["clip_dim"]), name="im2wav-tiny",
                   device="cpu")


TINY_VQVAE = dict(levels=2, downs_t=(2, 1), strides_t=(8, 4), emb_width=16, l_bins=64, width=16,
                  depth=2, stft_resolutions=((256, 64, 256), (128, 32, 128)))
TINY_LOW = dict(bins=64, width=32, depth=3, n_ctx=64, heads=2, attn_order=2, blocks=4, clip_dim=32,
                hop=256)
TINY_UP = dict(bins=64, width=32, depth=3, n_ctx=128, heads=2, attn_order=2, blocks=4, clip_dim=32,
               cond_width=16, cond_depth=2, cond_down=1, cond_stride=4, hop=64)

# The procedural-world starter model, sized to train on CPU cores and to sample there in
# seconds. Hops 32 (UP) and 128 (LOW) instead of the paper's 8 and 32: 4 s are 2000 UP and 500
# LOW tokens (a quarter of the paper's). (Hops 64/256 with 256 codes, tried first, lost the
# world's classes: held-out reconstructions were recognised 50 % of the time at UP level.)
# Dense attention: the contexts (LOW 256 tokens = 2.05 s, UP 256 tokens = 0.51 s) are short.
WORLD_VQVAE = dict(levels=2, downs_t=(5, 2), strides_t=(2, 2), emb_width=64, l_bins=512, width=32,
                   depth=2, stft_resolutions=((1024, 120, 600), (512, 50, 240), (256, 25, 120)))
WORLD_LOW = dict(bins=512, width=128, depth=4, n_ctx=256, heads=2, attn_order=0, blocks=16,
                 m_attn=1.0, m_mlp=2.0, clip_dim=32, hop=128)
WORLD_UP = dict(bins=512, width=96, depth=3, n_ctx=256, heads=2, attn_order=0, blocks=16,
                m_attn=1.0, m_mlp=2.0, clip_dim=32, cond_width=48, cond_depth=2, cond_down=1,
                cond_stride=4, hop=32)


def write_bundle_meta(folder: Path, *, name: str, description: str, overlap: float,
                      encoder_spec: dict, conditioning: FrameConvention) -> Path:
    """Write ``bundle.json`` of an IM2WAV bundle whose weight files are already in ``folder``."""
    meta = {"kind": "im2wav", "name": name, "description": description,
            "sample_rate": Im2WavGenerator.sample_rate, "overlap": overlap,
            "encoder": encoder_spec, "conditioning": conditioning.to_dict(),
            "code_version": __version__}
    write_text_atomic(Path(folder) / "bundle.json", json.dumps(meta, indent=2))
    return Path(folder)


def bundle_convention(folder: Path, meta: dict) -> FrameConvention:
    """The conditioning convention a bundle records; bundles written before it was recorded
    get the released rule when their LOW weights were converted from a released file (the
    converter names its source), else this package's trainer's."""
    if "conditioning" in meta:
        return FrameConvention.from_dict(meta["conditioning"])
    try:
        converted = "source" in json.loads((Path(folder) / "low.json").read_text())
    except (OSError, json.JSONDecodeError):
        converted = False
    return OFFICIAL if converted else TRAINER


def _load_encoder(bundle: Path, spec: dict) -> ClipEncoder:
    if spec.get("type") == "bundle":
        return ClipEncoder.from_bundle(bundle / spec.get("path", "encoder"))
    if spec.get("type") == "open_clip":
        return ClipEncoder.pretrained(spec.get("model", "ViT-B-32"), spec.get("pretrained", "openai"))
    raise CheckpointError(f"{bundle / 'bundle.json'}: unknown encoder type {spec.get('type')!r}; "
                          "use 'bundle' or 'open_clip'.")
