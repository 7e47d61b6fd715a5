"""Importers: fake official-layout checkpoints (tiny sizes) load; wrong ones fail by name."""
from __future__ import annotations

import argparse
import json
from collections import OrderedDict

import pytest
import torch
from torch import nn

from foley_studio.cli import main
from foley_studio.errors import CheckpointError, MissingFileError
from foley_studio.models.echoes.bundle import load_component
from foley_studio.models.echoes.convert import convert_melgan, convert_vqgan, read_checkpoint
from foley_studio.models.echoes.vqgan import VQGAN, VQGANConfig

pytestmark = pytest.mark.filterwarnings("ignore:.*weight_norm.*is deprecated:FutureWarning")

SPEC = VQGANConfig(ch=8, ch_mult=(1, 1, 2, 2, 4), num_res_blocks=2, attn_resolutions=(53,),
                   resolution=848, z_channels=16, embed_dim=16, n_embed=32)
IMAGE = VQGANConfig(in_channels=3, out_channels=3, ch=8, ch_mult=(1, 2, 2), num_res_blocks=1,
                    attn_resolutions=(64,), resolution=256, z_channels=8, embed_dim=8, n_embed=16)


def _lightning(state: dict, path, foreign: bool = True) -> None:
    """Write a Lightning-style checkpoint with training-only loss.* tensors."""
    state = OrderedDict(state)
    state["loss.discriminator.main.0.weight"] = torch.randn(64, 1, 4, 4)
    state["loss.perceptual_loss.net.slice1.0.bias"] = torch.randn(64)
    ckpt = {"state_dict": state, "epoch": 39, "global_step": 1000}
    if foreign:  # Lightning also pickles objects such as the hyper-parameters
        ckpt["hyper_parameters"] = argparse.Namespace(lr=4.5e-6, config="vggsound_codebook.yaml")
    torch.save(ckpt, path)


def _official_melgan(ngf: int = 4, layers: int = 2) -> nn.Module:
    """MelGAN's generator built the way the original code builds it (torch's weight_norm)."""
    wn = nn.utils.weight_norm

    class Res(nn.Module):
        def __init__(self, dim: int, dilation: int) -> None:
            super().__init__()
            self.block = nn.Sequential(nn.LeakyReLU(0.2), nn.ReflectionPad1d(dilation),
                                       wn(nn.Conv1d(dim, dim, 3, dilation=dilation)),
                                       nn.LeakyReLU(0.2), wn(nn.Conv1d(dim, dim, 1)))
            self.shortcut = wn(nn.Conv1d(dim, dim, 1))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.shortcut(x) + self.block(x)

    mult, model = 16, [nn.ReflectionPad1d(3), wn(nn.Conv1d(80, 16 * ngf, 7))]
    for r in (8, 8, 2, 2):
        model += [nn.LeakyReLU(0.2), wn(nn.ConvTranspose1d(mult * ngf, mult * ngf // 2, 2 * r, r,
                                                           r // 2 + r % 2, r % 2))]
        model += [Res(mult * ngf // 2, 3 ** j) for j in range(layers)]
        mult //= 2
    model += [nn.LeakyReLU(0.2), nn.ReflectionPad1d(3), wn(nn.Conv1d(ngf, 1, 7)), nn.Tanh()]
    holder = nn.Module()
    holder.model = nn.Sequential(*model)
    return holder


def test_specvqgan_lightning_checkpoint_imports_and_skips_loss(tmp_path) -> None:
    original = VQGAN(SPEC)
    _lightning(original.state_dict(), tmp_path / "last.ckpt")
    state = read_checkpoint(tmp_path / "last.ckpt")
    assert not any(k.startswith("loss.") for k in state)
    model = convert_vqgan(tmp_path / "last.ckpt", 848)
    assert model.config == SPEC
    for key, value in original.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


def test_cli_writes_bundle_components(tmp_path) -> None:
    _lightning(VQGAN(SPEC).state_dict(), tmp_path / "spec.ckpt")
    _lightning(VQGAN(IMAGE).state_dict(), tmp_path / "image.ckpt", foreign=False)
    torch.save(_official_melgan().state_dict(), tmp_path / "best_netG.pt")
    bundle = tmp_path / "bundle"
    assert main(["weights", "import", "specvqgan", str(tmp_path / "spec.ckpt"), "--bundle", str(bundle)]) == 0
    assert main(["weights", "import", "taming-vqgan", str(tmp_path / "image.ckpt"), "--bundle", str(bundle)]) == 0
    assert main(["weights", "import", "melgan", str(tmp_path / "best_netG.pt"), "--bundle", str(bundle)]) == 0
    meta = json.loads((bundle / "bundle.json").read_text())
    assert meta["kind"] == "echoes" and meta["image_size"] == 256 and meta["vocoder"] == "melgan"
    assert load_component(bundle, "image_vqgan").config == IMAGE
    assert load_component(bundle, "vocoder").config.ngf == 4


def test_official_melgan_state_dict_loads_and_matches_outputs(tmp_path) -> None:
    official = _official_melgan(ngf=4, layers=3)
    torch.save(official.state_dict(), tmp_path / "best_netG.pt")
    ours = convert_melgan(tmp_path / "best_netG.pt")
    assert ours.config.ratios == (8, 8, 2, 2) and ours.config.n_residual_layers == 3
    mel = torch.rand(1, 80, 5)
    with torch.no_grad():
        assert torch.allclose(ours(mel), official.model(mel).squeeze(1), atol=1e-5)


def test_wrong_shape_is_named(tmp_path) -> None:
    state = VQGAN(SPEC).state_dict()
    state["decoder.mid.attn_1.q.weight"] = torch.zeros(3, 3, 1, 1)
    _lightning(state, tmp_path / "bad.ckpt")
    with pytest.raises(CheckpointError, match=r"decoder\.mid\.attn_1\.q\.weight"):
        convert_vqgan(tmp_path / "bad.ckpt", 848)


def test_unexpected_and_missing_tensors_are_named(tmp_path) -> None:
    state = VQGAN(SPEC).state_dict()
    state["transformer.tok_emb.weight"] = torch.zeros(2, 2)
    del state["post_quant_conv.bias"]
    _lightning(state, tmp_path / "mixed.ckpt")
    with pytest.raises(CheckpointError, match=r"post_quant_conv\.bias.*transformer\.tok_emb\.weight"):
        convert_vqgan(tmp_path / "mixed.ckpt", 848)


def test_wrong_kind_and_missing_file(tmp_path) -> None:
    torch.save(_official_melgan().state_dict(), tmp_path / "netG.pt")
    with pytest.raises(CheckpointError, match="encoder.conv_in.weight"):
        convert_vqgan(tmp_path / "netG.pt", 848)
    with pytest.raises(MissingFileError):
        read_checkpoint(tmp_path / "absent.ckpt")
    (tmp_path / "junk.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError):
        read_checkpoint(tmp_path / "junk.ckpt")


def test_foreign_pickled_code_does_not_run(tmp_path) -> None:
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    torch.save({"state_dict": VQGAN(SPEC).state_dict(), "callbacks": Evil()}, tmp_path / "evil.ckpt")
    convert_vqgan(tmp_path / "evil.ckpt", 848)
    assert not marker.exists()
