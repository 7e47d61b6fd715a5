"""Import official SpecVQGAN, taming VQGAN and MelGAN weights into an Echoes bundle.

``foley-studio weights import specvqgan|taming-vqgan|melgan FILE --bundle DIR`` reads a released
Lightning ``.ckpt`` (``{"state_dict": ...}``) or a bare state dict, drops the training-only
``loss.*`` tensors (discriminator and perceptual loss), infers the architecture from the tensor
shapes, checks every name and shape against the module tree, and writes the component
(``audio_vqgan``, ``image_vqgan`` or ``vocoder``) into the bundle folder.

Loading never runs pickled code: first ``torch.load(weights_only=True)``; files that also pickle
foreign objects (Lightning callbacks, OmegaConf configs, argparse namespaces) are read with an
unpickler that admits only tensor-rebuilding functions and turns every other class into an inert
placeholder.
"""
from __future__ import annotations

import argparse
import pickle
import re
from pathlib import Path
from typing import Any, Mapping

import torch

from foley_studio.errors import CheckpointError, MissingFileError
from foley_studio.models.echoes import bundle as bundle_io
from foley_studio.models.echoes.melgan import MelGANConfig, MelGANGenerator
from foley_studio.models.echoes.vqgan import VQGAN, VQGANConfig
from foley_studio.models.weights import load_into, require_torch_file
from foley_studio.training.options import add_ranged

SAFE_GLOBALS = {
    ("collections", "OrderedDict"), ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"),
    ("torch", "Size"), ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "slice"),
}
IGNORED_PREFIXES = ("loss.",)


class _Inert:
    """Stands in for any pickled class outside the allow-list; it ignores its arguments and state."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        pass


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in SAFE_GLOBALS:
            return super().find_class(module, name)
        if module == "torch" and isinstance(getattr(torch, name, None), torch.dtype):
            return getattr(torch, name)
        return type(name, (_Inert,), {})


class _SafePickle:
    """A ``pickle_module`` for :func:`torch.load` whose unpickler runs no foreign code."""

    Unpickler = _SafeUnpickler
    load = staticmethod(lambda fh, **kw: _SafeUnpickler(fh, **kw).load())


def read_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    """The model tensors of a Lightning ``.ckpt`` or state-dict file, ``loss.*`` removed."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"Checkpoint {path} does not exist; check the path.")
    require_torch_file(path)
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raw = _load_inert(path)
    except (RuntimeError, EOFError, OSError) as exc:
        raise CheckpointError(f"Cannot read {path}: {exc}. Download it again.") from exc
    state = raw.get("state_dict", raw) if isinstance(raw, Mapping) else None
    if not isinstance(state, Mapping) or not state:
        raise CheckpointError(f"{path} holds no state dict (expected a Lightning checkpoint with "
                              "'state_dict' or a saved state dict).")
    bad = [k for k, v in state.items() if not torch.is_tensor(v)]
    if bad:
        raise CheckpointError(f"{path}: entry {bad[0]} is not a tensor; this is not a weight file.")
    return {k: v for k, v in state.items() if not k.startswith(IGNORED_PREFIXES)}


def _load_inert(path: Path) -> Any:
    try:
        return torch.load(path, map_location="cpu", weights_only=False, pickle_module=_SafePickle)
    except Exception as exc:  # any failure of a foreign file is the user's file problem
        raise CheckpointError(f"Cannot read {path} safely ({exc}); is it a PyTorch checkpoint?") from exc


def _need(state: Mapping[str, torch.Tensor], key: str, source: str) -> torch.Tensor:
    if key not in state:
        raise CheckpointError(f"{source} has no tensor {key}; it is not a checkpoint of this kind.")
    return state[key]


