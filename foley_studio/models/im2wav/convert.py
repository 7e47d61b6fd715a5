"""Make an IM2WAV bundle from the released checkpoints or from trained checkpoint folders.

Released files (``vqvae.tar``, ``low.tar``, ``up.tar``) are converted; folders written by the
``train im2wav-*`` stages are assembled with an encoder (:func:`assemble`).

Each file is a ``torch.save`` dict ``{"hps": dict, "model": state_dict, "opt": ..., "step": ...}``.
The converter strips DDP's ``module.`` prefix, maps the names onto this package's modules,
transposes the ``[in, out]`` Conv1D weights of the transformer into ``nn.Linear`` layout,
upcasts fp16 weights to float32 (exact), drops the tied ``prior.x_out.weight`` after checking that
it equals ``prior.x_emb.weight``, reads the UP conditioner's ``blocks`` naming, and rejects any
file whose tensors do not fit, naming the tensor.

Loading never runs arbitrary pickled code by default: ``torch.load(weights_only=True)`` only
rebuilds tensors and plain containers, plus the few numpy scalar/dtype reconstructors allow-listed
below (training metrics are sometimes numpy floats; these rebuild numbers from bytes and call
nothing else). A file that needs any other global is refused with its name, unless the user passes
``--trust-pickle`` for a file whose origin they trust.
"""
from __future__ import annotations

import argparse
import pickle
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from foley_studio.errors import CheckpointError
from foley_studio.models.im2wav.prior import LowPrior, UpPrior
from foley_studio.models.im2wav.vqvae import VQVAE
from foley_studio.models.weights import require_torch_file, save_state

OPENAI_CLIP = {"type": "open_clip", "model": "ViT-B-32", "pretrained": "openai"}


def _numpy_safe_globals() -> list[Any]:
    core = getattr(np, "_core", None) or np.core
    found = [core.multiarray.scalar, np.dtype]
    dtypes = getattr(np, "dtypes", None)
    for name in ("Float64DType", "Float32DType", "Int64DType", "Int32DType", "BoolDType"):
        if dtypes is not None and hasattr(dtypes, name):
            found.append(getattr(dtypes, name))
    return found


def read_checkpoint(path: Path, *, trust_pickle: bool = False) -> dict[str, Any]:
    """Load an official checkpoint without executing pickled code (unless ``trust_pickle``)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path} does not exist; give the path of the downloaded checkpoint.")
    require_torch_file(path, "an IM2WAV checkpoint")
    try:
        with torch.serialization.safe_globals(_numpy_safe_globals()):
            data = torch.load(path, map_location="cpu", weights_only=not trust_pickle)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(
            f"{path} contains pickled objects other than tensors and plain data ({first}). "
            "Refusing to run its code; if you trust where the file came from, rerun with "
            "--trust-pickle.") from exc
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path} is not a readable PyTorch checkpoint ({exc}).") from exc
    return _unwrap(data, path)


def _unwrap(data: Any, path: Path) -> dict[str, Any]:
    if isinstance(data, dict) and isinstance(data.get("model"), dict):
        state, hps = data["model"], dict(data.get("hps") or {})
    elif isinstance(data, dict) and data and all(torch.is_tensor(v) for v in data.values()):
        state, hps = data, {}
    else:
        raise CheckpointError(f"{path} is not an IM2WAV checkpoint: expected a dict with 'model' "
                              "(a state dict) and 'hps'.")
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    return {"state": state, "hps": hps, "path": path}


def _need(state: dict, key: str, path: Path) -> torch.Tensor:
    if key not in state:
        raise CheckpointError(f"{path}: tensor {key} is missing; is this the right file "
                              "(--vqvae, --low, --up)?")
    return state[key]


def _depth(state: dict, pattern: str) -> int:
    found = [int(m.group(1)) for k in state if (m := re.match(pattern, k))]
    return max(found) + 1 if found else 0


# --------------------------------------------------------------------------------- VQ-VAE
def vqvae_config(ckpt: dict) -> dict[str, Any]:
    """Constructor arguments of :class:`VQVAE` from the checkpoint's hps and tensor shapes."""
    state, hps, path = ckpt["state"], ckpt["hps"], ckpt["path"]
    k0 = _need(state, "bottleneck.level_blocks.0.k", path)
    conv0 = _need(state, "encoders.0.level_blocks.0.model.0.0.weight", path)
    if any(m not in (None, 1) for m in (hps.get("hvqvae_multipliers") or [])):
        raise CheckpointError(f"{path}: hvqvae_multipliers {hps['hvqvae_multipliers']} are not supported.")
    levels = _depth(state, r"bottleneck\.level_blocks\.(\d+)\.k$")
    return dict(levels=levels, downs_t=list(hps.get("downs_t", (3, 2)))[:levels],
                strides_t=list(hps.get("strides_t", (2, 2)))[:levels], emb_width=int(k0.shape[1]),
                l_bins=int(k0.shape[0]), width=int(conv0.shape[0]),
                depth=_depth(state, r"encoders\.0\.level_blocks\.0\.model\.0\.1\.model\.(\d+)\."),
                m_conv=float(hps.get("m_conv", 1.0)),
                dilation_growth_rate=int(hps.get("dilation_growth_rate", 3)),
                dilation_cycle=hps.get("dilation_cycle"),
                reverse_decoder_dilation=bool(hps.get("vqvae_reverse_decoder_dilation", True)),
                mu=float(hps.get("l_mu", 0.99)), commit=float(hps.get("commit", 0.02)),
                sample_rate=int(hps.get("sr", 16000)))


