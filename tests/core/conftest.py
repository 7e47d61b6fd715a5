"""Media the core tests share: a 3-s clip with sound and a still picture."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from helpers_media import make_video


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=3.0, fps=12)


@pytest.fixture(scope="module")
def still(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("still") / "still.png"
    cv2.imwrite(str(path), np.full((32, 48, 3), 90, np.uint8))
    return path
