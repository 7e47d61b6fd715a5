"""``foley-studio export``: a take written by generate, delivered from the command line."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from foley_studio.cli import main
from foley_studio.media import read_bwf, write_take
from foley_studio.requests import Take


@pytest.fixture
def take_wav(tmp_path: Path) -> Path:
    t = np.arange(32000) / 16000
    audio = (0.2 * np.sin(2 * np.pi * 300 * t) * np.exp(-t * 2)).astype(np.float32)
    take = Take(audio, 16000, "echoes", 42, 2.02, prompt="a mug set down")
    return write_take(tmp_path / "foley_echoes_seed42.wav", take)


def test_export_delivers_with_the_takes_provenance(take_wav: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "delivery"
    status = main(["export", str(take_wav), "--out", str(out), "--loudness", "-20", "--ucs-category",
                   "FOLYProp", "--creator", "JD", "--source", "Harbour", "--fps", "25",
                   "--start-timecode", "01:00:00:00"])
    assert status == 0
    path = out / "FOLYProp_a mug set down_JD_Harbour.wav"
    assert path.name in capsys.readouterr().out
    info = soundfile.info(path)
    assert (info.samplerate, info.subtype, info.frames) == (48000, "PCM_24", 96000)
    bwf = read_bwf(path)
    assert bwf["bext"]["loudness_value"] == pytest.approx(-20.0, abs=0.01)
    assert bwf["bext"]["time_reference"] == (3600 + 2.0) * 48000  # 2.02 s snapped to frame 50
    assert "<SEED>42</SEED>" in bwf["ixml"] and "a mug set down" in bwf["ixml"]
    assert main(["export", str(path), "--out", str(tmp_path / "again"), "--at", "3", "--loudness",
                 "-9", "--limit"]) == 0
    assert "held under" not in capsys.readouterr().out  # the limiter reached -9 LUFS
    again = tmp_path / "again" / "FOLYMisc_a mug set down_NONE_NONE.wav"  # the FXName survives a re-export
    assert read_bwf(again)["bext"]["time_reference"] == 3 * 48000


def test_export_errors_are_one_line(take_wav: Path, tmp_path: Path, capsys) -> None:
    assert main(["export", str(take_wav)]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nope.wav"), "--out", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["export", str(take_wav), "--out", str(tmp_path), "--ucs-category", "folyprop"]) == 2
    assert "Did you mean FOLYProp" in capsys.readouterr().err


def test_list_categories(capsys) -> None:
    assert main(["export", "--list-categories"]) == 0
    assert "FEETHmn      FOOTSTEPS-HUMAN" in capsys.readouterr().out