def convert_vqvae(ckpt: dict) -> tuple[VQVAE, dict[str, torch.Tensor]]:
    """The model and its state dict (the official names are this package's names)."""
    model = VQVAE(**vqvae_config(ckpt))
    state = {k: v.float() for k, v in ckpt["state"].items() if not k.endswith(("k_sum", "k_elem"))}
    for level in range(model.levels):
        prefix = f"bottleneck.level_blocks.{level}."
        k = _need(state, prefix + "k", ckpt["path"])
        state.update({prefix + "k_sum": k.clone(), prefix + "k_elem": torch.ones(k.shape[0]),
                      prefix + "initialised": torch.ones((), dtype=torch.bool)})
    return model, _check(model, state, {}, ckpt["path"])


# --------------------------------------------------------------------------------- priors
def _rename_prior(key: str) -> str:
    key = re.sub(r"^prior\.transformer\._attn_mods\.", "transformer.blocks.", key)
    key = re.sub(r"^prior\.pos_emb\.pos_emb$", "pos_emb", key)
    key = re.sub(r"^prior\.x_emb\.", "x_emb.", key)
    key = re.sub(r"\.w$", ".weight", key)
    key = re.sub(r"(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.b$", r"\1.bias", key)
    key = key.replace(".sequential.", ".")
    key = key.replace("y_emb.null_CLIP", "y_emb.null_start")
    key = key.replace("y_emb.null_video_CLIP", "y_emb.null_frame")
    return key.replace("conditioner_blocks.0.", "upsampler.")


def _official_name(name: str) -> str:
    """The released checkpoint's name of one of this package's prior tensors."""
    if name.startswith("clip_map."):
        name = "y_emb." + name
    name = name.replace("upsampler.", "conditioner_blocks.0.")
    name = name.replace("y_emb.null_start", "y_emb.null_CLIP")
    name = name.replace("y_emb.null_frame", "y_emb.null_video_CLIP")
    name = re.sub(r"(clip_map|video_map)\.(\d)", r"\1.sequential.\2", name)
    name = re.sub(r"(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$", r"\1.w", name)
    name = re.sub(r"(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.bias$", r"\1.b", name)
    name = re.sub(r"^transformer\.blocks\.", "prior.transformer._attn_mods.", name)
    return {"pos_emb": "prior.pos_emb.pos_emb", "x_emb.weight": "prior.x_emb.weight"}.get(name, name)


def _prior_tensors(ckpt: dict, up: bool) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """This package's tensors and, for error messages, each one's official name."""
    state, path = ckpt["state"], ckpt["path"]
    emb = _need(state, "prior.x_emb.weight", path)
    out_w = state.get("prior.x_out.weight")
    if out_w is not None and not torch.equal(out_w.float(), emb.float()):
        raise CheckpointError(f"{path}: tensor prior.x_out.weight differs from prior.x_emb.weight; "
                              "this model does not tie them and cannot be imported.")
    tensors, official = {}, {}
    for key, value in state.items():
        if key == "prior.x_out.weight":
            continue
        name = _rename_prior(key)
        if up and name.startswith("y_emb.clip_map."):
            name = name[len("y_emb."):]
        value = value.float()
        if key.endswith(".w"):  # Conv1D [in, out] → nn.Linear [out, in]
            value = value.t().contiguous()
        tensors[name], official[name] = value, key
    return tensors, official


