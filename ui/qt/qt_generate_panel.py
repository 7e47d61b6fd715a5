"""The Generate panel: mode, weights, preset, prompt, takes, seed, sampler settings, and whether
takes are conformed to the sync lane's hits (with a note when the chosen model ignores sync)."""
from __future__ import annotations

import random
from typing import Optional

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                             QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                             QScrollArea, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from foley_studio.estimate import format_duration
from foley_studio.requests import SamplerSettings
from ui.model.presets import GenerationPreset, list_presets
from ui.model.settings import AppSettings
from ui.services.catalog import GeneratorCatalog
from ui.services.generation import MODE_LABELS, GenerateOptions


def _spin(low: float, high: float, value: float, decimals: int = 0, step: float = 1.0):
    box = QDoubleSpinBox() if decimals else QSpinBox()
    box.setRange(low, high)
    if decimals:
        box.setDecimals(decimals)
        box.setSingleStep(step)
    box.setValue(value)
    return box


class QtGeneratePanel(QWidget):
    """Collects :class:`GenerateOptions`; ``generate_requested`` when the button is pressed."""

    generate_requested = pyqtSignal()
    folder_added = pyqtSignal(str)

    def __init__(self, catalog: GeneratorCatalog, settings: AppSettings,
                 parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.catalog, self.settings = catalog, settings
        self.mode = QComboBox()
        for key, label in MODE_LABELS.items():
            self.mode.addItem(label, key)
        self.generator = QComboBox()
        self.generator.activated.connect(lambda _: self._on_generator_picked())
        self.add_folder = QToolButton(text="Folder…")
        self.add_folder.setToolTip("Add a folder of model bundles (or one bundle)")
        self.add_folder.clicked.connect(self._on_add_folder)
        self.preset = QComboBox()
        self.preset.activated.connect(lambda _: self.apply_preset(self.preset.currentData()))
        self.prompt = QLineEdit(placeholderText="e.g. footsteps on gravel (text prompt mode)")
        self.takes = _spin(1, 16, settings.takes)
        self.seed = _spin(0, 2**31 - 1, 0)
        self.seed.setToolTip("Seed of the next run's first take; it moves on after each run "
                             "(each take keeps the seed it was made with)")
        self.dice = QToolButton(text="Random")
        self.dice.setToolTip("New random seed")
        self.dice.clicked.connect(lambda: self.seed.setValue(random.randrange(2**31 - 1)))
        self.guidance = _spin(0.0, 20.0, settings.guidance, 2, 0.5)
        self.image_guidance = _spin(0.0, 20.0, 1.0, 2, 0.5)
        self.image_guidance.setToolTip("Guidance of storyboard pictures on their sound (1 = none)")
        self.sync_guidance = _spin(0.0, 20.0, SamplerSettings().sync_guidance, 2, 0.5)
        self.sync_guidance.setToolTip("How strongly IM2WAV follows the sync lane's hits apart from "
                                      "the picture (models without sync ignore it)")
        self.temperature = _spin(0.05, 3.0, 1.0, 2, 0.05)
        self.top_k = _spin(0, 4096, 0)
        self.steps = _spin(1, 200, 30)
        self.extend = _spin(0.1, 30.0, 2.0, 2, 0.5)
        self.conform = QCheckBox("Conform takes to the sync hits")
        self.conform.setChecked(True)
        self.conform.setToolTip("After generating, move each transient of a take onto its hit on "
                                "the sync lane (the take keeps the original too, for A/B)")
        self.sync_note = QLabel("")
        self.sync_note.setWordWrap(True)
        self.sync_note.setObjectName("note")
        self.generator.currentIndexChanged.connect(lambda _: self.refresh_sync_note())
        self.mode.currentIndexChanged.connect(lambda _: self._enable_prompt())
        self._enable_prompt()
        self.button = QPushButton("Generate")
        self.button.setObjectName("primary")
        self.eta = QLabel()  # the running job's estimated time left on this machine
        self.button.clicked.connect(self.generate_requested.emit)
        self._layout()
        self.refresh_generators()
        self.refresh_presets()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Mode", self.mode)
        form.addRow("Weights", _row(self.generator, self.add_folder))
        form.addRow("Preset", self.preset)
        form.addRow("Prompt", self.prompt)
        form.addRow("Takes", _row(self.takes, QLabel("Seed"), self.seed, self.dice))
        sampler = QGroupBox("Sampler")
        grid = QGridLayout(sampler)
        for i, (label, box) in enumerate((("Guidance", self.guidance), ("Temperature", self.temperature),
                                          ("Top-k", self.top_k), ("Steps", self.steps),
                                          ("Extend by (s)", self.extend),
                                          ("Image guidance", self.image_guidance),
                                          ("Sync guidance", self.sync_guidance))):
            grid.addWidget(QLabel(label), i // 2, (i % 2) * 2)
            grid.addWidget(box, i // 2, (i % 2) * 2 + 1)
        fields = QWidget()
        inner = QVBoxLayout(fields)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addLayout(form)
        inner.addWidget(sampler)
        inner.addWidget(self.conform)
        inner.addWidget(self.sync_note)
        inner.addStretch(1)
        scroll = QScrollArea()  # the form scrolls in a short panel; Generate stays in view
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(fields)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll, 1)
        outer.addWidget(self.button)
        outer.addWidget(self.eta)

    def refresh_generators(self) -> None:
        """List the catalog's entries again, keeping the current choice when it is still there."""
        current = self.generator.currentData() or self.settings.generator
        self.generator.clear()
        for entry in self.catalog.entries():
            self.generator.addItem(entry.label, entry.key)
        index = self.generator.findData(current)
        self.generator.setCurrentIndex(max(index, 0))
        self.refresh_sync_note()

    def refresh_sync_note(self) -> None:
        """Say when the chosen model ignores the sync lane (known once it has been loaded)."""
        follows = self.catalog.follows_sync(self.generator.currentData())
        self.sync_note.setText("" if follows is not False else
                               "This model ignores sync: its takes follow the hits only "
                               "through conform.")

    def refresh_presets(self) -> None:
        """List built-in and user presets."""
        self.preset.clear()
        for preset in list_presets():
            self.preset.addItem(preset.name, preset)

    def apply_preset(self, preset: GenerationPreset) -> None:
        """Fill the fields from ``preset``, with its values for the chosen generator's kind."""
        s = preset.sampler_for(self.catalog.kind_of(self.generator.currentData()))
        self.guidance.setValue(s.guidance)
        self.image_guidance.setValue(s.image_guidance)
        self.sync_guidance.setValue(s.guidance if s.sync_guidance is None else s.sync_guidance)
        self.temperature.setValue(s.temperature)
        self.top_k.setValue(s.top_k)
        self.steps.setValue(s.steps)
        self.takes.setValue(preset.takes)
        if preset.prompt:
            self.prompt.setText(preset.prompt)

    def _enable_prompt(self) -> None:
        """The prompt is only used, and only editable, in text mode (the picture guides the rest)."""
        self.prompt.setEnabled(self.mode.currentData() == "text")

    def set_mode(self, mode: str) -> None:
        """Choose a mode by key (``foley``, ``inpaint``…)."""
        self.mode.setCurrentIndex(self.mode.findData(mode))

    def set_generator(self, key: str) -> None:
        """Choose a generator by catalog key."""
        self.generator.setCurrentIndex(self.generator.findData(key))

    def options(self) -> GenerateOptions:
        """The panel's values (sampler values are validated here)."""
        sampler = SamplerSettings(guidance=self.guidance.value(), image_guidance=self.image_guidance.value(),
                                  sync_guidance=self.sync_guidance.value(),
                                  temperature=self.temperature.value(), top_k=self.top_k.value(),
                                  steps=self.steps.value())
        s = self.settings
        return GenerateOptions(mode=self.mode.currentData(), generator=self.generator.currentData() or "",
                               takes=self.takes.value(), seed=self.seed.value(),
                               prompt=self.prompt.text().strip(), sampler=sampler,
                               extend_seconds=self.extend.value(), still_seconds=s.still_seconds,
                               context_seconds=s.inpaint_context, crossfade_ms=s.crossfade_ms,
                               window=s.storyboard_window, conform=self.conform.isChecked())

    def advance_seed(self, used: int, following: int) -> None:
        """After a run that started at seed ``used``, show ``following`` so the next Generate
        makes new takes; a seed the user typed meanwhile is kept for the next run."""
        if self.seed.value() == used:
            self.seed.setValue(min(following, self.seed.maximum()))

    def show_job(self, job) -> None:
        """Show a running job's estimated time left (empty when there is no estimate)."""
        left = job.remaining_s()
        self.eta.setText("" if left is None else f"{format_duration(left)} left "
                                                 f"(estimated {format_duration(job.estimate.total_s)})")

    def _on_generator_picked(self) -> None:
        """A preset with values per generator follows the newly picked generator."""
        preset = self.preset.currentData()
        if preset is not None and preset.by_generator:
            self.apply_preset(preset)

    def _on_add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of model bundles")
        if folder:
            self.folder_added.emit(folder)


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        layout.addWidget(w, 0 if isinstance(w, (QLabel, QToolButton)) else 1)
    return box
