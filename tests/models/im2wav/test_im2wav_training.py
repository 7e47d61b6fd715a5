"""The training CLIs on a small rendered world: every stage runs, resumes, runs under torchrun
with two CPU processes, and (slow) a few minutes of training lower the losses clearly."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from foley_studio.cli import main

VENV_BIN = Path(sys.executable).parent
COMMON = ["--warmup", "2", "--log-every", "1", "--seconds", "2.5", "--device", "cpu"]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world")
    assert main(["synth", "--out", str(out), "--clips", "4", "--seconds", "2.5", "--seed", "3",
                 "--workers", "1"]) == 0
    return out


def _log(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "log.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def vq_ckpt(world, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vq")
    assert main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(out), "--steps", "2",
                 "--batch-size", "2", "--segment", "0.25", *COMMON]) == 0
    return out


def test_vqvae_stage_resumes(world, vq_ckpt):
    assert [r["step"] for r in _log(vq_ckpt)] == [1, 2]
    assert main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(vq_ckpt), "--steps", "3",
                 "--batch-size", "2", "--segment", "0.25", *COMMON]) == 0
    assert [r["step"] for r in _log(vq_ckpt)] == [1, 2, 3]
    assert json.loads((vq_ckpt / "trainer.json").read_text())["config"]["step"] == 3


def test_prior_and_clip_stages_then_a_bundle_that_generates(world, vq_ckpt, tmp_path):
    prior_args = ["--vqvae", str(vq_ckpt), "--fps", "4", "--steps", "2", "--batch-size", "2", *COMMON]
    assert main(["train", "clip", "--data", str(world), "--out", str(tmp_path / "clip"), "--steps", "2",
                 "--batch-size", "3", "--image-size", "32", "--warmup", "1", "--seconds", "2.5",
                 "--fps", "2", "--device", "cpu"]) == 0
    encoder = str(tmp_path / "clip")
    assert main(["train", "im2wav-low", "--data", str(world), "--out", str(tmp_path / "low"),
                 "--encoder", encoder, *prior_args]) == 0
    assert main(["train", "im2wav-up", "--data", str(world), "--out", str(tmp_path / "up"),
                 "--encoder", encoder, *prior_args]) == 0
    assert (tmp_path / "low" / "ema.safetensors").is_file()
    assert main(["weights", "import", "im2wav", "--vqvae", str(vq_ckpt), "--low", str(tmp_path / "low"),
                 "--up", str(tmp_path / "up"), "--encoder", encoder, "--out", str(tmp_path / "bundle")]) == 0
    from foley_studio.generation import Conditioning
    from foley_studio.models.im2wav.generator import Im2WavGenerator
    from foley_studio.requests import SamplerSettings

    gen = Im2WavGenerator.from_bundle(tmp_path / "bundle")
    out = gen.generate(Conditioning(0.4, prompt="a bell rings"), takes=1, seed=0, sampler=SamplerSettings())
    assert out.shape == (1, 6400) and np.isfinite(out).all()


def test_clip_stage_with_event_frames_and_a_dataset_without_events(world, tmp_path, capsys):
    args = ["--steps", "2", "--batch-size", "4", "--image-size", "32", "--warmup", "1", "--seconds", "2.5",
            "--fps", "25", "--device", "cpu", "--event-frames", "--log-every", "1"]
    assert main(["train", "clip", "--data", str(world), "--out", str(tmp_path / "clip"), *args]) == 0
    assert [r["step"] for r in _log(tmp_path / "clip")] == [1, 2]
    bare = tmp_path / "bare"
    shutil.copytree(world, bare)
    (bare / "events.jsonl").unlink()
    assert main(["train", "clip", "--data", str(bare), "--out", str(tmp_path / "clip2"), *args]) == 2
    assert "--event-frames needs event times" in capsys.readouterr().err


def test_torchrun_two_cpu_processes(world, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [str(VENV_BIN / "torchrun"), "--nproc_per_node", "2", "--master_port", "29517", "-m",
           "foley_studio.cli", "train", "im2wav-vqvae", "--data", str(world), "--out",
           str(tmp_path / "ddp"), "--steps", "2", "--batch-size", "1", "--segment", "0.25", *COMMON]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [r["step"] for r in _log(tmp_path / "ddp")] == [1, 2]
    assert json.loads((tmp_path / "ddp" / "trainer.json").read_text())["config"]["step"] == 2


@pytest.mark.slow
def test_a_few_minutes_of_training_lower_the_losses(world, tmp_path):
    vq = tmp_path / "vq"
    assert main(["train", "im2wav-vqvae", "--data", str(world), "--out", str(vq), "--steps", "60",
                 "--batch-size", "4", "--segment", "0.25", "--lr", "2e-3", *COMMON]) == 0
    vq_loss = [r["loss"] for r in _log(vq)]
    assert np.mean(vq_loss[-10:]) < 0.8 * np.mean(vq_loss[:5]), vq_loss
    low = tmp_path / "low"
    assert main(["train", "im2wav-low", "--data", str(world), "--out", str(low), "--vqvae", str(vq),
                 "--encoder", "tiny", "--fps", "4", "--steps", "80", "--batch-size", "4", "--lr", "2e-3",
                 *COMMON]) == 0
    low_loss = [r["loss"] for r in _log(low)]
    assert np.mean(low_loss[-10:]) < 0.6 * np.mean(low_loss[:5]), low_loss