def _prior_common(ckpt: dict) -> dict[str, Any]:
    state, hps, path = ckpt["state"], ckpt["hps"], ckpt["path"]
    emb = _need(state, "prior.x_emb.weight", path)
    width = int(emb.shape[1])
    c_proj = _need(state, "prior.transformer._attn_mods.0.attn.c_proj.w", path)
    c_fc = _need(state, "prior.transformer._attn_mods.0.mlp.c_fc.w", path)
    clip = _need(state, "y_emb.clip_map.sequential.0.weight", path)
    return dict(bins=int(emb.shape[0]), width=width,
                depth=_depth(state, r"prior\.transformer\._attn_mods\.(\d+)\."),
                n_ctx=int(_need(state, "prior.pos_emb.pos_emb", path).shape[0]),
                heads=int(hps.get("heads", 1)), attn_order=int(hps.get("attn_order", 2)),
                blocks=int(hps.get("blocks", 64)), m_attn=c_proj.shape[0] / width,
                m_mlp=c_fc.shape[1] / width, clip_dim=int(clip.shape[1]))


def convert_low(ckpt: dict, hop: int) -> tuple[LowPrior, dict[str, torch.Tensor]]:
    """The LOW prior and its state dict; ``hop`` is the VQ-VAE's LOW hop."""
    state, hps, path = ckpt["state"], ckpt["hps"], ckpt["path"]
    _need(state, "y_emb.video_map.sequential.0.weight", path)
    t_bins = int(_need(state, "y_emb.total_length_emb.emb.weight", path).shape[0])
    config = dict(_prior_common(ckpt), t_bins=t_bins,
                  sample_rate=int(hps.get("sr", 16000)), min_duration=float(hps.get("min_duration", 2.05)),
                  max_duration=float(hps.get("max_duration", 600.0)),
                  guidance="y_emb.null_CLIP" in state, hop=hop)
    model = LowPrior(**config)
    return model, _check(model, *_prior_tensors(ckpt, up=False), path)


def convert_up(ckpt: dict, vq: VQVAE) -> tuple[UpPrior, dict[str, torch.Tensor]]:
    """The UP prior and its state dict; the conditioner's strides come from the VQ-VAE."""
    state, hps, path = ckpt["state"], ckpt["hps"], ckpt["path"]
    conv = _need(state, "conditioner_blocks.0.cond.model.0.weight", path)
    cond_down = vq.config["downs_t"][1]
    config = dict(_prior_common(ckpt), cond_width=int(conv.shape[0]),
                  cond_depth=_depth(state, r"conditioner_blocks\.0\.cond\.model\.1\.0\.blocks\.(\d+)\."),
                  cond_down=cond_down, cond_stride=vq.config["strides_t"][1],
                  cond_dilation_growth_rate=int(hps.get("cond_dilation_growth_rate", 3)),
                  cond_dilation_cycle=hps.get("cond_dilation_cycle", 8), hop=vq.hops[0])
    model = UpPrior(**config)
    return model, _check(model, *_prior_tensors(ckpt, up=True), path)


def _check(model: torch.nn.Module, tensors: dict[str, torch.Tensor], official: dict[str, str],
           path: Path) -> dict[str, torch.Tensor]:
    """Every tensor present, none extra, every shape right; errors name the official tensor."""
    expected = model.state_dict()
    name = lambda k: official.get(k, _official_name(k) if official else k)  # noqa: E731
    extra = sorted(set(tensors) - set(expected))
    if extra:
        raise CheckpointError(f"{path}: unexpected tensor {name(extra[0])} ({len(extra)} in all); "
                              "the file does not match an IM2WAV model of this kind.")
    missing = sorted(set(expected) - set(tensors))
    if missing:
        raise CheckpointError(f"{path}: tensor {name(missing[0])} is missing ({len(missing)} in all); "
                              "is this the right file (--vqvae, --low, --up)?")
    for key, value in tensors.items():
        if tuple(value.shape) != tuple(expected[key].shape):
            raise CheckpointError(f"{path}: tensor {name(key)} has shape {tuple(value.shape)}, "
                                  f"expected {tuple(expected[key].shape)}.")
    model.load_state_dict(tensors, strict=True)
    return tensors


