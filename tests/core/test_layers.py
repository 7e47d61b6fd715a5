"""The layer rule: the foundation, media, bridge and the app's model and services stay free
of Qt (and all but the services of torch), checked by importing each in a fresh process."""
from __future__ import annotations

import subprocess
import sys

import pytest

CASES = [
    ("bridge", ("torch", "PyQt6")),
    ("foley_studio", ("torch", "PyQt6", "cv2")),
    ("foley_studio.requests", ("torch", "PyQt6")),
    ("foley_studio.generation", ("torch", "PyQt6")),
    ("foley_studio.registry", ("torch", "PyQt6")),
    ("foley_studio.estimate", ("torch", "PyQt6")),
    ("foley_studio.downloads", ("torch", "PyQt6", "gdown", "requests")),
    ("foley_studio.timeline", ("torch", "PyQt6")),
    ("foley_studio.presets", ("torch", "PyQt6")),
    ("foley_studio.media", ("torch", "PyQt6")),
    ("foley_studio.media.delivery", ("torch", "PyQt6")),
    ("foley_studio.media.mix", ("torch", "PyQt6")),
    ("foley_studio.crashlog", ("torch", "PyQt6", "numpy")),
    ("foley_studio.outputs", ("torch", "PyQt6")),
    ("foley_studio.cli", ("torch", "PyQt6", "numpy")),
    ("foley_studio.conform", ("torch", "PyQt6")),
    ("foley_studio.syncing", ("torch", "PyQt6", "cv2")),
    ("foley_studio.syncing.visual", ("torch", "PyQt6", "sounddevice")),
    ("foley_studio.syncing.performed", ("torch", "PyQt6", "sounddevice")),
    ("foley_studio.syncing.train_detector", ("torch", "PyQt6")),
    ("foley_studio.training.options", ("torch", "PyQt6")),
    ("ui.model", ("PyQt6", "torch")),
    ("ui.model.history", ("PyQt6", "torch")),
    ("ui.model.commands", ("PyQt6", "torch")),
    ("ui.model.project_file", ("PyQt6", "torch")),
    ("ui.model.settings", ("PyQt6", "torch")),
    ("ui.model.presets", ("PyQt6", "torch")),
    ("ui.model.lanes", ("PyQt6", "torch")),
    ("ui.services.jobs", ("PyQt6", "torch")),
    ("ui.services.generation", ("PyQt6", "torch")),
    ("ui.services.catalog", ("PyQt6", "torch")),
    ("ui.services.playback", ("PyQt6", "torch", "sounddevice")),
    ("ui.services.media", ("PyQt6", "torch")),
    ("ui.services.send", ("PyQt6", "torch")),
    ("ui.services.lane_delivery", ("PyQt6", "torch", "av")),
    ("ui.services.autosave", ("PyQt6", "torch")),
    ("ui.services.splice", ("PyQt6", "torch")),
    ("ui.services.mixing", ("PyQt6", "torch", "sounddevice")),
    ("ui.services.sync_hits", ("PyQt6", "torch", "cv2", "sounddevice")),
    ("ui.app", ("PyQt6", "torch")),
]


@pytest.mark.parametrize("module, banned", CASES)
def test_import_stays_light(module: str, banned: tuple[str, ...]) -> None:
    code = (f"import sys, {module}; bad = [m for m in {banned!r} if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"import {module} loaded {result.stdout.strip()}{result.stderr}"


def test_core_never_imports_app_or_bridge() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "foley_studio"
    offenders = [str(p) for p in root.rglob("*.py") if p.name != "cli.py" and p.parent.name != "commands"
                 and any(line.lstrip().startswith(("import ui", "from ui", "import bridge", "from bridge"))
                         for line in p.read_text().splitlines())]
    assert offenders == []
