"""Every option of ``train`` and ``weights`` states its default and range, and a value out of
range, NaN, infinite or not a number is refused in one line before any data or model is touched."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from foley_studio.cli import build_parser, main
from foley_studio.errors import ConfigError
from foley_studio.training.options import LIMITS, Multiple, Ranged


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> Iterator[tuple]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for sub in subs:
        for name, child in sub.choices.items():
            yield from _leaves(child, path + (name,))


LEAVES = {path: parser for verb in ("train", "weights") for path, parser in _leaves(build_parser(verb), ())}
OPTIONS = [a for p in LEAVES.values() for a in p._actions if a.option_strings and "-h" not in a.option_strings]
RANGED = [(path, a.option_strings[0]) for path, p in LEAVES.items() for a in p._actions
          if isinstance(a.type, Ranged)]


def test_the_walk_finds_every_stage_and_importer() -> None:
    from foley_studio.commands.train import TRAINERS
    from foley_studio.commands.weights import IMPORTERS

    assert {("train", s) for s in TRAINERS} | {("weights", "import", k) for k in IMPORTERS} <= set(LEAVES)
    assert {("weights", "download", "im2wav"), ("weights", "list")} <= set(LEAVES)
    assert len(OPTIONS) > 180 and len(RANGED) > 110


@pytest.mark.parametrize("path", list(LEAVES), ids=" ".join)
def test_every_option_states_its_default_and_range(path: tuple[str, ...]) -> None:
    for action in LEAVES[path]._actions:
        if not action.option_strings or "-h" in action.option_strings:
            continue
        name = f"{' '.join(path)} {action.option_strings[0]}"
        assert action.required or "default" in action.help, f"{name} states no default"
        assert action.type not in (int, float), f"{name} is a number whose range is never checked"
        if isinstance(action.type, Ranged):
            limit = action.type.limit
            assert limit.label == action.option_strings[0]
            assert limit.span in action.help, f"{name} gives no range"
            if action.default is not None:
                limit.check(action.default)  # a default the check would refuse is a bug


def _spy(monkeypatch: pytest.MonkeyPatch, path: tuple[str, ...]) -> list:
    """Replace the leaf's run function by one that records its arguments."""
    func = LEAVES[path]._defaults["func"]
    calls: list = []
    monkeypatch.setattr(sys.modules[func.__module__], func.__name__, lambda args: calls.append(args) or 0)
    return calls


def _required(path: tuple[str, ...], root: Path) -> list[str]:
    """Values for the leaf's required arguments, all naming paths that do not exist."""
    argv: list[str] = []
    for action in LEAVES[path]._actions:
        missing = str(root / f"missing-{action.dest}")
        if not action.option_strings:
            argv.append(missing)
        elif action.required:
            argv += [action.option_strings[0], missing]
    return argv


def _bad_values(limit) -> list[str]:
    whole = "1.5" if limit.integer else None
    below, above = limit.low - (1 if limit.integer else abs(limit.low) * 0.5 + 1e-3), limit.high * 2 + 1
    show = (lambda v: str(int(v))) if limit.integer else repr
    values = [show(below), show(above), "nan", "inf", "-inf", "ten", "", whole]
    if isinstance(limit, Multiple):
        values.append(str(limit.low + 1))
    return [v for v in values if v is not None]


@pytest.mark.parametrize("path, flag", RANGED, ids=[f"{' '.join(p)} {f}" for p, f in RANGED])
def test_bad_values_are_refused_in_one_line_before_any_work(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path,
        path: tuple[str, ...], flag: str) -> None:
    calls = _spy(monkeypatch, path)
    limit = next(a.type.limit for a in LEAVES[path]._actions if flag in a.option_strings)
    for value in _bad_values(limit):
        code = main([*path, f"{flag}={value}", *_required(path, tmp_path)])
        err = capsys.readouterr().err
        assert code == 2, (flag, value, err)
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert f"error: {flag} must" in err and limit.span in err, err
        assert f"(got {value!r})" in err or f"(got {value})" in err, err
    assert calls == [] and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", [p for p in LEAVES if any(q == p for q, _ in RANGED)], ids=" ".join)
def test_both_ends_of_every_range_are_accepted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                path: tuple[str, ...]) -> None:
    calls = _spy(monkeypatch, path)
    ranged = [a for a in LEAVES[path]._actions if isinstance(a.type, Ranged)]
    for end in ("low", "high"):
        values = {a.dest: getattr(a.type.limit, end) for a in ranged}
        given = [arg for a in ranged for arg in (a.option_strings[0], _typed(a, values[a.dest]))]
        assert main([*path, *given, *_required(path, tmp_path)]) == 0
        assert {dest: getattr(calls[-1], dest) for dest in values} == values


def _typed(action: argparse.Action, value: float) -> str:
    return str(int(value)) if action.type.limit.integer else repr(float(value))


def test_an_integer_option_gives_an_int_and_a_real_one_a_float() -> None:
    assert Ranged(LIMITS["steps"])("12") == 12 and isinstance(Ranged(LIMITS["steps"])("12"), int)
    assert Ranged(LIMITS["lr"])("1e-3") == pytest.approx(1e-3)
    with pytest.raises(ConfigError, match=r"--text-width must lie in 2–2048, a multiple of 2 \(got 33\)"):
        Ranged(LIMITS["text_width"])("33")


def test_a_real_run_with_a_bad_value_exits_2_without_reading_anything(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "foley_studio.cli", "train", "clip", "--data", str(tmp_path / "none"),
         "--out", str(out), "--lr", "nan"],
        capture_output=True, text=True, env={"PYTHONPATH": str(Path(__file__).resolve().parents[2]),
                                             "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"})
    assert result.returncode == 2, result.stderr
    assert result.stderr == "foley-studio: error: --lr must lie in 1e-08–1 (got nan).\n"
    assert not out.exists()


CROSS_CHECKS = [
    ("echoes-spec-vqgan", "echoes.train_vqgan", ["--preset", "tiny", "--crop-frames", "3"],
     "--crop-frames 3 must be a positive multiple"),
    ("echoes-transformer", "echoes.train_transformer", ["--cond-prob", "0.6", "--null-prob", "0.6"],
     "add up to at most 1"),
    ("im2wav-vqvae", "im2wav.train_vqvae", ["--segment", "5", "--seconds", "4"],
     "--segment 5.0 s does not fit in the --seconds 4.0 s"),
]


@pytest.mark.parametrize("stage, module, given, message", CROSS_CHECKS, ids=[c[0] for c in CROSS_CHECKS])
def test_options_checked_together_are_refused_before_any_model(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path,
        stage: str, module: str, given: list[str], message: str) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("work started before the options were checked")

    monkeypatch.setattr(f"foley_studio.models.{module}.setup_distributed", refuse)
    code = main(["train", stage, *given, *_required(("train", stage), tmp_path)])
    assert code == 2 and message in capsys.readouterr().err
