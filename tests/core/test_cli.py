"""The command line refuses what cannot work before any model loads, never overwrites or
collides, and turns any failure into one line (exit 2 or 3) instead of a traceback."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from foley_studio import api, registry
from foley_studio.cli import build_parser, main
from foley_studio.errors import DiskFullError
from foley_studio.generation import Generator
from helpers_media import make_video


class SilentGenerator(Generator):
    """Zeros of the asked length: exercises the CLI's plumbing without a model."""

    name = "silent"
    modes = frozenset({"foley", "text"})

    def generate(self, cond, *, takes, seed, sampler, progress=None, cancel=None):
        return np.zeros((takes, round(cond.duration * self.sample_rate)), np.float32)


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading a model is a test failure (exit 3): everything must be refused before it."""
    def refuse(name: str) -> Generator:
        raise AssertionError(f"the model {name} was loaded")
    monkeypatch.setattr(api, "load_generator", refuse)


@pytest.fixture
def silent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "load_generator", lambda name: SilentGenerator())


def run(capsys: pytest.CaptureFixture, *argv: object) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


BAD_VALUES = [
    ("--guidance", "nan", "guidance must lie in 0–20"),
    ("--guidance", "inf", "guidance must lie in 0–20"),
    ("--guidance", "-1", "guidance must lie in 0–20"),
    ("--guidance", "1e6", "guidance must lie in 0–20"),
    ("--temperature", "nan", "temperature must lie in 0.01–5"),
    ("--temperature", "0", "temperature must lie in 0.01–5"),
    ("--temperature", "1e9", "temperature must lie in 0.01–5"),
    ("--top-k", "-1", "top-k must lie in 0–4096"),
    ("--top-p", "nan", "top-p must lie in 0–1"),
    ("--takes", "0", "takes must lie in 1–64"),
    ("--takes", "1000", "takes must lie in 1–64"),
    ("--seed", "-1", "seed must lie in 0–9223372036854775807"),
    ("--seed", str(2**64), "seed must lie in 0–9223372036854775807"),
    ("--start", "nan", "start must lie in 0–86400"),
    ("--end", "inf", "end must lie in 0–86400"),
    ("--end", "250000", "end must lie in 0–86400"),
    ("--sync-guidance", "nan", "sync-guidance must lie in 0–20"),
    ("--sync-guidance", "-1", "sync-guidance must lie in 0–20"),
    ("--sync-guidance", "abc", "sync-guidance must be a number in 0–20 (got 'abc')"),
    ("--takes", "1.5", "takes must be a whole number in 1–64 (got '1.5')"),
]


@pytest.mark.parametrize("flag, value, message", BAD_VALUES)
def test_meaningless_values_are_refused_before_the_model_loads(
        no_model, capsys, clip: Path, tmp_path: Path, flag: str, value: str, message: str) -> None:
    code, err = run(capsys, "generate", clip, flag, value, "--out", tmp_path / "out")
    assert code == 2 and message in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv, message", [
    (["--end", "nan"], "end must lie in 0–86400"),  # a still image's length
    (["--end", "1e9"], "end must lie in 0–86400"),
    (["--start", "2", "--end", "1"], "must end after it starts (start 2 s, end 1 s)"),
    (["--end", "400"], "at most 300 s"),
    (["--prompt", "a door slams"], "prompt is used only in text mode"),
])
def test_image_requests_are_checked_first(no_model, capsys, still: Path, tmp_path: Path,
                                          argv: list, message: str) -> None:
    code, err = run(capsys, "generate", still, *argv, "--out", tmp_path)
    assert code == 2 and message in err


@pytest.mark.parametrize("argv, message", [
    (["generate", "--prompt", "rain", "--end", "inf"], "end must lie in 0–86400"),
    (["generate", "--prompt", "   "], "needs a prompt"),
    (["generate", "--prompt", "rain", "--model", "echoes-starter"], "cannot make sound from text"),
    (["outpaint", "{clip}", "--seconds", "nan"], "extend (seconds to add) must lie in 0.05–300"),
    (["outpaint", "{clip}", "--seconds", "1e12"], "extend (seconds to add) must lie in 0.05–300"),
    (["outpaint", "{clip}", "--end", "3", "--model", "im2wav-starter"], "cannot extend"),
    (["storyboard", "{clip}", "--window", "nan"], "window (seconds per storyboard picture)"),
    (["storyboard", "{clip}", "--window", "0"], "window (seconds per storyboard picture)"),
    (["storyboard", "{clip}", "--window", "1e9"], "window (seconds per storyboard picture)"),
    (["inpaint", "{clip}", "--gap", "1", "9"], "must be non-empty and lie inside the region"),
    (["inpaint", "{clip}", "--gap", "nan", "1"], "gap time must lie in 0–86400"),
    (["generate", "{clip}", "--end", "10"], "runs past the end"),
    (["generate", "{clip}", "--steps", "8"], "would ignore it"),
    (["generate", "{clip}", "--model", "no-such-model"], "No model bundle named 'no-such-model'"),
])
def test_every_mode_is_checked_before_the_model_loads(no_model, capsys, clip: Path, tmp_path: Path,
                                                      argv: list, message: str) -> None:
    argv = [a.replace("{clip}", str(clip)) for a in argv]
    code, err = run(capsys, *argv, "--out", tmp_path)
    assert code == 2 and message in err and "Traceback" not in err


def test_source_kind_is_told_by_content_not_name(tmp_path: Path, clip: Path, still: Path) -> None:
    disguised = tmp_path / "picture.mp4"
    disguised.write_bytes(still.read_bytes())
    video = tmp_path / "clip.png"
    video.write_bytes(clip.read_bytes())
    assert api.is_image(disguised) and not api.is_image(video)
    gen = SilentGenerator()
    from foley_studio.requests import GenerationRequest
    cond = api.conditioning_for(GenerationRequest("foley", str(disguised), 0.0, 0.5), gen)
    assert cond.frames.shape == (1, 32, 48, 3)
    cond = api.conditioning_for(GenerationRequest("foley", str(video), 0.0, 0.5), gen)
    assert len(cond.frames) == 4


@pytest.mark.parametrize("make_out", [
    lambda tmp: (tmp / "file.txt", tmp / "file.txt"),
    lambda tmp: (tmp / "file.txt", tmp / "file.txt" / "deeper" / "takes"),
])
def test_an_output_folder_that_is_or_lies_under_a_file_is_refused(
        no_model, capsys, clip: Path, tmp_path: Path, make_out) -> None:
    file, out = make_out(tmp_path)
    file.write_text("keep me")
    code, err = run(capsys, "generate", clip, "--out", out)
    assert code == 2 and "is a file, not a folder" in err
    assert file.read_text() == "keep me"


def test_takes_of_different_regions_never_collide(silent, capsys, clip: Path, tmp_path: Path) -> None:
    for start, end in (("0", "1"), ("1", "2")):
        assert main(["generate", str(clip), "--start", start, "--end", end, "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.glob("*.wav"))
    assert names == ["foley_im2wav-starter_0.000-1.000s_seed0.wav",
                     "foley_im2wav-starter_1.000-2.000s_seed0.wav"]


def test_an_existing_take_is_replaced_only_with_overwrite(silent, capsys, still: Path,
                                                          tmp_path: Path) -> None:
    argv = ["generate", str(still), "--end", "0.5", "--out", str(tmp_path)]
    assert main(argv) == 0
    (path,) = tmp_path.glob("*.wav")
    path.write_bytes(b"the user's edit")
    code, err = run(capsys, *argv)
    assert code == 2 and "already exists; pass --overwrite" in err
    assert path.read_bytes() == b"the user's edit"
    assert main([*argv, "--overwrite"]) == 0 and path.read_bytes()[:4] == b"RIFF"


def test_a_partial_batch_says_which_takes_were_written(silent, capsys, monkeypatch, still: Path,
                                                       tmp_path: Path) -> None:
    from foley_studio import media

    real = media.write_take

    def second_fails(path, take, **kw):
        if take.seed == 1:
            raise DiskFullError(f"Could not write {path}: No space left on device.")
        return real(path, take, **kw)

    monkeypatch.setattr(media, "write_take", second_fails)
    code, err = run(capsys, "generate", still, "--takes", "3", "--end", "0.5", "--out", tmp_path)
    first = tmp_path / "foley_im2wav-starter_0.000-0.500s_seed0.wav"
    last = err.strip().splitlines()[-1]  # the lines before it are the progress bar
    assert code == 2 and first.is_file() and last.startswith("foley-studio: error: Could not write")
    err = last
    assert f"Written before the failure: {first}." in err and "seed2.wav" in err.split("Not written")[1]


def test_an_unexpected_error_is_one_line_and_a_crash_report(capsys, monkeypatch, clip: Path,
                                                           tmp_path: Path) -> None:
    from foley_studio import media

    def broken(path):
        raise RuntimeError("decoder exploded")

    monkeypatch.setattr(media, "probe", broken)
    code, err = run(capsys, "probe", clip)
    assert code == 3 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "RuntimeError: decoder exploded" in err
    log = Path(err.split("the full report is in ")[1].split(";")[0])
    assert log.parent == registry.cache_dir() / "logs"
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "decoder exploded" in text
    assert f"foley-studio probe {clip}" in text


def test_no_traceback_reaches_the_terminal_of_a_real_process(tmp_path: Path) -> None:
    code = ("import sys, foley_studio.media as m\n"
            "def boom(path): raise ZeroDivisionError('bad maths')\n"
            "m.probe = boom\n"
            "from foley_studio.cli import main\n"
            "sys.exit(main(['probe', 'whatever.mp4']))\n")
    env = {"FOLEY_STUDIO_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": _root()}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 3 and "Traceback" not in result.stderr + result.stdout
    assert str(tmp_path / "logs") in result.stderr


def _root() -> str:
    return str(Path(__file__).resolve().parents[2])


LIGHT = ("import sys\nfrom foley_studio.cli import build_parser, main\n"
         "build_parser()\n"
         "for argv in (['send', '--help'], ['--help']):\n"
         "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
         "print([m for m in ('torch', 'PyQt6') if m in sys.modules])\n")


def test_building_the_parser_and_send_help_never_import_torch() -> None:
    result = subprocess.run([sys.executable, "-c", LIGHT], capture_output=True, text=True,
                            env={"PYTHONPATH": _root(), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_sending_a_take_never_imports_torch(tmp_path: Path) -> None:
    from foley_studio.media import write_wav

    take = write_wav(tmp_path / "take.wav", np.zeros(1600, np.float32), 16000)
    code = ("import sys\nfrom foley_studio.cli import main\n"
            f"code = main(['send', {str(take)!r}, '--to', 'otio', '--at', '1.5'])\n"
            "print(code, [m for m in ('torch', 'PyQt6') if m in sys.modules])\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"PYTHONPATH": _root(), "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip().splitlines()[-1] == "0 []", result.stderr


def _subcommand(verb: str) -> argparse.ArgumentParser:
    parser = build_parser(verb)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[verb]


@pytest.mark.parametrize("verb", ["generate", "inpaint", "outpaint", "storyboard", "demo", "synth", "eval"])
def test_every_option_states_its_default_and_range(verb: str) -> None:
    for action in _subcommand(verb)._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS or "-h" in action.option_strings:
            continue
        assert "default" in action.help or action.required, f"{verb} {action.option_strings}"
        if action.type in (int, float) and action.nargs is None:
            assert "–" in action.help, f"{verb} {action.option_strings} gives no range"


def test_model_help_names_the_default_and_the_installed_bundles() -> None:
    model = next(a for a in _subcommand("generate")._actions if "--model" in a.option_strings)
    assert "default im2wav-starter" in model.help
    names = [b.name for b in registry.list_bundles()]
    assert names and all(name in model.help for name in names)
    inpaint = next(a for a in _subcommand("inpaint")._actions if "--model" in a.option_strings)
    assert inpaint.default == "echoes-starter"


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory, still: Path) -> dict[str, Path]:
    from helpers_media import make_sound

    root = tmp_path_factory.mktemp("bad")
    files = {"text": root / "notes.mp4", "empty": root / "empty.mp4", "folder": root / "folder.mov",
             "broken_png": root / "broken.png", "file": root / "file.txt"}
    files["text"].write_text("not a video at all\n" * 20)
    files["empty"].write_bytes(b"")
    files["folder"].mkdir()
    files["broken_png"].write_bytes(still.read_bytes()[:40])
    files["file"].write_text("a file where a folder should be")
    files["sound"] = make_sound(root / "sound.wav", seconds=1.0)
    files["silent"] = make_video(root / "silent.mp4", seconds=2.0, fps=12, with_audio=False)
    files["missing"] = root / "missing.mp4"
    return files


BAD_INPUTS = [
    (["generate", "{text}"], "not a video or sound file"),
    (["generate", "{empty}"], "is empty"),
    (["generate", "{folder}"], "is a folder"),
    (["generate", "{missing}"], "does not exist"),
    (["generate", "{sound}"], "has no picture"),
    (["generate", "{broken_png}", "--end", "1"], "not an image that can be read"),
    (["inpaint", "{still}", "--gap", "1", "2"], "is a still image"),
    (["outpaint", "{silent}", "--end", "2"], "has none; choose a clip with sound"),
    (["storyboard", "{silent}", "--end", "2"], "has none; choose a clip with sound"),
    (["probe", "{folder}"], "is a folder"),
    (["synth", "--out", "{out}", "--seconds", "nan"], "seconds must lie in 0.1–600"),
    (["synth", "--out", "{out}", "--seed", "-1"], "seed must lie in 0–"),
    (["synth", "--out", "{file}/world"], "is a file, not a folder"),
    (["eval", "--model", "m", "--data", "d", "--judges", "j", "--out", "{out}", "--per-class", "1"],
     "per-class"),
    (["eval", "--model", "m", "--data", "d", "--judges", "j", "--out", "{out}", "--guidance", "nan"],
     "guidance must lie in 0–20"),
    (["demo", "--takes", "0", "--out", "{out}"], "takes must lie in 1–64"),
    (["demo", "--out", "{file}"], "is a file, not a folder"),
]


@pytest.mark.parametrize("argv, message", BAD_INPUTS)
def test_bad_inputs_end_in_one_line_and_exit_2(no_model, capsys, bad_files: dict, still: Path,
                                              tmp_path: Path, argv: list, message: str) -> None:
    names = {**{k: str(v) for k, v in bad_files.items()}, "still": str(still), "out": str(tmp_path / "o")}
    code, err = run(capsys, *(a.format(**names) for a in argv))
    assert code == 2 and message in err, err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("foley-studio: error:")
