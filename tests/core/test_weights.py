"""The safetensors + JSON weight format and resumable training checkpoints."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from foley_studio.errors import CheckpointError
from foley_studio.models.weights import load_module, save_module
from foley_studio.training.runtime import EMA, load_checkpoint, save_checkpoint


class Tied(torch.nn.Module):
    def __init__(self, vocab: int, width: int) -> None:
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, width)
        self.out = torch.nn.Linear(width, vocab, bias=False)
        self.out.weight = self.emb.weight


def test_round_trip_with_tied_weights(tmp_path: Path) -> None:
    model = Tied(10, 4)
    save_module(model, {"vocab": 10, "width": 4}, tmp_path / "m", kind="toy")
    again = load_module(Tied, tmp_path / "m", kind="toy")
    assert torch.equal(again.emb.weight, model.emb.weight)
    assert again.out.weight is again.emb.weight


def test_wrong_kind_corrupt_file_and_bad_shape_are_named(tmp_path: Path) -> None:
    save_module(Tied(10, 4), {"vocab": 10, "width": 4}, tmp_path / "m", kind="toy")
    with pytest.raises(CheckpointError, match="not 'other'"):
        load_module(Tied, tmp_path / "m", kind="other")
    save_module(Tied(12, 4), {"vocab": 10, "width": 4}, tmp_path / "bad", kind="toy")
    with pytest.raises(CheckpointError, match=r"emb.weight has shape \(12, 4\)"):
        load_module(Tied, tmp_path / "bad", kind="toy")
    blob = (tmp_path / "m.safetensors").read_bytes()
    (tmp_path / "m.safetensors").write_bytes(blob[:-8] + b"\0" * 8)
    with pytest.raises(CheckpointError, match="sha256"):
        load_module(Tied, tmp_path / "m", kind="toy")
    with pytest.raises(CheckpointError, match="incomplete"):
        load_module(Tied, tmp_path / "absent", kind="toy")


def test_training_checkpoint_resumes_exactly(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    ema = EMA(model, decay=0.9)
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(4, 3)).pow(2).mean().backward()
        opt.step()
        ema.update(model)
    save_checkpoint(tmp_path, model, {"in_features": 3, "out_features": 2}, "lin",
                    optimizer=opt, step=3, ema=ema)
    fresh = torch.nn.Linear(3, 2)
    fresh_opt = torch.optim.AdamW(fresh.parameters(), lr=1e-2)
    fresh_ema = EMA(fresh, decay=0.9)
    step = load_checkpoint(tmp_path, fresh, "lin", optimizer=fresh_opt, ema=fresh_ema)
    assert step == 3
    assert torch.equal(fresh.weight, model.weight)
    assert torch.equal(fresh_ema.shadow.weight, ema.shadow.weight)
    x = torch.randn(4, 3)
    for m, o in ((model, opt), (fresh, fresh_opt)):
        o.zero_grad()
        m(x).pow(2).mean().backward()
        o.step()
    assert torch.allclose(fresh.weight, model.weight)
