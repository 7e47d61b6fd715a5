"""Training CLIs on a tiny rendered world: every stage runs, resumes, and fills a bundle."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from foley_studio.cli import main
from foley_studio.errors import CheckpointError
from foley_studio.generation import Conditioning
from foley_studio.models.echoes.generator import EchoesGenerator
from foley_studio.requests import SamplerSettings

COMMON = ["--preset", "tiny", "--batch-size", "2", "--log-every", "1", "--device", "cpu"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("world")
    assert main(["synth", "--out", str(root), "--clips", "4", "--seed", "0", "--seconds", "2",
                 "--workers", "1"]) == 0
    return root


@pytest.fixture(scope="module")
def tokenizers(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    bundle = tmp_path_factory.mktemp("bundle") / "echoes-world"
    out = tmp_path_factory.mktemp("runs")
    for stage, extra in (("echoes-spec-vqgan", ["--disc-from", "1"]), ("echoes-image-vqgan", [])):
        args = ["train", stage, "--data", str(world), "--out", str(out / stage), "--bundle",
                str(bundle), "--steps", "2", *COMMON, *extra]
        assert main(args) == 0
        log = [json.loads(line) for line in (out / stage / "log.jsonl").read_text().splitlines()]
        assert [r["step"] for r in log] == [1, 2] and all(np.isfinite(r["rec"]) for r in log)
    assert "disc" in log[-1] or stage == "echoes-image-vqgan"
    return bundle


def _log(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "log.jsonl").read_text().splitlines()]


def test_spectrogram_vqgan_uses_the_discriminator_after_its_start(world: Path, tmp_path: Path) -> None:
    out = tmp_path / "spec"
    assert main(["train", "echoes-spec-vqgan", "--data", str(world), "--out", str(out), "--bundle",
                 str(tmp_path / "b"), "--steps", "2", "--disc-from", "1", *COMMON]) == 0
    log = _log(out)
    assert "disc" not in log[0] and np.isfinite(log[1]["disc"])


def test_vocoder_trains_with_stft_and_gan_losses(world: Path, tmp_path: Path) -> None:
    out = tmp_path / "voc"
    assert main(["train", "echoes-vocoder", "--data", str(world), "--out", str(out), "--bundle",
                 str(tmp_path / "b"), "--steps", "2", "--segment", "4096", "--gan-from", "1", *COMMON]) == 0
    log = _log(out)
    assert all(np.isfinite(r["stft"]) for r in log) and "disc" in log[1]
    assert json.loads((tmp_path / "b" / "bundle.json").read_text())["vocoder"] == "melgan"


def test_vocos_vocoder_trains_and_the_bundle_says_which_vocoder(world: Path, tmp_path: Path) -> None:
    from foley_studio.models.echoes import bundle as bundle_io
    from foley_studio.models.echoes.vocos import VocosVocoder

    out, bundle = tmp_path / "vocos", tmp_path / "b"
    assert main(["train", "echoes-vocoder", "--arch", "vocos", "--data", str(world), "--out", str(out),
                 "--bundle", str(bundle), "--steps", "2", "--segment", "4096", *COMMON]) == 0
    log = _log(out)
    assert [r["step"] for r in log] == [1, 2] and all(np.isfinite(r["stft"]) for r in log)
    assert json.loads((bundle / "bundle.json").read_text())["vocoder"] == "vocos"
    assert isinstance(bundle_io.load_component(bundle, "vocoder", vocoder="vocos"), VocosVocoder)
    with pytest.raises(CheckpointError, match="echoes-vocos"):
        bundle_io.load_component(bundle, "vocoder", vocoder="melgan")


def test_transformer_trains_resumes_and_completes_the_bundle(world: Path, tokenizers: Path,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "tr"
    args = ["train", "echoes-transformer", "--data", str(world), "--out", str(out), "--bundle",
            str(tokenizers), "--seconds", "1.5", "--frames", "2", "--fps", "4", *COMMON]
    assert main([*args, "--steps", "2"]) == 0
    assert (out / "tokens.safetensors").is_file()
    assert main([*args, "--steps", "3", "--resume"]) == 0
    assert [r["step"] for r in _log(out)] == [1, 2, 3]
    assert all(np.isfinite(r["loss"]) for r in _log(out))
    main(["train", "echoes-vocoder", "--data", str(world), "--out", str(tmp_path / "v"), "--bundle",
          str(tokenizers), "--steps", "1", "--segment", "4096", *COMMON])
    gen = EchoesGenerator.from_bundle(tokenizers, device="cpu")
    assert gen.model.config.frames == 2 and gen.window_cols == 8
    frames = np.zeros((2, 128, 128, 3), np.uint8)
    cond = Conditioning(duration=1.0, frames=frames, frame_times=np.array([0.0, 0.5]))
    assert gen.generate(cond, takes=2, seed=0, sampler=SamplerSettings(steps=2)).shape == (2, 22050)


def test_torchrun_two_processes_on_gloo(world: Path, tokenizers: Path, tmp_path: Path) -> None:
    torchrun = Path(sys.executable).parent / "torchrun"
    out = tmp_path / "ddp"
    cmd = [str(torchrun), "--standalone", "--nproc_per_node", "2", "-m", "foley_studio.cli",
           "train", "echoes-transformer", "--data", str(world), "--out", str(out), "--bundle",
           str(tmp_path / "bundle"), "--seconds", "1.5", "--steps", "2", *COMMON]
    (tmp_path / "bundle").mkdir()
    for part in ("audio_vqgan", "image_vqgan"):
        for suffix in (".json", ".safetensors"):
            (tmp_path / "bundle" / f"{part}{suffix}").write_bytes((tokenizers / f"{part}{suffix}").read_bytes())
    (tmp_path / "bundle" / "bundle.json").write_bytes((tokenizers / "bundle.json").read_bytes())
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [r["step"] for r in _log(out)] == [1, 2]
    assert (tmp_path / "bundle" / "transformer.safetensors").is_file()


def test_vocoder_trains_on_the_spectrogram_vqgans_reconstructions(world: Path, tokenizers: Path,
                                                                  tmp_path: Path, capsys) -> None:
    args = ["train", "echoes-vocoder", "--data", str(world), "--out", str(tmp_path / "v"), "--bundle",
            str(tokenizers), "--steps", "1", "--from-tokens", *COMMON]
    assert main([*args, "--segment", "4096"]) == 0
    assert np.isfinite(_log(tmp_path / "v")[0]["stft"])
    assert main([*args, "--segment", "3000"]) != 0
    assert "--segment 3000" in capsys.readouterr().err
