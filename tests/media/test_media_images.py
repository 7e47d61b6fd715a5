"""Still images in, storyboard sheets out."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from foley_studio.errors import ConfigError, EmptyMediaError, MissingFileError, NotMediaError
from foley_studio.media import image_sheet, load_image, write_image_sheet


def test_load_image_gives_rgb(tmp_path: Path) -> None:
    rgb = np.zeros((30, 40, 3), np.uint8)
    rgb[..., 0] = 200  # red
    cv2.imwrite(str(tmp_path / "red.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    image = load_image(tmp_path / "red.png")
    assert image.shape == (30, 40, 3) and image.dtype == np.uint8
    assert image[..., 0].min() == 200 and image[..., 1:].max() == 0


def test_grey_alpha_and_16_bit_images_become_8_bit_rgb(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "grey.png"), np.full((5, 6), 77, np.uint8))
    cv2.imwrite(str(tmp_path / "alpha.png"), np.full((5, 6, 4), 90, np.uint8))
    cv2.imwrite(str(tmp_path / "deep.png"), np.full((5, 6, 3), 65535, np.uint16))
    assert (load_image(tmp_path / "grey.png") == 77).all()
    assert load_image(tmp_path / "alpha.png").shape == (5, 6, 3)
    deep = load_image(tmp_path / "deep.png")
    assert deep.dtype == np.uint8 and (deep == 255).all()


def test_load_image_can_downscale(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "big.png"), np.zeros((300, 1200, 3), np.uint8))
    assert load_image(tmp_path / "big.png", max_side=400).shape == (100, 400, 3)


def test_load_image_errors(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match="gone.png"):
        load_image(tmp_path / "gone.png")
    (tmp_path / "empty.png").touch()
    with pytest.raises(EmptyMediaError, match="empty.png"):
        load_image(tmp_path / "empty.png")
    (tmp_path / "text.png").write_text("a picture of a door")
    with pytest.raises(NotMediaError, match="text.png is not an image"):
        load_image(tmp_path / "text.png")


def test_sheet_has_a_row_per_take(tmp_path: Path) -> None:
    frames = np.zeros((2, 3, 8, 10, 3), np.uint8)  # (takes, windows, H, W, 3)
    for take in range(2):
        for window in range(3):
            frames[take, window] = 40 * take + 10 * window + 5
    path = write_image_sheet(tmp_path / "board.png", frames)
    sheet = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    assert sheet.shape == (2 * 8 + 3 * 2, 3 * 10 + 4 * 2, 3)
    np.testing.assert_array_equal(sheet, image_sheet(frames))
    for take in range(2):
        for window in range(3):
            y, x = 2 + take * 10, 2 + window * 12
            assert (sheet[y:y + 8, x:x + 10] == 40 * take + 10 * window + 5).all()


def test_sheet_refuses_wrong_shapes_and_names(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="uint8"):
        write_image_sheet(tmp_path / "a.png", np.zeros((2, 3, 8, 10, 3), np.float32))
    with pytest.raises(ConfigError):
        write_image_sheet(tmp_path / "a.png", np.zeros((8, 10, 3), np.uint8))
    with pytest.raises(ConfigError, match=".png"):
        write_image_sheet(tmp_path / "a.jpg", np.zeros((1, 1, 8, 10, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []
