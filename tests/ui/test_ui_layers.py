"""ui.model and ui.services stay free of PyQt6 (and the model of torch), checked in a fresh process."""
from __future__ import annotations

import subprocess
import sys

import pytest

CASES = [
    ("ui.model", ("PyQt6", "torch")),
    ("ui.model.history", ("PyQt6", "torch")),
    ("ui.model.commands", ("PyQt6", "torch")),
    ("ui.model.project_file", ("PyQt6", "torch")),
    ("ui.model.settings", ("PyQt6", "torch")),
    ("ui.model.presets", ("PyQt6", "torch")),
    ("ui.services.jobs", ("PyQt6", "torch")),
    ("ui.services.generation", ("PyQt6", "torch")),
    ("ui.services.catalog", ("PyQt6", "torch")),
    ("ui.services.playback", ("PyQt6", "torch", "sounddevice")),
    ("ui.services.media", ("PyQt6", "torch")),
    ("ui.services.send", ("PyQt6", "torch")),
    ("ui.services.autosave", ("PyQt6", "torch")),
    ("ui.services.splice", ("PyQt6", "torch")),
    ("ui.app", ("PyQt6", "torch")),
]


@pytest.mark.parametrize("module, banned", CASES)
def test_import_stays_light(module: str, banned: tuple[str, ...]) -> None:
    code = (f"import sys, {module}; bad = [m for m in {banned!r} if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"import {module} loaded {result.stdout.strip()}{result.stderr}"


def test_qt_views_use_services_not_models() -> None:
    """ui.qt reaches the ML core only through ui.services (no direct torch or api import)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "ui" / "qt"
    banned = ("import torch", "from foley_studio.api", "from foley_studio import api",
              "from foley_studio.models", "import foley_studio.models")
    offenders = [f"{p.name}: {line.strip()}" for p in root.glob("*.py")
                 for line in p.read_text().splitlines() if line.strip().startswith(banned)]
    assert offenders == []
