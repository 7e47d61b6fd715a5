"""The Preferences dialog, generated from :class:`~ui.model.settings.AppSettings` field types."""
from __future__ import annotations

import dataclasses
from typing import Any, Optional

from PyQt6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
                             QLineEdit, QSpinBox, QWidget)

from ui.model.settings import AppSettings


def _editor(value: Any, meta: dict) -> QWidget:
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
    if isinstance(box, QCheckBox):
        return box.isChecked()
    if isinstance(box, (QSpinBox, QDoubleSpinBox)):
        return box.value()
    return box.text()


class QtPreferences(QDialog):
    """Edits a copy of the settings; :meth:`result_settings` returns it when accepted."""

    def __init__(self, settings: AppSettings, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.settings = settings
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout(self)
        for f in settings.editable_fields():
            self.editors[f.name] = _editor(getattr(settings, f.name), dict(f.metadata))
            form.addRow(f.metadata["label"], self.editors[f.name])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def result_settings(self) -> AppSettings:
        """The settings with the dialog's values (stored as values, never widget indices)."""
        return dataclasses.replace(self.settings, **{k: _value(w) for k, w in self.editors.items()})
