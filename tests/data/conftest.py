"""Fixtures for the world tests: a tiny rendered dataset folder, shared per session."""
from __future__ import annotations

from pathlib import Path

import pytest

from foley_studio.data.render import render_dataset


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten one-second clips (one per class) rendered with one worker."""
    root = tmp_path_factory.mktemp("world")
    render_dataset(root, 10, seed=7, seconds=1.0, workers=1)
    return root
