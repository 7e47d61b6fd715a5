"""Timing, requests, progress, atomic writes and the bundle registry (no torch)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from foley_studio import registry
from foley_studio.atomic import atomic_path, write_text_atomic
from foley_studio.errors import (Cancelled, CheckpointError, ConfigError, DiskFullError,
                                 ModelUnavailableError, SelectionError)
from foley_studio.progress import CancelToken, wrap_progress
from foley_studio.requests import GenerationRequest, SamplerSettings, Take
from foley_studio.timeline import TimeRange, parse_timecode, seconds_to_samples, timecode


def test_time_range_checks_and_converts() -> None:
    r = TimeRange(1.0, 2.5)
    assert r.duration == 1.5 and r.samples(16000) == (16000, 40000)
    assert r.within(3.0) is r
    with pytest.raises(SelectionError, match="past the end"):
        r.within(2.0)
    with pytest.raises(SelectionError, match="swap"):
        TimeRange(2.0, 1.0)
    with pytest.raises(SelectionError):
        TimeRange(-0.5, 1.0)


def test_timecode_round_trip() -> None:
    assert timecode(3661.5, 25) == "01:01:01:12"
    assert parse_timecode("01:01:01:12", 25) == pytest.approx(3661.48)
    assert parse_timecode("00:00:02.5", 25) == 2.5
    assert seconds_to_samples(1.00001, 48000) == 48000
    with pytest.raises(SelectionError):
        parse_timecode("one minute", 25)


@pytest.mark.parametrize("kwargs, message", [
    ({"mode": "sing", "source": "a.mp4"}, "Unknown mode"),
    ({"mode": "foley", "source": "a.mp4", "takes": 0}, "takes must lie in 1–64"),
    ({"mode": "text"}, "needs a prompt"),
    ({"mode": "foley"}, "needs a video"),
    ({"mode": "inpaint", "source": "a.mp4"}, "needs a gap"),
    ({"mode": "extend", "source": "a.mp4"}, "how many seconds"),
])
def test_bad_requests_say_what_to_do(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        GenerationRequest(**kwargs)


def test_sampler_settings_validate() -> None:
    with pytest.raises(ConfigError):
        SamplerSettings(temperature=0)
    with pytest.raises(ConfigError):
        SamplerSettings(top_p=1.5)


def test_take_provenance_is_json_safe() -> None:
    take = Take(np.zeros(1600, np.float32), 16000, "im2wav", 7, 1.5, prompt="door")
    assert take.duration == 0.1
    assert json.loads(json.dumps(take.provenance()))["seed"] == 7


def test_progress_wrap_and_cancel() -> None:
    seen = []
    inner = wrap_progress(lambda d, t: seen.append((d, t)), 0.5, 1.0, scale=100)
    inner(1, 2)
    inner(2, 2)
    assert seen == [(75, 100), (100, 100)]
    token = CancelToken()
    token.raise_if_set()
    token.cancel()
    with pytest.raises(Cancelled):
        token.raise_if_set()


def test_atomic_write_leaves_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "take.wav"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["take.wav"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_folder_is_a_clear_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    with pytest.raises(DiskFullError, match="locked"):
        write_text_atomic(locked / "a.json", "{}")


def test_full_disk_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(DiskFullError, match="Free some space"):
        write_text_atomic(tmp_path / "a.json", "{}")
    assert not any(tmp_path.iterdir())


def test_registry_finds_bundles_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "models" / "mine"
    bundle.mkdir(parents=True)
    (bundle / "bundle.json").write_text(json.dumps({"name": "mine", "kind": "im2wav"}))
    monkeypatch.setenv("FOLEY_STUDIO_MODELS", str(tmp_path / "models"))
    assert registry.resolve("mine").path == bundle
    assert registry.resolve(str(bundle)).kind == "im2wav"
    with pytest.raises(ModelUnavailableError, match="mine"):
        registry.resolve("missing")
    (bundle / "bundle.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="damaged"):
        registry.resolve(str(bundle))
    with pytest.raises(CheckpointError, match="Unknown bundle kind"):
        registry.loader_for("wavenet")


def test_atomic_write_gives_the_usual_file_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "project.json", "{}")
    finally:
        os.umask(old)
    assert (tmp_path / "project.json").stat().st_mode & 0o777 == 0o644


def test_atomic_write_under_a_file_says_which_file_is_in_the_way(tmp_path: Path) -> None:
    blocker = tmp_path / "takes"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="takes is a file, not a folder"):
        with atomic_path(blocker / "sub" / "a.wav") as tmp:
            tmp.write_bytes(b"x")
