"""The metrics are numpy/scipy only: importing them loads neither torch nor Qt."""
from __future__ import annotations

import subprocess
import sys

import pytest

METRIC_MODULES = ["foley_studio.evaluation", "foley_studio.evaluation.frechet",
                  "foley_studio.evaluation.distributions", "foley_studio.evaluation.scores",
                  "foley_studio.evaluation.onsets", "foley_studio.evaluation.seams",
                  "foley_studio.evaluation.interfaces", "foley_studio.evaluation.comb",
                  "foley_studio.evaluation.transients", "foley_studio.evaluation.timbre",
                  "foley_studio.evaluation.listening", "foley_studio.evaluation.train_timbre"]


@pytest.mark.parametrize("module", METRIC_MODULES)
def test_metric_module_is_torch_free(module: str) -> None:
    code = (f"import sys, {module}; bad = [m for m in ('torch', 'PyQt6') if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"import {module} loaded {result.stdout.strip()}{result.stderr}"
