"""Weight storage of the priors: int8 and bf16 copies compute what float32 does (closely), the
CPU default follows the prior's size, and quantised generators refuse to be saved."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_studio.errors import ConfigError
from foley_studio.generation import Conditioning
from foley_studio.models.im2wav.generator import TINY_LOW, Im2WavGenerator
from foley_studio.models.im2wav.prior import LowPrior
from foley_studio.models.im2wav.storage import (CACHE_BOUND_BYTES, CPU_LARGE_STORAGE, Int8Linear,
                                                choose_storage, default_storage, to_storage,
                                                weight_bytes)
from foley_studio.requests import SamplerSettings

CPU = torch.device("cpu")


def _step_log_probs(prior, dtype):
    torch.manual_seed(1)
    start, x_cond = torch.randn(2, prior.width), torch.randn(2, prior.n_ctx, prior.width) * 0.1
    cache = prior.transformer.allocate_cache(2, device=CPU, dtype=dtype)
    tokens = torch.randint(0, prior.bins, (2, 12))
    out = [prior.step(None, 0, start.to(dtype), x_cond.to(dtype), cache)]
    out += [prior.step(tokens[:, p - 1], p, start.to(dtype), x_cond.to(dtype), cache) for p in range(1, 12)]
    return torch.log_softmax(torch.stack(out).float(), -1)  # (T, R, V)


@torch.no_grad()
@pytest.mark.parametrize("storage, dtype", [("int8", torch.bfloat16), ("bf16", torch.bfloat16)])
def test_reduced_storage_steps_close_to_float32(storage, dtype):
    torch.manual_seed(0)
    prior = LowPrior(**{**TINY_LOW, "width": 64}).eval()
    reference = _step_log_probs(prior, torch.float32)
    reduced = to_storage(prior, storage, CPU)
    p, q = reference, _step_log_probs(reduced, dtype)
    kl = (p.exp() * (p - q)).sum(-1).mean()
    assert 0 < kl < 0.01


def test_int8_reads_a_byte_per_linear_weight():
    prior = LowPrior(**{**TINY_LOW, "width": 64}).eval()
    quantised = to_storage(prior, "int8", CPU)
    linears = [m for m in prior.transformer.modules() if isinstance(m, torch.nn.Linear)]
    weights = sum(m.weight.numel() for m in linears)
    channels = sum(m.out_features for m in linears)  # one bf16 scale and one bf16 bias each
    others = weight_bytes(prior.transformer) // 4 - weights - channels  # norms, in bf16
    assert weight_bytes(quantised.transformer) == weights + 2 * channels * 2 + 2 * others
    assert isinstance(prior.transformer.blocks[0].attn.c_attn, torch.nn.Linear)  # the original stays
    assert next(prior.parameters()).dtype == torch.float32


def test_int8_linear_matches_its_float_layer():
    torch.manual_seed(0)
    layer = torch.nn.Linear(64, 48)
    x = torch.randn(3, 2, 64)
    y = Int8Linear(layer)(x.bfloat16()).float()  # (3, 2, 48)
    assert y.shape == (3, 2, 48)
    assert torch.allclose(y, layer(x), atol=0.03, rtol=0.03)


def test_cpu_default_is_int8_only_where_weights_outgrow_the_cache():
    small = LowPrior(**TINY_LOW)
    large = LowPrior(bins=64, width=1024, depth=6, n_ctx=64, blocks=4, clip_dim=32)
    assert weight_bytes(small.transformer) < CACHE_BOUND_BYTES < weight_bytes(large.transformer)
    assert default_storage(CPU, small) == "fp32"
    assert default_storage(CPU, large) == CPU_LARGE_STORAGE
    assert choose_storage(CPU, large, dtype=torch.float32) == "fp32"
    assert choose_storage(CPU, large, storage="bf16") == "bf16"
    with pytest.raises(ConfigError, match="Unknown weight storage"):
        choose_storage(CPU, small, storage="fp8")


def test_an_int8_generator_samples_and_refuses_to_save(tmp_path):
    gen = Im2WavGenerator.tiny(0)
    gen.save_bundle(tmp_path / "b", name="t")
    int8 = Im2WavGenerator.from_bundle(tmp_path / "b", device="cpu", storage="int8")
    assert int8.storage == "int8" and int8.dtype == torch.bfloat16
    frame = np.full((1, 32, 32, 3), 128, np.uint8)
    out = int8.generate(Conditioning(0.3, frames=frame, frame_times=np.zeros(1)), takes=2, seed=0,
                        sampler=SamplerSettings())
    assert out.shape == (2, 4800) and np.isfinite(out).all()
    with pytest.raises(ConfigError, match="int8"):
        int8.save_bundle(tmp_path / "c")


def test_storage_lists_are_checked_as_the_command_line_is_read(capsys):
    import argparse

    from foley_studio.models.im2wav.storage import STORAGES, name_list

    parser = argparse.ArgumentParser()
    parser.add_argument("--storages", type=name_list(STORAGES), default="fp32,int8")
    assert parser.parse_args([]).storages == ["fp32", "int8"]
    assert parser.parse_args(["--storages", " bf16 "]).storages == ["bf16"]
    for bad in ("fp8", "", "int8,fp16"):
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args(["--storages", bad])
        assert exit_.value.code == 2 and "use one or more of fp32, bf16, int8" in capsys.readouterr().err
