"""``foley-studio sync detect|voice`` and ``generate --sync/--conform``."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
from helpers_media import make_video
from helpers_scenes import bouncing_ball
from test_api_conform import HITS, LateGenerator

from foley_studio import api
from foley_studio.cli import main
from foley_studio.media import read_bwf
from foley_studio.sync import SyncTrack

CONTACTS = [14, 30, 44, 57, 69, 80, 90]


def test_sync_detect_writes_the_contacts(tmp_path: Path, capsys) -> None:
    clip = bouncing_ball(tmp_path / "ball.mp4", CONTACTS)
    out = tmp_path / "hits.json"
    assert main(["sync", "detect", str(clip), "--start", "1", "--end", "3", "--out", str(out)]) == 0
    track = SyncTrack.load(out)
    assert [round(t * 25) for t in track.times] == [30, 44, 57, 69] and track.source == "detected"
    assert "4 detected hits" in capsys.readouterr().out


def test_sync_voice_reads_an_imitation(tmp_path: Path) -> None:
    rate = 16000
    x = 0.001 * np.random.default_rng(0).standard_normal(2 * rate)
    for at in (0.5, 1.2):
        i = int(at * rate)
        x[i:i + 800] += 0.5 * np.random.default_rng(1).standard_normal(800) * np.exp(-np.arange(800) / 200)
    soundfile.write(tmp_path / "tk.wav", x, rate)
    out = tmp_path / "hits.json"
    assert main(["sync", "voice", str(tmp_path / "tk.wav"), "--start", "3", "--out", str(out)]) == 0
    assert SyncTrack.load(out).times == pytest.approx([3.5, 4.2], abs=0.01)


def test_sync_detect_names_a_missing_clip(tmp_path: Path, capsys) -> None:
    assert main(["sync", "detect", str(tmp_path / "nope.mp4"), "--out", str(tmp_path / "h.json")]) == 2
    assert "nope.mp4" in capsys.readouterr().err


@pytest.fixture
def late(monkeypatch: pytest.MonkeyPatch) -> LateGenerator:
    gen = LateGenerator()
    gen.hits = [h - 1.0 for h in HITS]
    monkeypatch.setattr(api, "load_generator", lambda name: gen)
    return gen


@pytest.mark.parametrize("flag, conformed", [([], True), (["--no-conform"], False), (["--conform"], True)])
def test_generate_follows_a_sync_file(tmp_path: Path, late, flag: list, conformed: bool) -> None:
    clip = make_video(tmp_path / "clip.mp4", seconds=5.0)
    hits = SyncTrack.from_times(HITS).save(tmp_path / "hits.json")
    out = tmp_path / "takes"
    argv = ["generate", str(clip), "--start", "1", "--end", "4", "--sync", str(hits), "--out", str(out)]
    assert main(argv + flag) == 0
    written = sorted(p.name for p in out.iterdir())
    take = next(name for name in written if name.endswith("_1.000-4.000s_seed0.wav"))
    assert written == ([take, take.removesuffix(".wav") + "_unconformed.wav"] if conformed else [take])
    ixml = read_bwf(out / take)["ixml"]
    assert "<SYNC>" in ixml and ("<CONFORM>" in ixml) == conformed


def test_conform_without_a_sync_file_is_refused(tmp_path: Path, late, capsys) -> None:
    clip = make_video(tmp_path / "clip.mp4", seconds=5.0)
    assert main(["generate", str(clip), "--conform", "--out", str(tmp_path / "t")]) == 2
    assert "--sync" in capsys.readouterr().err


@pytest.mark.parametrize("action", ["detect", "voice"])
def test_an_out_that_cannot_be_written_is_refused_first(tmp_path: Path, action: str, capsys) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    for out in (blocker / "hits.json", tmp_path):
        assert main(["sync", action, str(tmp_path / "missing.mp4"), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert str(out if out == tmp_path else blocker) in err and "Traceback" not in err


def test_voice_refuses_a_region_that_cannot_mean_anything(tmp_path: Path, capsys) -> None:
    assert main(["sync", "voice", str(tmp_path / "x.wav"), "--start", "nan",
                 "--out", str(tmp_path / "h.json")]) == 2
    assert "finite" in capsys.readouterr().err
