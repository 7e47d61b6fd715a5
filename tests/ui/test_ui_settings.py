"""Preferences: stored as values under $FOLEY_STUDIO_CONFIG, migrated, newer refused; presets."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from foley_studio.errors import ConfigError
from ui.model import presets
from ui.model.selection import Selection
from ui.model.settings import (SCHEMA_VERSION, AppSettings, load_settings, save_settings,
                               settings_path)


def test_defaults_when_nothing_is_stored() -> None:
    assert load_settings() == AppSettings()


def test_round_trip_under_the_config_folder(tmp_path: Path) -> None:
    s = AppSettings(takes=5, send_target="ableton", audio_device="null")
    s.add_recent(str(tmp_path / "a.mp4"))
    s.add_recent(str(tmp_path / "b.mp4"))
    s.add_recent(str(tmp_path / "a.mp4"))
    save_settings(s)
    assert settings_path().parent.name == "config"
    loaded = load_settings()
    assert loaded == s and [Path(p).name for p in loaded.recent_files] == ["a.mp4", "b.mp4"]


def test_version_1_index_is_dropped_and_newer_refused() -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text(json.dumps({"schema_version": 1, "audio_device_index": 3, "takes": 4}))
    assert load_settings().takes == 4
    settings_path().write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1}))
    with pytest.raises(ConfigError, match="newer"):
        load_settings()


def test_wrong_type_names_the_key() -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text(json.dumps({"schema_version": 2, "takes": "many"}))
    with pytest.raises(ConfigError, match="takes should be a int"):
        load_settings()


def test_user_presets_follow_builtins_and_bad_ones_are_named() -> None:
    folder = presets.user_preset_dir()
    folder.mkdir(parents=True)
    (folder / "rain.json").write_text(json.dumps({"name": "Rain", "takes": 3, "prompt": "rain",
                                                  "sampler": {"guidance": 5.0}}))
    names = [p.name for p in presets.list_presets()]
    builtins = presets.builtin_presets()
    assert names[:len(builtins)] == [p.name for p in builtins] and names[-1] == "Rain"
    (folder / "zz.json").write_text(json.dumps({"name": "x", "sampler": {"temperature": 0}}))
    with pytest.raises(ConfigError, match="zz.json"):
        presets.list_presets()


def test_selection_in_and_out_points() -> None:
    frame = Selection.at_frame(1.01, 25.0, 4.0)
    assert frame.frame and frame.start == pytest.approx(1.0) and frame.end == pytest.approx(1.04)
    region = frame.with_out(2.0, 25.0)
    assert (region.start, region.end, region.frame) == (pytest.approx(1.0), 2.0, False)
    moved_in = region.with_in(2.5, 4.0, 25.0)  # in after out: out moves one frame after in
    assert (moved_in.start, moved_in.end) == (2.5, pytest.approx(2.54))
    assert Selection.between(3.0, -1.0, 4.0) == Selection(0.0, 3.0)
