"""The command line's inpaint, outpaint and storyboard verbs end to end with a tiny Visual
Echoes bundle: each writes its distinctly named file, and runs again only with --overwrite."""
from __future__ import annotations

from pathlib import Path

import pytest
import soundfile

from foley_studio.cli import main
from foley_studio.models.echoes.generator import EchoesGenerator
from helpers_media import make_video


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bundle") / "echoes-cli"
    EchoesGenerator.tiny(seed=0).save_bundle(folder, name="echoes-cli")
    return folder


def test_every_echoes_verb_writes_its_own_file(bundle: Path, tmp_path: Path, capsys) -> None:
    clip = make_video(tmp_path / "clip.mp4", seconds=3.0, fps=12)
    common = ["--model", str(bundle), "--steps", "2", "--out", str(tmp_path / "out")]
    runs = {
        "inpaint_echoes-cli_0.000-2.000s_gap0.500-1.000s_seed0.wav":
            ["inpaint", clip, "--start", "0", "--end", "2", "--gap", "0.5", "1"],
        "extend_echoes-cli_2.000-2.500s_seed0.wav": ["outpaint", clip, "--end", "2", "--seconds", "0.5"],
        "storyboard_echoes-cli_0.000-2.000s_every1s_seed0.png":
            ["storyboard", clip, "--start", "0", "--end", "2", "--window", "1"],
    }
    for name, argv in runs.items():
        assert main([str(a) for a in argv] + common) == 0, capsys.readouterr().err
        assert (tmp_path / "out" / name).is_file()
        assert main([str(a) for a in argv] + common) == 2
        assert "already exists; pass --overwrite" in capsys.readouterr().err
    audio, rate = soundfile.read(tmp_path / "out" / "extend_echoes-cli_2.000-2.500s_seed0.wav")
    assert abs(len(audio) / rate - 0.5) < 0.01
