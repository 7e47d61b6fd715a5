"""Every preset that ships loads, and broken or newer preset files are named."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from foley_studio.errors import ConfigError
from foley_studio.presets import PRESET_DIR, list_presets, load_preset

SHIPPED = sorted(PRESET_DIR.glob("*.json"))


def test_presets_ship() -> None:
    assert len(SHIPPED) >= 4
    assert [p.name for p in list_presets()][0] == "Balanced"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_each_shipped_preset_is_valid(path: Path) -> None:
    preset = load_preset(path)
    assert preset.name and 1 <= preset.takes <= 64


@pytest.mark.parametrize("content, problem", [
    ("{oops", "Expecting"),
    (json.dumps({"takes": 2}), "name"),
    (json.dumps({"name": "x", "sampler": {"temperature": -1}}), "temperature"),
    (json.dumps({"name": "x", "schema_version": 99}), "newer"),
    (json.dumps({"name": "x", "by_generator": {"wavenet": {"guidance": 2}}}), "wavenet"),
    (json.dumps({"name": "x", "by_generator": {"im2wav": {"top_k": -1}}}), "top-k"),
])
def test_bad_presets_are_named(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=problem):
        load_preset(path)
    with pytest.raises(ConfigError, match="bad.json"):
        list_presets([tmp_path])


def test_values_per_generator_merge_over_the_base(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"name": "x", "sampler": {"guidance": 6.0, "steps": 12},
                                "by_generator": {"im2wav": {"guidance": 8.0}}}))
    preset = load_preset(path)
    assert (preset.sampler_for("im2wav").guidance, preset.sampler_for("im2wav").steps) == (8.0, 12)
    assert preset.sampler_for("echoes") == preset.sampler_for(None) == preset.sampler
    assert preset.sampler.guidance == 6.0
