"""Still images in (OpenCV decoding) and storyboard sheets out (PNG, written atomically)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from foley_studio.atomic import write_bytes_atomic
from foley_studio.errors import ConfigError, NotMediaError
from foley_studio.media.container import check_path

GAP = 2
"""Pixels of dark border between the tiles of a sheet."""


def load_image(path: str | os.PathLike, *, max_side: Optional[int] = None) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB of an image file (grey, alpha and 16-bit are converted).

    With ``max_side``, larger images are scaled down (aspect kept) so neither side exceeds it.
    """
    path = check_path(path)
    data = np.fromfile(path, dtype=np.uint8)  # bytes, so non-ASCII paths work everywhere
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)  # (H, W, 3) BGR, 8-bit
    if image is None:
        raise NotMediaError(f"{path} is not an image that can be read; choose a PNG, JPEG, "
                            "BMP, TIFF or WebP file.")
    image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    height, width = image.shape[:2]
    if max_side is not None and max(height, width) > max_side:
        scale = max_side / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image)


def image_sheet(frames: np.ndarray) -> np.ndarray:
    """Tile ``(N, F, H, W, 3)`` uint8 frames into one ``(rows, cols, 3)`` picture, a row per take."""
    frames = np.asarray(frames)
    if frames.ndim == 4:
        frames = frames[None]  # (F, H, W, 3) → one row
    if frames.ndim != 5 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or 0 in frames.shape:
        raise ConfigError(f"A storyboard sheet needs (takes, frames, H, W, 3) uint8 pictures; "
                          f"got {frames.dtype} {frames.shape}.")
    n, f, h, w, _ = frames.shape
    sheet = np.full((n * h + (n + 1) * GAP, f * w + (f + 1) * GAP, 3), 16, np.uint8)
    for row in range(n):
        for col in range(f):
            y, x = GAP + row * (h + GAP), GAP + col * (w + GAP)
            sheet[y:y + h, x:x + w] = frames[row, col]
    return sheet


def write_image_sheet(path: str | os.PathLike, frames: np.ndarray) -> Path:
    """Write frames ``(N, F, H, W, 3)`` uint8 as one PNG sheet, a row per take (atomically)."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ConfigError(f"Storyboard sheets are PNG files; name {path} with a .png ending.")
    sheet = image_sheet(frames)
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ConfigError(f"Could not encode a {sheet.shape[1]}x{sheet.shape[0]} PNG for {path}.")
    write_bytes_atomic(path, encoded.tobytes())
    return path
