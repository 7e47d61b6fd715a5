"""The Qt views reach the ML core only through ui.services (the import checks of ui.model
and ui.services are in tests/core/test_layers.py with the rest of the layer rule)."""
from __future__ import annotations

from pathlib import Path


def test_qt_views_use_services_not_models() -> None:
    """ui.qt reaches the ML core only through ui.services (no direct torch or api import)."""
    root = Path(__file__).resolve().parents[2] / "ui" / "qt"
    banned = ("import torch", "from foley_studio.api", "from foley_studio import api",
              "from foley_studio.models", "import foley_studio.models")
    offenders = [f"{p.name}: {line.strip()}" for p in root.glob("*.py")
                 for line in p.read_text().splitlines() if line.strip().startswith(banned)]
    assert offenders == []
