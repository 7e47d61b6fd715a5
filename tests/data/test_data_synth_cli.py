"""``foley-studio synth`` renders a folder and refuses impossible requests."""
from __future__ import annotations

from pathlib import Path

from foley_studio.cli import main


def test_synth_writes_a_dataset(tmp_path: Path, capsys) -> None:
    assert main(["synth", "--out", str(tmp_path), "--clips", "2", "--seed", "1",
                 "--seconds", "0.4", "--workers", "1"]) == 0
    assert len(list((tmp_path / "video").glob("*.mp4"))) == 2
    assert (tmp_path / "vggsound.csv").read_text().count("\n") == 2
    assert "2 clips" in capsys.readouterr().out


def test_synth_refuses_zero_clips(tmp_path: Path, capsys) -> None:
    assert main(["synth", "--out", str(tmp_path), "--clips", "0"]) == 2
    assert "clips must lie in 1–1000000" in capsys.readouterr().err