def infer_vqgan_config(state: Mapping[str, torch.Tensor], resolution: int, source: str) -> VQGANConfig:
    """The VQGAN architecture implied by the tensor names and shapes."""
    conv_in = _need(state, "encoder.conv_in.weight", source)
    ch, in_channels = conv_in.shape[0], conv_in.shape[1]
    levels = sorted({int(m.group(1)) for k in state if (m := re.match(r"encoder\.down\.(\d+)\.", k))})
    mult = [_need(state, f"encoder.down.{i}.block.0.conv1.weight", source).shape[0] // ch for i in levels]
    blocks = len({k.split(".")[4] for k in state if k.startswith("encoder.down.0.block.")})
    attn = tuple(resolution // 2 ** i for i in levels if f"encoder.down.{i}.attn.0.q.weight" in state)
    codes = _need(state, "quantize.embedding.weight", source)
    return VQGANConfig(in_channels=in_channels,
                       out_channels=_need(state, "decoder.conv_out.weight", source).shape[0],
                       ch=ch, ch_mult=tuple(mult), num_res_blocks=blocks, attn_resolutions=attn,
                       resolution=resolution,
                       z_channels=_need(state, "encoder.conv_out.weight", source).shape[0],
                       embed_dim=codes.shape[1], n_embed=codes.shape[0])


def infer_melgan_config(state: Mapping[str, torch.Tensor], source: str) -> MelGANConfig:
    """The MelGAN generator size implied by the tensor shapes."""
    first = _need(state, "model.1.weight_v", source)
    ups = sorted((int(m.group(1)), v) for k, v in state.items()
                 if (m := re.match(r"model\.(\d+)\.weight_v$", k)) and v.shape[-1] % 2 == 0)
    ratios = tuple(v.shape[-1] // 2 for _, v in ups)
    layers = len({k.split(".")[1] for k in state if k.endswith(".shortcut.weight_v")}) // max(1, len(ratios))
    return MelGANConfig(input_size=first.shape[1], ngf=first.shape[0] // 2 ** len(ratios),
                        n_residual_layers=layers, ratios=ratios)


def convert_vqgan(path: Path, resolution: int) -> VQGAN:
    """A :class:`VQGAN` holding the official weights in ``path``."""
    state = read_checkpoint(path)
    model = VQGAN(infer_vqgan_config(state, resolution, str(path)))
    load_into(model, state, source=str(path))
    return model


def convert_melgan(path: Path) -> MelGANGenerator:
    """A :class:`MelGANGenerator` holding SpecVQGAN's MelGAN weights in ``path``."""
    state = read_checkpoint(path)
    model = MelGANGenerator(infer_melgan_config(state, str(path)))
    load_into(model, state, source=str(path))
    return model


KINDS = {
    "specvqgan": ("audio_vqgan", 848, "SpecVQGAN spectrogram codebook (.ckpt)"),
    "taming-vqgan": ("image_vqgan", 256, "taming-transformers image VQGAN (.ckpt)"),
    "melgan": ("vocoder", 0, "SpecVQGAN's MelGAN vocoder (best_netG.pt)"),
}


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments shared by the three Echoes importers."""
    parser.add_argument("checkpoint", type=Path, help="the official checkpoint file")
    parser.add_argument("--bundle", type=Path, required=True, help="Echoes bundle folder to write into")
    add_ranged(parser, "resolution", None, "VQGAN input width that places attention",
               shown="848 spectrogram, 256 image")
    add_ranged(parser, "import_image_size", None, "image side for taming-vqgan",
               shown="the VQGAN's resolution")


def run_import(args: argparse.Namespace) -> int:
    """Convert ``args.checkpoint`` and add it to ``args.bundle``."""
    component, resolution, what = KINDS[args.kind]
    if component == "vocoder":
        module: torch.nn.Module = convert_melgan(args.checkpoint)
        bundle_io.save_component(args.bundle, component, module)  # records vocoder "melgan"
    else:
        module = convert_vqgan(args.checkpoint, args.resolution or resolution)
        extra = {"image_size": args.image_size or module.config.resolution} if component == "image_vqgan" else {}
        bundle_io.save_component(args.bundle, component, module, **extra)
    count = sum(p.numel() for p in module.parameters())
    print(f"{what}: {count / 1e6:.1f} M parameters → {args.bundle / component}.safetensors")
    return 0
