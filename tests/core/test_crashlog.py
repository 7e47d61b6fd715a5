"""Crash reports hold the whole traceback and land where the message says, even when the cache
folder cannot be written."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from foley_studio.crashlog import write_traceback


def _raised() -> ValueError:
    try:
        int("not a number")
    except ValueError as exc:
        return exc
    raise AssertionError("int() accepted text")


def test_a_report_holds_the_context_and_the_traceback(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FOLEY_STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    path = write_traceback(_raised(), context="foley-studio probe x.mp4")
    assert path.parent == tmp_path / "cache" / "logs" and path.suffix == ".log"
    text = path.read_text()
    assert "context: foley-studio probe x.mp4" in text
    assert "Traceback (most recent call last)" in text and "in _raised" in text
    assert "invalid literal for int()" in text
    assert write_traceback(_raised(), context="again") != path  # one file per crash


def test_an_unwritable_cache_falls_back_to_the_temporary_folder(tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("FOLEY_STUDIO_CACHE_DIR", str(blocker))
    path = write_traceback(_raised(), context="test")
    assert path.is_relative_to(Path(tempfile.gettempdir())) and "ValueError" in path.read_text()
    path.unlink()
    assert blocker.read_text().startswith("a file")


def test_the_keyword_only_signature_is_kept() -> None:
    with pytest.raises(TypeError):
        write_traceback(_raised(), "positional context")  # type: ignore[misc]
