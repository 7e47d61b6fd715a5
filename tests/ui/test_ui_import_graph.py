"""The app's Qt modules import each other without a circle (type-checking imports included),
and the crash log helper stays free of torch and Qt."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

QT = Path(__file__).resolve().parents[2] / "ui" / "qt"


def _imports(path: Path) -> set[str]:
    """The ``ui.qt`` modules ``path`` imports anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        stems = {n.split(".")[2] for n in names if n.startswith("ui.qt.")}
        found |= {stem for stem in stems if (QT / f"{stem}.py").is_file()}
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle, as the modules along it, or [] when there is none."""
    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return path[path.index(node):] + [node]
        for nxt in sorted(graph.get(node, ())):
            found = visit(nxt, path + [node])
            if found:
                return found
        return []
    return next((c for c in (visit(n, []) for n in sorted(graph)) if c), [])


def test_the_qt_modules_import_each_other_without_a_circle() -> None:
    graph = {p.stem: _imports(p) - {p.stem} for p in QT.glob("*.py")}
    assert graph["main_window"] >= {"actions", "workflows", "document"}
    assert _cycle(graph) == []


def test_the_crash_log_helper_loads_neither_torch_nor_qt() -> None:
    code = ("import sys, foley_studio.crashlog; "
            "sys.exit(any(m in sys.modules for m in ('torch', 'PyQt6')))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
