"""``foley-studio doctor``: one line per check, exit 0 on a sound installation, 1 when a check fails."""
from __future__ import annotations

import shutil

import pytest

from foley_studio.cli import main
from foley_studio.registry import STARTER_DIR


@pytest.fixture(autouse=True)
def _audio(null_audio):
    """The doctor opens PortAudio, which reads the ALSA set-up once per process: give it the
    null device the playback tests use, as any first user of sounddevice in the suite must."""
    return null_audio


def _lines(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_doctor_reports_every_topic_and_passes(capsys):
    assert main(["doctor"]) == 0
    lines = _lines(capsys)
    topics = {line.split()[1] for line in lines}
    assert {"version", "package", "device", "dtypes", "bundle", "audio", "daw"} <= topics
    assert any("im2wav-starter (im2wav)" in line and "sha256 match" in line for line in lines)
    assert all(line.split()[0] in ("ok", "--") for line in lines)
    assert sum(" daw " in f" {line} " for line in lines) == 2  # the two shipped presets


def test_a_damaged_bundle_fails_the_doctor(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "models" / "im2wav-broken"
    shutil.copytree(STARTER_DIR / "im2wav-starter", broken)
    (broken / "bundle.json").write_text((broken / "bundle.json").read_text().replace(
        '"im2wav-starter"', '"im2wav-broken"'))
    with open(broken / "low.safetensors", "r+b") as fh:  # flip one byte of the weights
        fh.seek(-1, 2)
        last = fh.read(1)
        fh.seek(-1, 2)
        fh.write(bytes([last[0] ^ 0xFF]))
    monkeypatch.setenv("FOLEY_STUDIO_MODELS", str(tmp_path / "models"))
    assert main(["doctor", "--no-daw"]) == 1
    failed = [line for line in _lines(capsys) if line.startswith("FAIL")]
    assert len(failed) == 1 and "im2wav-broken" in failed[0] and "sha256" in failed[0]


def test_a_damaged_download_fails_the_doctor(monkeypatch, capsys):
    from foley_studio import downloads

    folder = downloads.downloads_dir()
    folder.mkdir(parents=True)
    (folder / "x.tar").write_bytes(b"12345")
    downloads.record(folder / "x.tar")
    (folder / "x.tar").write_bytes(b"123")
    assert main(["doctor", "--no-daw"]) == 1
    assert any(line.startswith("FAIL") and "x.tar: 3 bytes, recorded 5" in line for line in _lines(capsys))