# --------------------------------------------------------------------------------- bundle
def convert(vqvae_path: Path, low_path: Path, up_path: Path, out: Path, *, name: str = "im2wav",
            trust_pickle: bool = False, log: Callable[[str], None] = print) -> Path:
    """Convert the three released files into the bundle folder ``out``."""
    from foley_studio.models.im2wav.generator import write_bundle_meta
    from foley_studio.models.im2wav.windows import OFFICIAL

    vq_model, vq_state = convert_vqvae(read_checkpoint(vqvae_path, trust_pickle=trust_pickle))
    log(f"vqvae: {vq_model.levels} levels, hops {vq_model.hops}, {vq_model.l_bins} codes")
    low_model, low_state = convert_low(read_checkpoint(low_path, trust_pickle=trust_pickle), vq_model.hops[1])
    log(f"low:   {low_model.config['depth']} layers × {low_model.width}, n_ctx {low_model.n_ctx}")
    up_model, up_state = convert_up(read_checkpoint(up_path, trust_pickle=trust_pickle), vq_model)
    log(f"up:    {up_model.config['depth']} layers × {up_model.width}, n_ctx {up_model.n_ctx}")
    for stem, model, state, source in (("vqvae", vq_model, vq_state, vqvae_path),
                                       ("low", low_model, low_state, low_path),
                                       ("up", up_model, up_state, up_path)):
        save_state(state, model.config, out / stem, kind=f"im2wav-{stem}",
                   extra={"source": Path(source).name})
    write_bundle_meta(out, name=name, description="IM2WAV (released weights, converted)",
                      overlap=0.5, encoder_spec=OPENAI_CLIP, conditioning=OFFICIAL)
    return out


def assemble(vqvae_dir: Path, low_dir: Path, up_dir: Path, out: Path, *, encoder: str,
             name: str = "im2wav") -> Path:
    """Make a bundle from the checkpoint folders of the three trainers (EMA weights of the priors
    when present) and an encoder: a local encoder bundle folder (copied in) or an open_clip
    ``MODEL/PRETRAINED`` name."""
    from foley_studio.encoders.clip import ClipEncoder
    from foley_studio.models.im2wav.generator import Im2WavGenerator
    from foley_studio.models.im2wav.train_prior import load_trained_vqvae
    from foley_studio.models.weights import load_module

    def prior(cls, folder: Path, kind: str):
        stem = "ema" if (Path(folder) / "ema.json").is_file() else "model"
        return load_module(cls, Path(folder) / stem, kind=kind)

    if Path(encoder).is_dir():
        enc, spec = ClipEncoder.from_bundle(encoder), {"type": "bundle", "path": "encoder"}
    else:
        model, _, pretrained = encoder.partition("/")
        enc, spec = ClipEncoder.pretrained(model, pretrained or None), {
            "type": "open_clip", "model": model, "pretrained": pretrained or None}
    gen = Im2WavGenerator(load_trained_vqvae(vqvae_dir), prior(LowPrior, low_dir, "im2wav-low"),
                          prior(UpPrior, up_dir, "im2wav-up"), enc, name=name, encoder_spec=spec,
                          device="cpu", storage="fp32")
    return gen.save_bundle(out, name=name, description="IM2WAV trained with foley-studio train")


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``foley-studio weights import im2wav``."""
    parser.add_argument("--vqvae", type=Path, required=True,
                        help="the released vqvae.tar, or a 'train im2wav-vqvae' checkpoint folder")
    parser.add_argument("--low", type=Path, required=True, help="low.tar, or a LOW checkpoint folder")
    parser.add_argument("--up", type=Path, required=True, help="up.tar, or an UP checkpoint folder")
    parser.add_argument("--out", type=Path, required=True, help="bundle folder to write")
    parser.add_argument("--name", default="im2wav", help="bundle name in the registry (default %(default)s)")
    parser.add_argument("--encoder", default="ViT-B-32/openai",
                        help="for checkpoint folders: encoder bundle folder or open_clip "
                             "MODEL/PRETRAINED (default %(default)s)")
    parser.add_argument("--trust-pickle", action="store_true",
                        help="allow arbitrary pickled objects (only for files you trust; default off)")


def run_import(args: argparse.Namespace) -> int:
    """Convert (released files) or assemble (trained folders) and report where the bundle went."""
    if args.vqvae.is_dir():
        out = assemble(args.vqvae, args.low, args.up, args.out, encoder=args.encoder, name=args.name)
    else:
        out = convert(args.vqvae, args.low, args.up, args.out, name=args.name,
                      trust_pickle=args.trust_pickle)
    print(f"wrote IM2WAV bundle {args.name!r} to {out}")
    return 0
