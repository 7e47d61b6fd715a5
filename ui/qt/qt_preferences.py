"""The Preferences dialog, generated from :class:`~ui.model.settings.AppSettings` field types.

Fields are grouped by their ``section`` (a heading row per section); a field with ``choices``
gets a drop-down, whose value is the choice itself (never its index). ``choices="ucs"`` offers
the shipped UCS CatIDs in an editable drop-down (a CatID from a full UCS list can be typed).
The Send panel opens the same dialog on the Delivery section alone.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Optional, Sequence

from PyQt6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                             QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget)

from ui.model.settings import AppSettings


def _choices(meta: dict) -> Sequence[Any]:
    if meta["choices"] == "ucs":
        from foley_studio.media.delivery import ucs_categories

        return list(ucs_categories())
    return meta["choices"]


def _combo(value: Any, meta: dict) -> QComboBox:
    box = QComboBox()
    box.setEditable(meta["choices"] == "ucs")
    for choice in _choices(meta):
        box.addItem(str(choice), choice)
    index = box.findData(value)
    if index < 0:  # a value the list lacks (a CatID from the user's full UCS list)
        box.addItem(str(value), value)
        index = box.count() - 1
    box.setCurrentIndex(index)
    return box


def _editor(value: Any, meta: dict) -> QWidget:
    if "choices" in meta:
        return _combo(value, meta)
    if isinstance(value, bool):
        box = QCheckBox()
        box.setChecked(value)
    elif isinstance(value, int):
        box = QSpinBox()
        box.setRange(int(meta.get("min", 0)), int(meta.get("max", 10**6)))
        box.setValue(value)
    elif isinstance(value, float):
        box = QDoubleSpinBox()
        box.setRange(float(meta.get("min", 0.0)), float(meta.get("max", 1e6)))
        box.setDecimals(2)
        box.setValue(value)
    else:
        box = QLineEdit(str(value))
    return box


def _value(box: QWidget) -> Any:
    if isinstance(box, QComboBox):
        text = box.currentText().strip()
        return box.currentData() if box.itemText(box.currentIndex()) == text else text
    if isinstance(box, QCheckBox):
        return box.isChecked()
    if isinstance(box, (QSpinBox, QDoubleSpinBox)):
        return box.value()
    return box.text()


class QtPreferences(QDialog):
    """Edits a copy of the settings (all, or one ``section``); :meth:`result_settings` returns
    it when accepted."""

    def __init__(self, settings: AppSettings, parent: Optional[QWidget] = None,
                 section: Optional[str] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{section} settings" if section else "Preferences")
        self.settings = settings
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout(self)
        heading = None
        for f in settings.editable_fields(section):
            meta = dict(f.metadata)
            if section is None and meta.get("section", "General") != (heading or "General"):
                heading = meta["section"]
                form.addRow(QLabel(f"<b>{heading}</b>"))
            self.editors[f.name] = _editor(getattr(settings, f.name), meta)
            form.addRow(meta["label"], self.editors[f.name])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def result_settings(self) -> AppSettings:
        """The settings with the dialog's values (stored as values, never widget indices)."""
        return dataclasses.replace(self.settings, **{k: _value(w) for k, w in self.editors.items()})
