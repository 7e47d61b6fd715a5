"""How the priors keep their weights while sampling: ``fp32``, ``bf16`` or ``int8``.

A sampling step feeds one token per row (2 rows for a guided take) through every layer, so on a
CPU it is bound by how fast the weights stream from memory, not by arithmetic. Smaller storage
reads fewer bytes per token:

* ``fp32`` — the weights as trained (4 bytes each).
* ``bf16`` — the whole prior in bfloat16 (2 bytes), activations too; LayerNorm stays float32.
* ``int8`` — weight-only int8: the transformer's linear layers keep int8 weights with one
  bfloat16 scale per output channel (1 byte each) and multiply bfloat16 activations with torch's
  ``_weight_int8pack_mm`` CPU kernel; everything else is bfloat16 as in ``bf16``.

On a CPU the default is :data:`CPU_LARGE_STORAGE` for priors whose transformer weights
outgrow the last-level cache (:data:`CACHE_BOUND_BYTES`), where the bytes read per step set the
speed, and float32 below that, where the weights stay in cache and bfloat16 arithmetic
(emulated on CPUs without AVX-512 BF16) only adds work. The choice and its measurements (speed
at paper size, mean KL against float32 on the starter priors) are in the README's "IM2WAV on a
CPU" section and ``benchmarks/bench_im2wav_cpu.py``.
"""
from __future__ import annotations

import argparse
import copy
from typing import Optional, Sequence

import torch
from torch import nn

from foley_studio.errors import ConfigError

STORAGES = ("fp32", "bf16", "int8")
CPU_LARGE_STORAGE = "int8"
CACHE_BOUND_BYTES = 64 << 20  # fp32 transformer weights above this are read from DRAM each step
_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "int8": torch.bfloat16}


def activation_dtype(storage: str) -> torch.dtype:
    """The dtype of the activations (and the KV cache) for ``storage``."""
    _check(storage)
    return _DTYPES[storage]


def storage_for_dtype(dtype: torch.dtype) -> str:
    """The float storage named by a dtype (float32 or bfloat16)."""
    for name, value in _DTYPES.items():
        if value == dtype and name != "int8":
            return name
    raise ConfigError(f"Priors run in float32 or bfloat16, not {dtype}.")


def choose_storage(device: torch.device, prior: nn.Module, dtype: Optional[torch.dtype] = None,
                   storage: Optional[str] = None) -> str:
    """``storage`` if given, else the float storage of ``dtype`` if given, else the default."""
    if storage is not None:
        _check(storage)
        return storage
    return storage_for_dtype(dtype) if dtype is not None else default_storage(device, prior)


def default_storage(device: torch.device, prior: nn.Module) -> str:
    """bf16 on a GPU that supports it; on a CPU int8 for cache-outgrowing priors, else fp32."""
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    if device.type == "cpu" and weight_bytes(prior.transformer) > CACHE_BOUND_BYTES:
        return CPU_LARGE_STORAGE
    return "fp32"


def to_storage(prior: nn.Module, storage: str, device: torch.device) -> nn.Module:
    """``prior`` (float32, in eval mode) moved to ``device`` in ``storage``; int8 is CPU only and
    returns a quantised copy, leaving ``prior`` itself untouched."""
    _check(storage)
    if storage != "int8":
        return prior.to(device, _DTYPES[storage])
    if device.type != "cpu":
        raise ConfigError("int8 storage uses torch's CPU kernels; on a GPU use bf16 or fp32.")
    return int8_copy(prior.float().cpu())


class Int8Linear(nn.Module):
    """A linear map with int8 weights ``(N, K)``, one scale per output channel ``(N,)`` and a
    bias, all fixed; bfloat16 inputs ``(..., K)`` give bfloat16 ``(..., N)`` through torch's
    ``_weight_int8pack_mm`` CPU kernel."""

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        weight = linear.weight.detach().float()  # (N, K)
        scale = weight.abs().amax(1).clamp_min(1e-12) / 127  # (N,) symmetric, per channel
        codes = (weight / scale[:, None]).round().clamp(-127, 127).to(torch.int8).contiguous()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.register_buffer("weight", codes)
        self.register_buffer("scales", scale.to(torch.bfloat16))
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().to(torch.bfloat16))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch._weight_int8pack_mm(x.reshape(-1, self.in_features), self.weight, self.scales)  # (M, N)
        y = y.reshape(*x.shape[:-1], self.out_features)
        return y if self.bias is None else y.add_(self.bias)


def int8_copy(module: nn.Module, quantise: bool = False) -> nn.Module:
    """A bfloat16 copy of ``module`` whose ``nn.Linear`` layers inside its ``transformer`` (or
    everywhere with ``quantise``) are :class:`Int8Linear`; ``module`` itself is left untouched."""
    if quantise and isinstance(module, nn.Linear):
        return Int8Linear(module)
    clone = copy.copy(module)
    cast = lambda t: t.detach().to(torch.bfloat16) if t.is_floating_point() else t  # noqa: E731
    clone._parameters = {k: None if p is None else nn.Parameter(cast(p), p.requires_grad)
                         for k, p in module._parameters.items()}
    clone._buffers = {k: None if b is None else cast(b) for k, b in module._buffers.items()}
    clone._modules = {k: None if m is None else int8_copy(m, quantise or k == "transformer")
                      for k, m in module._modules.items()}
    return clone


def weight_bytes(module: nn.Module) -> int:
    """Bytes of weights (and biases) ``module`` reads in one pass, as they are stored."""
    total = 0
    for sub in module.modules():
        tensors = list(sub.parameters(recurse=False))
        if isinstance(sub, Int8Linear):  # int8 weight, per-channel scales and bias as buffers
            tensors += list(sub.buffers(recurse=False))
        total += sum(t.numel() * t.element_size() for t in tensors)
    return total


def name_list(allowed: Sequence[str]):
    """An argparse ``type``: comma-separated names, each one of ``allowed`` (else one line, exit 2)."""
    def parse(text: str) -> list[str]:
        names = [n.strip() for n in text.split(",") if n.strip()]
        unknown = [n for n in names if n not in allowed]
        if unknown or not names:
            raise argparse.ArgumentTypeError(f"use one or more of {', '.join(allowed)} "
                                             f"(got {text!r})")
        return names
    return parse


def _check(storage: str) -> None:
    if storage not in STORAGES:
        raise ConfigError(f"Unknown weight storage {storage!r}; use one of {', '.join(STORAGES)}.")
