"""CLIP image/text encoder (open_clip): frames and prompts into one shared, L2-normalised space.

Three ways to get one:

* :meth:`ClipEncoder.pretrained` — any open_clip model by name; ViT-B-32 with OpenAI weights is
  what the released IM2WAV priors were trained on. Weights come from open_clip's cache (or the
  network when there is one); offline with no cached copy raises ModelUnavailableError.
* :meth:`ClipEncoder.from_bundle` — a local folder holding ``encoder.safetensors`` +
  ``encoder.json`` (the constructor arguments of :class:`ClipNetwork`, an open_clip ``CLIP``
  with a custom vision/text configuration), as written by ``foley-studio train clip``.
* :meth:`ClipEncoder.tiny` — a random small network built in code, for tests.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from foley_studio.errors import ConfigError, ModelUnavailableError

OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)
BUNDLE_STEM = "encoder"
KIND = "clip-encoder"


class ClipNetwork(nn.Module):
    """An open_clip ``CLIP`` rebuilt from plain (JSON-safe) constructor arguments."""

    def __init__(self, embed_dim: int, vision_cfg: dict, text_cfg: dict, quick_gelu: bool = False,
                 image_mean: tuple = OPENAI_MEAN, image_std: tuple = OPENAI_STD) -> None:
        super().__init__()
        import open_clip

        self.model = open_clip.CLIP(embed_dim, dict(vision_cfg), dict(text_cfg), quick_gelu=quick_gelu)
        self.image_size = int(np.atleast_1d(vision_cfg.get("image_size", 224))[0])
        self.context_length = int(text_cfg.get("context_length", 77))
        self.register_buffer("mean", torch.tensor(image_mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(image_std).view(1, 3, 1, 1), persistent=False)

    def encode_image(self, pixels: torch.Tensor) -> torch.Tensor:  # (B, 3, S, S) in [0, 1] → (B, D)
        return self.model.encode_image((pixels - self.mean) / self.std)

    def encode_text(self, tokens: torch.Tensor) -> torch.Tensor:  # (B, L) → (B, D)
        return self.model.encode_text(tokens)


def tiny_config(embed_dim: int = 32, image_size: int = 32, text_width: int = 64) -> dict[str, Any]:
    """Constructor arguments of a very small :class:`ClipNetwork` (tests, the procedural world).

    The token embedding (49408 × ``text_width``) dominates the size: 12.6 MB at width 64, 3.2 MB
    at width 16."""
    return {"embed_dim": embed_dim,
            "vision_cfg": {"image_size": image_size, "layers": 2, "width": 64, "patch_size": 8,
                           "head_width": 32},
            "text_cfg": {"context_length": 32, "vocab_size": 49408, "width": text_width, "heads": 2,
                         "layers": 2}}


def preprocess(frames: np.ndarray, size: int) -> torch.Tensor:
    """(F, H, W, 3) uint8 → (F, 3, size, size) floats in [0, 1]: shortest side resized, centre crop."""
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ConfigError(f"Frames must be an (F, H, W, 3) uint8 array, got {frames.dtype} "
                          f"{tuple(frames.shape)}.")
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255.0
    h, w = x.shape[-2:]
    scale = size / min(h, w)
    new_h, new_w = max(size, round(h * scale)), max(size, round(w * scale))
    x = F.interpolate(x, size=(new_h, new_w), mode="bicubic", align_corners=False, antialias=True)
    top, left = (new_h - size) // 2, (new_w - size) // 2
    return x[..., top:top + size, left:left + size].clamp(0, 1)


class ClipEncoder:
    """Embeds frames and text prompts into the same L2-normalised space (dimension ``dim``)."""

    def __init__(self, network: ClipNetwork, tokenizer: Any, name: str,
                 config: Optional[dict] = None) -> None:
        self.network = network.eval().requires_grad_(False)
        self.tokenizer, self.name, self.config = tokenizer, name, config
        self.dim = int(network.model.text_projection.shape[-1]) if hasattr(
            network.model, "text_projection") else int(network.model.visual.output_dim)

    @property
    def device(self) -> torch.device:
        """Where the network runs."""
        return next(self.network.parameters()).device

    def to(self, device: str | torch.device) -> "ClipEncoder":
        """Move the network; returns self."""
        self.network.to(device)
        return self

    @torch.no_grad()
    def embed_frames(self, frames: np.ndarray, batch: int = 32) -> torch.Tensor:
        """(F, H, W, 3) uint8 RGB → (F, dim) float32, each row of unit length.

        ``batch`` frames at a time are taken from ``frames`` (an array, or anything sliced like
        one, such as a :class:`~foley_studio.media.FrameReader`), turned to floats and encoded,
        so the float copies never exceed one batch."""
        size, encode = self.network.image_size, self.network.encode_image
        out = [encode(preprocess(frames[i:i + batch], size).to(self.device)).float()
               for i in range(0, len(frames), batch)]
        return F.normalize(torch.cat(out), dim=-1).cpu()

    @torch.no_grad()
    def embed_text(self, text: str) -> torch.Tensor:
        """A prompt → (dim,) float32 of unit length."""
        if not text or not text.strip():
            raise ConfigError("The text prompt is empty; type what the sound should be.")
        tokens = self.tokenizer([text]).to(self.device)
        return F.normalize(self.network.encode_text(tokens).float(), dim=-1)[0].cpu()

    @classmethod
    def tiny(cls, seed: int = 0, embed_dim: int = 32) -> "ClipEncoder":
        """A random tiny encoder built in code (no download)."""
        torch.manual_seed(seed)
        config = tiny_config(embed_dim)
        return cls(ClipNetwork(**config), tokenizer_for(config["text_cfg"]["context_length"]),
                   "tiny-clip", config)

    @classmethod
    def pretrained(cls, model: str = "ViT-B-32", pretrained: Optional[str] = "openai",
                   cache_dir: Optional[str] = None) -> "ClipEncoder":
        """An open_clip model by name, with ``pretrained`` weights from the cache or the network."""
        import open_clip

        if model not in open_clip.list_models():
            raise ConfigError(f"open_clip has no model {model!r}; pick one of open_clip.list_models().")
        try:
            network = _wrap_pretrained(model, pretrained, cache_dir)
        except Exception as exc:  # downloads fail in many ways (offline hub, HTTP, missing file)
            raise ModelUnavailableError(
                f"The CLIP weights {model}/{pretrained} are not on this machine and could not be "
                f"downloaded ({type(exc).__name__}: {exc}). Connect once to the internet so that "
                "open_clip can cache them (e.g. run `python -c \"import open_clip; open_clip."
                f"create_model('{model}', pretrained='{pretrained}')\"`), or use a local encoder "
                "bundle trained with 'foley-studio train clip'.") from exc
        return cls(network, open_clip.get_tokenizer(model), f"{model}/{pretrained}")

    @classmethod
    def from_bundle(cls, path: str | Path) -> "ClipEncoder":
        """Load ``path/encoder.safetensors`` + ``encoder.json`` (or a path to those files' stem)."""
        from foley_studio.models.weights import load_module, read_meta

        path = Path(path)
        stem = path / BUNDLE_STEM if path.is_dir() else path
        network = load_module(ClipNetwork, stem, kind=KIND)
        config = read_meta(stem, kind=KIND)["config"]
        return cls(network, tokenizer_for(network.context_length), f"clip:{stem.parent.name}", config)

    def save(self, folder: str | Path) -> None:
        """Write this encoder as a local bundle (only for encoders built from a config)."""
        from foley_studio.models.weights import save_module

        if self.config is None:
            raise ConfigError(f"{self.name} is a downloaded open_clip model; it is referenced by "
                              "name, not saved into bundles.")
        save_module(self.network, self.config, Path(folder) / BUNDLE_STEM, kind=KIND)


def tokenizer_for(context_length: int):
    """open_clip's BPE tokenizer (bundled with the package, no download) for ``context_length``."""
    from open_clip.tokenizer import SimpleTokenizer

    return SimpleTokenizer(context_length=context_length)


class _PretrainedNetwork(ClipNetwork):
    """A :class:`ClipNetwork` whose CLIP comes from open_clip's factory (downloaded weights)."""

    def __init__(self, model: nn.Module, mean: tuple, std: tuple, image_size: int,
                 context_length: int) -> None:
        nn.Module.__init__(self)
        self.model, self.image_size, self.context_length = model, image_size, context_length
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1), persistent=False)


def _wrap_pretrained(model: str, pretrained: Optional[str], cache_dir: Optional[str]) -> ClipNetwork:
    import open_clip

    cfg = open_clip.pretrained.get_pretrained_cfg(model, pretrained or "") or {}
    net = open_clip.create_model(model, pretrained=pretrained, cache_dir=cache_dir,
                                 force_quick_gelu=bool(cfg.get("quick_gelu", False)))
    size = net.visual.image_size
    size = int(size[0] if isinstance(size, (tuple, list)) else size)
    return _PretrainedNetwork(net, tuple(cfg.get("mean", OPENAI_MEAN)), tuple(cfg.get("std", OPENAI_STD)),
                              size, int(getattr(net, "context_length", 77)))
