"""``foley-studio send``: torch-free, and bad input ends in one readable line (exit 2)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bridge_doubles import MALFORMED, live_target, reaper_target
from foley_studio.cli import main

REPO = Path(__file__).resolve().parents[2]


def test_send_and_its_imports_leave_torch_out(make_take, tmp_path: Path) -> None:
    """Importing the command and running it (a timeline, then an error) never imports torch."""
    take = make_take("hit.wav", seconds=0.25)
    code = textwrap.dedent(f"""
        import argparse, sys
        from foley_studio.commands import send
        from foley_studio.errors import FoleyStudioError
        parser = argparse.ArgumentParser()
        send.register(parser.add_subparsers())
        args = parser.parse_args(["send", {str(take)!r}, "--to", "edl", "--at", "1"])
        assert args.func(args) == 0
        args = parser.parse_args(["send", {str(take)!r}, "--to", "reaper", "--at", "1",
                                  "--preset", {str(tmp_path / "none.json")!r}])
        try:
            args.func(args)
        except FoleyStudioError:
            pass
        print(sorted(m for m in ("torch", "PyQt6", "cv2", "av", "scipy") if m in sys.modules))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize("extra, message", [
    (["--to", "edl", "--at", "1", "--out", "{folder}"], "is a folder; give a file name in it"),
    (["--to", "edl", "--at", "1", "--out", "{file}/x.edl"], "lies under .*, which is a file"),
    (["--to", "edl", "--at", "1e300"], "must be a time from 0 s to 86400 s"),
    (["--to", "reaper", "--at", "inf"], "position \\(--at\\) inf s must be a time from 0 s to 86400 s"),
    (["--to", "ableton", "--at", "1", "--track-index", "-3"], "'-3' is not a track index"),
])
def test_bad_input_is_one_line(make_take, tmp_path: Path, capsys, extra, message) -> None:
    take = make_take("hit.wav", seconds=0.25)
    (tmp_path / "afile").write_text("x")
    argv = ["send", str(take)] + [a.format(folder=tmp_path, file=tmp_path / "afile") for a in extra]
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse refuses the value itself
        status = exc.code
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert __import__("re").search(message, err), err
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".edl") == []


def _cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "foley_studio.cli", "send", *argv], capture_output=True,
                          text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin",
                                          "OMP_NUM_THREADS": "1"}, timeout=180)


@pytest.mark.parametrize("misbehave, status, said", [
    ({"noise": MALFORMED["unknown content in a bundle"]}, 0, "Ableton Live: 'hit' on track 0 (Dialog) at 2.000000 s"),
    ({"delay": 0.3}, 0, "Ableton Live: 'hit' on track 0 (Dialog) at 2.000000 s"),
    ({"audio_import": False, "unknown_errors": False}, 2, "nothing was changed in the set"),
])
def test_cli_against_misbehaving_live(live, make_take, tmp_path: Path, misbehave, status, said) -> None:
    """The real command line: one line on success or failure, never a traceback or a warning."""
    for key, value in misbehave.items():
        setattr(live, key, value)
    preset = tmp_path / "live.json"
    preset.write_text(json.dumps({**vars(live_target(live, timeout=0.5)), "track": "Dialog"}))
    result = _cli(str(make_take("hit.wav", seconds=0.5)), "--to", "ableton", "--at", "2",
                  "--preset", str(preset))
    out = result.stdout if status == 0 else result.stderr
    assert result.returncode == status and said in out
    assert len((result.stdout + result.stderr).splitlines()) == 1, result.stdout + result.stderr
    assert len(live.tracks[0]["clips"]) == (1 if status == 0 else 0)


def test_cli_against_an_unregistered_reaper_script(reaper_double, make_take, tmp_path: Path) -> None:
    reaper_double.action = "_RS0123456789abcdef"
    preset = tmp_path / "reaper.json"
    preset.write_text(json.dumps(vars(reaper_target(reaper_double, timeout=0.3, reply_timeout=1.0))))
    env_home = {"XDG_CONFIG_HOME": str(reaper_double.resource.parent)}
    result = subprocess.run([sys.executable, "-m", "foley_studio.cli", "send",
                             str(make_take("hit.wav", seconds=0.5)), "--to", "reaper", "--at", "1",
                             "--preset", str(preset)], capture_output=True, text=True, timeout=180,
                            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", **env_home})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("foley-studio: error: REAPER did not answer within 1 s. Its OSC port")
    assert len(result.stderr.splitlines()) == 1
