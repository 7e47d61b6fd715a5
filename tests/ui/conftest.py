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


@pytest.fixture
def open_studio(qtbot, catalog, world_clip):
    """Makes main windows showing the world clip (error dialogs are only recorded in
    ``errors.shown``); each is shut down after the test. ``engine`` replaces the audio output."""
    from ui.model.settings import AppSettings
    from ui.qt.main_window import MainWindow

    made = []

    def make(engine=None):
        w = MainWindow(AppSettings(), catalog=catalog, engine=engine)
        qtbot.addWidget(w)
        made.append(w)
        w.errors.present = lambda title, text, detail="": None
        w.resize(1400, 900)
        w.show()
        w.open_video(str(world_clip))
        qtbot.waitUntil(lambda: w.project.video is not None and w.timeline.duration > 0, timeout=20000)
        return w

    yield make
    for w in made:
        w.shutdown()


@pytest.fixture
def studio(open_studio, null_audio):
    """The main window showing the world clip, its sound going to the null ALSA device."""
    return open_studio()
