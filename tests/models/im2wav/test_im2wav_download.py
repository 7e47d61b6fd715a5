"""``weights download im2wav|clip`` against a loopback server (no network): fetch, identify,
import, re-use after checking, resume after a broken transfer, and the offline instructions."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from helpers_http import serving
from im2wav_official import write_official

from foley_studio import downloads
from foley_studio.cli import main
from foley_studio.models.im2wav.prior import LowPrior
from foley_studio.models.weights import load_module
from foley_studio.registry import cache_dir, resolve

# the released ids, served in an order that is not vqvae, low, up: roles come from the contents
ROLE_OF_ID = dict(zip(downloads.IM2WAV_IDS, ("up", "vqvae", "low")))


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> dict[str, bytes]:
    """The three files in the released layout, each carrying 1.2 MB of optimizer-like state so that
    a transfer cut halfway has written whole blocks to disk."""
    torch.manual_seed(0)
    paths = write_official(tmp_path_factory.mktemp("released"))
    for path in paths.values():
        ckpt = torch.load(path, weights_only=True)
        torch.save({**ckpt, "opt": {"state": torch.randn(300_000)}}, path)
    return {f"/uc/{fid}": paths[role].read_bytes() for fid, role in ROLE_OF_ID.items()}


def _download(server, monkeypatch, *extra: str) -> int:
    monkeypatch.setenv(downloads.URL_ENV, server.base + "/uc/{id}")
    return main(["weights", "download", "im2wav", *extra])


def test_download_imports_the_released_files_as_a_bundle(released, monkeypatch, capsys):
    with serving(released) as server:
        assert _download(server, monkeypatch) == 0
    bundle = resolve("im2wav")
    assert bundle.path == cache_dir() / "models" / "im2wav"
    low = load_module(LowPrior, bundle.path / "low", kind="im2wav-low")
    assert low.n_ctx == 16
    manifest = json.loads(downloads.manifest_path().read_text())
    for fid in downloads.IM2WAV_IDS:
        entry = manifest[str((downloads.downloads_dir() / "im2wav" / f"{fid}.tar").resolve())]
        assert entry["size"] == len(released[f"/uc/{fid}"])
        assert entry["sha256"] == downloads.hashlib.sha256(released[f"/uc/{fid}"]).hexdigest()


def test_rerun_checks_the_files_and_fetches_nothing(released, monkeypatch, capsys):
    with serving(released) as server:
        assert _download(server, monkeypatch) == 0
        before = len(server.gets())
        assert _download(server, monkeypatch) == 0
        assert len(server.gets()) == before
    assert "already imported" in capsys.readouterr().out


def test_a_damaged_file_is_fetched_again(released, monkeypatch, capsys):
    with serving(released) as server:
        assert _download(server, monkeypatch) == 0
        victim = downloads.downloads_dir() / "im2wav" / f"{downloads.IM2WAV_IDS[1]}.tar"
        data = bytearray(victim.read_bytes())
        data[len(data) // 2] ^= 0xFF  # same size, other content
        victim.write_bytes(bytes(data))
        assert _download(server, monkeypatch) == 0
        assert len(server.gets(f"/uc/{downloads.IM2WAV_IDS[1]}")) == 2
        assert len(server.gets(f"/uc/{downloads.IM2WAV_IDS[0]}")) == 1
    assert victim.read_bytes() == released[f"/uc/{downloads.IM2WAV_IDS[1]}"]
    assert "downloading it again" in capsys.readouterr().out


def test_an_interrupted_transfer_resumes_where_it_stopped(released, monkeypatch, capsys):
    first = f"/uc/{downloads.IM2WAV_IDS[0]}"
    with serving(released, cut={first}) as server:
        assert _download(server, monkeypatch, "--retries", "0") == 2
        err = capsys.readouterr().err
        assert "next try resumes it" in err and "Traceback" not in err
        parts = list((downloads.downloads_dir() / "im2wav").glob("*.part"))
        kept = parts[0].stat().st_size
        assert len(parts) == 1 and 0 < kept < len(released[first])
        assert _download(server, monkeypatch, "--retries", "0") == 0
        ranges = [r for _, _, r in server.gets(first) if r]
        assert ranges == [f"bytes={kept}-"]
    done = downloads.downloads_dir() / "im2wav" / f"{downloads.IM2WAV_IDS[0]}.tar"
    assert done.read_bytes() == released[first]


def test_a_broken_transfer_is_resumed_within_one_run(released, monkeypatch):
    with serving(released, cut=set(released)) as server:
        assert _download(server, monkeypatch) == 0
        assert all(any(r for _, _, r in server.gets(p)) for p in released)
    assert resolve("im2wav").path.is_dir()


def test_offline_names_each_file_and_where_to_put_it(released, monkeypatch, capsys):
    monkeypatch.setenv(downloads.URL_ENV, "http://127.0.0.1:9/uc/{id}")  # nothing listens there
    assert main(["weights", "download", "im2wav", "--retries", "0"]) == 2
    err = capsys.readouterr().err
    for fid in downloads.IM2WAV_IDS:
        assert f"http://127.0.0.1:9/uc/{fid} → {downloads.downloads_dir() / 'im2wav' / f'{fid}.tar'}" in err
    for fid in downloads.IM2WAV_IDS:  # saved by hand, as the message says: no network needed now
        (downloads.downloads_dir() / "im2wav" / f"{fid}.tar").write_bytes(released[f"/uc/{fid}"])
    assert main(["weights", "download", "im2wav", "--retries", "0"]) == 0
    assert resolve("im2wav").path.is_dir()


def test_negative_retries_are_refused(capsys):
    assert main(["weights", "download", "im2wav", "--retries", "-1"]) == 2
    assert "--retries must lie in 0–100 (got -1)" in capsys.readouterr().err


def test_import_of_a_file_that_is_not_a_checkpoint_is_a_clear_error(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    code = main(["weights", "import", "im2wav", "--vqvae", str(text), "--low", str(text),
                 "--up", str(text), "--out", str(tmp_path / "out")])
    assert code == 2
    assert "is not an IM2WAV checkpoint" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert main(["weights", "import", "melgan", "--bundle", str(tmp_path / "e"), str(text)]) == 2
    assert "is not a PyTorch checkpoint" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------- CLIP
CLIP_PATH = "/timm/vit_base_patch32_clip_224.openai/resolve/main/open_clip_model.safetensors"


def _clip_weights() -> bytes:
    """24 MB: more than two of the hub client's 10-MB write blocks, so a cut halfway keeps one."""
    from safetensors.torch import save

    return save({"visual.proj": torch.randn(6 << 20)})


