"""The spectrogram sheet: one cell per (class, source), a tone drawn at its height."""
from __future__ import annotations

import numpy as np

from foley_studio.evaluation.plot import (SHEET_CELL_H, SHEET_CELL_W, SHEET_HEAD_H, SHEET_LABEL_W,
                                          spectrogram_image, spectrogram_sheet)

RATE = 16000


def test_a_tone_is_a_bright_row_at_its_log_frequency_height() -> None:
    t = np.arange(RATE) / RATE
    image = spectrogram_image(np.sin(2 * np.pi * 1000 * t), RATE).astype(float).sum(axis=(1, 2))  # (H,)
    row = int(np.argmax(image))
    expected = SHEET_CELL_H - 1 - np.log(1000 / 60) / np.log(RATE / 2 / 60) * (SHEET_CELL_H - 1)
    assert abs(row - expected) <= 2


def test_sheet_places_each_cell_and_leaves_missing_ones_blank() -> None:
    noise = np.random.default_rng(0).standard_normal(RATE)
    sheet = spectrogram_sheet({("ball", "real"): noise, ("ball", "take"): noise}, ["ball", "bird"],
                              ["real", "take"], RATE)
    assert sheet.shape == (SHEET_HEAD_H + 2 * (SHEET_CELL_H + 4), SHEET_LABEL_W + 2 * (SHEET_CELL_W + 4), 3)
    ball = sheet[SHEET_HEAD_H:SHEET_HEAD_H + SHEET_CELL_H, SHEET_LABEL_W:SHEET_LABEL_W + SHEET_CELL_W]
    bird = sheet[SHEET_HEAD_H + SHEET_CELL_H + 4:, SHEET_LABEL_W:]
    assert ball.std() > 5 and (bird == 255).all()


def test_every_chart_title_is_drawn_in_ascii():
    from foley_studio.evaluation.plot import ASCII_MARKS
    from foley_studio.evaluation.report import METRICS, _heading

    for metric in METRICS:
        assert _heading(metric).translate(ASCII_MARKS).isascii(), _heading(metric)
