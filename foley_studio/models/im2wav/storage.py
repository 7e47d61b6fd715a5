"""How the priors keep their weights while sampling: ``fp32``, ``bf16`` or ``int8``.

A sampling step feeds one token per row (2 rows for a guided take) through every layer, so on a
CPU it is bound by how fast the weights stream from memory, not by arithmetic. Smaller storage
reads fewer bytes per token:

* ``fp32`` — the weights as trained (4 bytes each).
* ``bf16`` — the whole prior in bfloat16 (2 bytes), activations too; LayerNorm stays float32.
* ``int8`` — the transformer's linear layers quantised with torch's dynamic quantisation
  (int8 weights with one scale per tensor, activations quantised per step; 1 byte each); the
  embeddings, conditioning and output projection stay float32.

On a CPU the default is :data:`CPU_LARGE_STORAGE` for priors whose transformer weights
outgrow the last-level cache (:data:`CACHE_BOUND_BYTES`), where the bytes read per step set the
speed, and float32 below that, where the weights stay in cache and quantising activations only
adds work. The choice and its measurements (speed at paper size, mean KL against float32 on the
starter priors) are in the README's "IM2WAV on a CPU" section and
``benchmarks/bench_im2wav_cpu.py``.
"""
from __future__ import annotations

import copy
import warnings
from typing import Optional

import torch
from torch import nn
from torch.ao.nn.quantized import Linear as QuantizedLinear

from foley_studio.errors import ConfigError

STORAGES = ("fp32", "bf16", "int8")
CPU_LARGE_STORAGE = "int8"
CACHE_BOUND_BYTES = 64 << 20  # fp32 transformer weights above this are read from DRAM each step
_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "int8": torch.float32}


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
    quantised = copy.copy(prior)  # a shallow copy: only the transformer is replaced
    quantised._modules = dict(prior._modules)
    quantised.transformer = quantized_linears(prior.transformer.float())
    return quantised.float()


def quantized_linears(module: nn.Module) -> nn.Module:
    """A copy of ``module`` whose ``nn.Linear`` layers are torch's dynamic int8 ones."""
    with warnings.catch_warnings():  # torch announces a move of this API to torchao; 2.11 has it
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.ao.quantization.quantize_dynamic(module, {nn.Linear}, dtype=torch.qint8)


def weight_bytes(module: nn.Module) -> int:
    """Bytes of weights (and biases) ``module`` reads in one pass, as they are stored."""
    total = 0
    for sub in module.modules():
        if isinstance(sub, QuantizedLinear):  # int8 weight (one scale), float32 bias
            weight, bias = sub.weight(), sub.bias()
            total += weight.numel() * weight.element_size() + (0 if bias is None else bias.numel() * 4)
        else:
            total += sum(p.numel() * p.element_size() for p in sub.parameters(recurse=False))
    return total


def _check(storage: str) -> None:
    if storage not in STORAGES:
        raise ConfigError(f"Unknown weight storage {storage!r}; use one of {', '.join(STORAGES)}.")