def _run_clip(tmp_path: Path, endpoint: str, offline: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_ENDPOINT": endpoint, "HF_HUB_OFFLINE": "1" if offline else "0",
           "HF_HOME": str(tmp_path / "hub"), "HF_HUB_DISABLE_XET": "1",
           "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    return subprocess.run([sys.executable, "-m", "foley_studio.cli", "weights", "download", "clip"],
                          env=env, capture_output=True, text=True, timeout=300)


def test_clip_download_goes_through_the_hub_client_and_is_recorded(tmp_path):
    weights = _clip_weights()
    with serving({CLIP_PATH: weights}, cut={CLIP_PATH}) as server:
        first = _run_clip(tmp_path, server.base, offline=False)
        again = _run_clip(tmp_path, server.base, offline=False)
        assert first.returncode == 0, first.stderr
        assert any(r for _, _, r in server.gets(CLIP_PATH))  # the broken transfer was resumed
        files = list((tmp_path / "hub").rglob("open_clip_model.safetensors"))
        assert files and files[0].read_bytes() == weights
        assert again.returncode == 0 and "matches its recorded size and sha256" in again.stdout
        gets = len(server.gets(CLIP_PATH))
        blob = files[0].resolve()
        blob.write_bytes(weights[:-1] + bytes([weights[-1] ^ 1]))  # damaged in the cache
        third = _run_clip(tmp_path, server.base, offline=False)
        assert third.returncode == 0 and "fetching it again" in third.stdout, third.stderr
        assert len(server.gets(CLIP_PATH)) == gets + 1
    assert files[0].read_bytes() == weights


def test_clip_offline_says_which_folder_to_copy(tmp_path):
    result = _run_clip(tmp_path, "http://127.0.0.1:9", offline=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "models--timm--vit_base_patch32_clip_224.openai" in result.stderr
    assert str(tmp_path / "hub") in result.stderr


def test_the_real_addresses_are_the_official_drive_ids(monkeypatch):
    monkeypatch.delenv(downloads.URL_ENV, raising=False)
    urls = [url for url, _ in downloads.im2wav_targets()]
    assert urls == [f"https://drive.google.com/uc?id={fid}" for fid in (
        "1lCrGsMXqmeKBk-3B3J2jzxNur9olWseb", "1v9dmCwrEwkwJhbe2YF3ScM2gjVplSLzt",
        "1UyNBjoxgqBYqA_aYhOu6BHYlkT4CD_M_")]
