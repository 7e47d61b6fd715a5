"""Target presets (validated on load) and the ``foley-studio send`` command."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import opentimelineio as otio
import pytest

from bridge import load_target
from bridge.targets import PRESET_DIR, Target, reaper_resource_dir
from bridge_doubles import LiveDouble, ReaperDouble, live_target, reaper_target
from foley_studio.cli import main
from foley_studio.errors import ConfigError


def test_shipped_presets_load() -> None:
    reaper, ableton = load_target("reaper"), load_target("ableton")
    assert (reaper.kind, reaper.port, reaper.action) == ("reaper", 8000, "_FOLEY_STUDIO_BRIDGE")
    assert (ableton.kind, ableton.port, ableton.reply_port) == ("ableton", 11000, 11001)
    assert reaper.spool_dir() == reaper_resource_dir() / "FoleyStudio" / "spool"
    assert sorted(p.name for p in PRESET_DIR.glob("*.json")) == ["ableton.json", "reaper.json"]


@pytest.mark.parametrize("data, message", [
    ({"kind": "cubase"}, '"kind" is \'cubase\''),
    ({"kind": "reaper", "prot": 8000}, "unknown key\\(s\\) prot"),
    ({"kind": "reaper", "port": "8000"}, '"port" is \'8000\'; it must be int'),
    ({"kind": "reaper", "port": 70000}, '"port" is 70000'),
    ({"kind": "ableton", "timeout": 0}, '"timeout" is 0'),
    ({"kind": "ableton", "create_track": 1}, '"create_track" is 1; it must be bool'),
    ({"kind": "reaper", "action": "PLACE"}, '"action" is \'PLACE\''),
    ({"kind": "ableton", "view": "clip"}, '"view" is \'clip\''),
    ({"port": 1}, 'no "kind"'),
    ([1, 2], "JSON object"),
])
def test_bad_presets_name_file_and_key(tmp_path: Path, data, message) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=message) as err:
        load_target(path)
    assert str(path) in str(err.value)


def test_unreadable_presets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_target(tmp_path / "none.json")
    (tmp_path / "broken.json").write_text("{kind: reaper")
    with pytest.raises(ConfigError, match="broken.json is not valid JSON"):
        load_target(tmp_path / "broken.json")


def test_send_to_timeline_files(make_take, tmp_path: Path, capsys) -> None:
    take = make_take("hit.wav", seconds=0.5, at=2.0)
    out = tmp_path / "hit.xml"
    assert main(["send", str(take), "--to", "xml", "--at", "2.0", "--fps", "25", "--out", str(out)]) == 0
    timeline = otio.adapters.read_from_file(str(out))  # keep it alive: clips point to it
    clip = timeline.tracks[0].find_clips()[0]
    assert clip.range_in_parent().start_time.to_seconds() == pytest.approx(2.0)
    assert main(["send", str(take), "--to", "otio", "--at", "1.5"]) == 0
    assert take.with_suffix(".otio").exists() and "hit.otio" in capsys.readouterr().out


def test_send_to_ableton_and_reaper(live: LiveDouble, reaper_double: ReaperDouble, make_take,
                                    tmp_path: Path, capsys) -> None:
    take = make_take("hit.wav", seconds=0.5)
    presets = {}
    for name, target in (("live", live_target(live)), ("reaper", reaper_target(reaper_double))):
        presets[name] = tmp_path / f"{name}.json"
        presets[name].write_text(json.dumps({k: v for k, v in vars(target).items()}))
    assert main(["send", str(take), "--to", "ableton", "--at", "3", "--track", "Dialog",
                 "--preset", str(presets["live"])]) == 0
    assert main(["send", str(take), "--to", "reaper", "--at", "4.5", "--track-index", "0",
                 "--preset", str(presets["reaper"])]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Ableton Live: 'hit' on track 0 (Dialog) at 3.000000 s")
    assert out[1].startswith("REAPER: 'hit' on track 0 (Dialog) at 4.500000 s, 0.500000 s long")
    assert main(["send", str(take), "--to", "reaper", "--at", "1", "--preset", str(presets["live"])]) == 2
    assert "is for ableton, not reaper" in capsys.readouterr().err


def test_send_missing_take_exits_2(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "foley_studio.cli", "send", str(tmp_path / "x.wav"),
                             "--to", "edl", "--at", "0"], capture_output=True, text=True)
    assert result.returncode == 2 and "x.wav does not exist" in result.stderr


def test_target_rejects_negative_track_index() -> None:
    with pytest.raises(ConfigError, match='"track" is -1'):
        Target(kind="reaper", track=-1)
