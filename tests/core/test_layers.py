"""The layer rule of the design: bridge and the foundation load neither torch nor Qt."""
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
    ("foley_studio.timeline", ("torch", "PyQt6")),
    ("foley_studio.presets", ("torch", "PyQt6")),
    ("foley_studio.media", ("torch", "PyQt6")),
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
