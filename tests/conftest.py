"""Shared test set-up: offscreen Qt, one torch thread, a null ALSA device, no network."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["FOLEY_STUDIO_MODELS"] = ""


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point caches and settings at a temporary folder so tests never see the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("FOLEY_STUDIO_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("FOLEY_STUDIO_CONFIG", str(home / "config"))


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread() -> None:
    """Tests are small; one thread keeps them fast on a shared two-core machine."""
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)


NULL_ASOUNDRC = "pcm.!default { type null }\nctl.!default { type hw card 0 }\n"


@pytest.fixture(scope="session", autouse=True)
def _portaudio_on_null_alsa(tmp_path_factory: pytest.TempPathFactory) -> None:
    """PortAudio reads the ALSA set-up once per process, when sounddevice is first imported:
    whichever test imports it first (the app, the doctor, voiced hits), the suite's default
    output is then the null device."""
    home = tmp_path_factory.mktemp("alsa-home")
    (home / ".asoundrc").write_text(NULL_ASOUNDRC)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ALSA_CONFIG_PATH", "/usr/share/alsa/alsa.conf")
        patch.setenv("HOME", str(home))
        try:
            import sounddevice  # noqa: F401 - initialises PortAudio now, on the null device
        except OSError:  # no PortAudio library: the tests that need it say so themselves
            pass


@pytest.fixture
def null_audio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ALSA configuration whose default PCM is the null device, so playback really runs."""
    conf = tmp_path / "asoundrc"
    conf.write_text(NULL_ASOUNDRC)
    monkeypatch.setenv("ALSA_CONFIG_PATH", "/usr/share/alsa/alsa.conf")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".asoundrc").write_text(conf.read_text())
    return conf
