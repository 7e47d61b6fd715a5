"""Fixtures for the app tests: a procedural-world clip on disk and the tiny real generators."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def world_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4 s mp4 of the procedural world (picture and soundtrack with visible events)."""
    from foley_studio.data import render_clip, write_mp4

    path = tmp_path_factory.mktemp("world") / "world.mp4"
    write_mp4(path, render_clip(3, seconds=4.0))
    return path


@pytest.fixture(scope="session")
def tiny_im2wav():
    """IM2WAV with tiny random weights (foley and text modes)."""
    from foley_studio.models.im2wav.generator import Im2WavGenerator

    return Im2WavGenerator.tiny()


@pytest.fixture(scope="session")
def tiny_echoes():
    """Visual Echoes with tiny random weights (foley, inpaint, extend, storyboard)."""
    from foley_studio.models.echoes.generator import EchoesGenerator

    return EchoesGenerator.tiny()


@pytest.fixture
def catalog(tiny_im2wav, tiny_echoes):
    """A weights picker offering both tiny generators."""
    from ui.services.catalog import GeneratorCatalog

    cat = GeneratorCatalog()
    cat.add_generator("im2wav-tiny", tiny_im2wav)
    cat.add_generator("echoes-tiny", tiny_echoes)
    return cat
