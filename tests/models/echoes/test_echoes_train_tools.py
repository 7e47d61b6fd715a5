"""Training helpers of the Echoes tokenizers: dead-code restarts, crop sizes, the clip cache."""
from __future__ import annotations

import argparse

import pytest
import torch

from foley_studio.errors import ConfigError
from foley_studio.models.echoes.train_common import MemoryCache, memory_cached
from foley_studio.models.echoes.train_vqgan import SPEC_PRESETS, CodeRestarts, crop_frames
from foley_studio.models.echoes.vqgan import VQGAN


def test_unused_codes_move_onto_encoder_outputs_on_restart_steps() -> None:
    torch.manual_seed(0)
    vq = VQGAN(SPEC_PRESETS["tiny"])
    restarts = CodeRestarts(vq, every=2, seed=0)
    before = vq.quantize.embedding.weight.detach().clone()
    _, _, idx = vq(torch.rand(2, 1, 80, 32) * 2 - 1)
    assert restarts.update(idx, step=0) == 0  # not a restart step
    first = set(idx.unique().tolist())
    _, _, idx = vq(torch.rand(2, 1, 80, 32) * 2 - 1)
    used = first | set(idx.unique().tolist())
    dead = [c for c in range(vq.config.n_embed) if c not in used]
    assert dead and restarts.update(idx, step=1) == len(dead)
    after = vq.quantize.embedding.weight.detach()
    latents = restarts.latent.permute(0, 2, 3, 1).reshape(-1, after.shape[1])
    assert all((latents == after[c]).all(1).any() for c in dead)
    kept = sorted(used)
    assert torch.equal(after[kept], before[kept]) and not restarts.used.any()


def test_crop_frames_must_fit_the_downsampling() -> None:
    cfg = SPEC_PRESETS["world"]
    assert crop_frames(argparse.Namespace(crop_frames=None), cfg) == cfg.resolution
    assert crop_frames(argparse.Namespace(crop_frames=128), cfg) == 128
    for bad in (100, 0, cfg.resolution + 16):
        with pytest.raises(ConfigError, match="--crop-frames"):
            crop_frames(argparse.Namespace(crop_frames=bad), cfg)


def test_memory_cache_reads_each_item_once() -> None:
    reads: list[int] = []

    class Items:
        def __len__(self) -> int:
            return 3

        def __getitem__(self, i: int) -> int:
            reads.append(i)
            return i * 10

    cached = memory_cached(Items(), True)
    assert isinstance(cached, MemoryCache) and len(cached) == 3
    assert [cached[i] for i in (0, 1, 0, 1, 2)] == [0, 10, 0, 10, 20] and reads == [0, 1, 2]
    plain = Items()
    assert memory_cached(plain, False) is plain


def test_world_mels_span_the_full_band_and_parts_must_share_them(tmp_path) -> None:
    from foley_studio.models.echoes.bundle import update_bundle
    from foley_studio.models.echoes.mel import MEL_PRESETS
    from foley_studio.models.echoes.train_common import preset_mel

    world = preset_mel(tmp_path, "world")  # no bundle.json yet: the preset's settings
    assert (world.f_min, world.f_max) == (0.0, world.sample_rate / 2)
    assert preset_mel(tmp_path, "paper") == MEL_PRESETS["paper"]
    update_bundle(tmp_path, mel=world.to_dict())
    assert preset_mel(tmp_path, "world") == world
    with pytest.raises(ConfigError, match="same --preset"):
        preset_mel(tmp_path, "paper")
