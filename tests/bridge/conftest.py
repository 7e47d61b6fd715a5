"""Fixtures for the bridge tests (the doubles themselves are in bridge_doubles.py)."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from bridge_doubles import LiveDouble, OscDump, ReaperDouble, free_udp_port
from foley_studio.media import write_bwf


@pytest.fixture
def make_take(tmp_path: Path) -> Callable[..., Path]:
    """Write a Broadcast WAV take: ``make_take(name, seconds, rate=48000, at=0.0)``."""
    def make(name: str = "take.wav", seconds: float = 1.5, rate: int = 48000, at: float = 0.0,
             channels: int = 1) -> Path:
        t = np.arange(int(round(seconds * rate))) / rate
        audio = 0.25 * np.sin(2 * np.pi * 440 * t)  # (S,)
        if channels > 1:
            audio = np.stack([audio] * channels)  # (C, S)
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_bwf(path, audio, rate, time_reference=int(round(at * rate)))
    return make


@pytest.fixture
def live() -> LiveDouble:
    double = LiveDouble(free_udp_port())
    yield double
    double.close()


@pytest.fixture
def oscdump() -> OscDump:
    dump = OscDump()
    yield dump
    dump.close()


@pytest.fixture
def reaper_double(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ReaperDouble:
    """A REAPER double whose resource folder is where the bridge looks for it on this system."""
    if shutil.which("lua5.4") is None:
        pytest.skip("lua5.4 is not installed")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    double = ReaperDouble(tmp_path / "spool", tmp_path / "project.tsv",
                          resource=tmp_path / "config" / "REAPER")
    yield double
    double.close()
