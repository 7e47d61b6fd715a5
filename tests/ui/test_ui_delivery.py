"""Delivery in the app: the Delivery settings Export and Send follow, takes copied into the
project's media folder, and an unsaved project saved (or refused) before anything is sent."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QApplication, QComboBox

from foley_studio.errors import ConfigError
from foley_studio.media import read_bwf
from foley_studio.progress import CancelToken
from foley_studio.requests import Take
from helpers_app import Scripted, new_window
from ui.model.project import LaneClip, Project, TakeItem, VideoInfo
from ui.model.settings import AppSettings, load_settings
from ui.qt.qt_preferences import QtPreferences
from ui.services.lane_delivery import project_plan, send_lanes
from ui.services.send import SendTarget, delivery_spec, media_folder


def _steps_take(name: str = "door", start: float = 1.0) -> Take:
    t = np.arange(32000) / 16000
    env = sum(np.exp(-(t - k) * 6) * (t >= k) for k in (0.0, 0.5, 1.0, 1.5))
    audio = (0.3 * env * np.random.default_rng(1).standard_normal(len(t))).astype(np.float32)
    return Take(audio, 16000, "echoes", 3, start, prompt="an oak door shuts", name=name)


def _lane_project(project: Project, start: float = 1.0) -> Project:
    project.set_video(VideoInfo("/nowhere/v.mp4", 25.0, 10.0))
    item = TakeItem(_steps_take(start=start), (start, start + 2))
    project.insert_takes(0, [item])
    project.add_clip(LaneClip(item.id, start))
    return project


def test_an_unsaved_project_has_no_media_folder() -> None:
    with pytest.raises(ConfigError, match="Save the project first"):
        media_folder(None)
    assert media_folder(Path("/x/scene.foley.json")) == Path("/x/scene Media")


def test_delivery_preferences_become_a_spec() -> None:
    s = AppSettings(delivery_rate=96000, delivery_depth="32f", ucs_category="DOORWood")
    spec = delivery_spec(s, 24.0, "scene")
    assert (spec.rate, spec.subtype, spec.loudness, spec.true_peak) == (96000, "FLOAT", None, -1.0)
    assert (spec.cat_id, spec.creator_id, spec.source_id, spec.fps) == ("DOORWood", "NONE", "scene", 24.0)
    s.delivery_normalise, s.ucs_source, s.ucs_creator, s.delivery_limit = True, "Harbour", "JD", True
    spec = delivery_spec(s, 24.0, "scene", start_timecode="01:00:00:00")
    assert (spec.loudness, spec.source_id, spec.creator_id, spec.limit) == (-23.0, "Harbour", "JD", True)
    with pytest.raises(ConfigError, match="not a UCS CatID"):
        delivery_spec(AppSettings(ucs_category="Doors"), 24.0, "scene")


def test_sent_lane_is_delivered_by_the_spec(tmp_path: Path) -> None:
    spec = delivery_spec(AppSettings(delivery_normalise=True, delivery_loudness=-20.0,
                                     ucs_category="DOORWood", ucs_creator="JD"), 25.0, "scene")
    plan = project_plan(_lane_project(Project(), start=1.013), "scene")
    report = send_lanes(plan, SendTarget("otio"), tmp_path, spec, None, CancelToken())
    (wav,) = tmp_path.glob("*.wav")
    assert wav.name == f"DOORWood_door_JD_scene_{plan.lanes[0].clips[0].clip_id}.wav"
    assert soundfile.info(wav).samplerate == 48000 and soundfile.info(wav).subtype == "PCM_24"
    bext = read_bwf(wav)["bext"]
    assert bext["loudness_value"] == pytest.approx(-20.0, abs=0.01)
    assert bext["time_reference"] == 48000  # 1.013 s is frame 25 at 25 fps
    assert any("LUFS" in line for line in report.lines) and report.path.parent == tmp_path


@pytest.mark.qt
def test_send_from_an_unsaved_project_asks_where_to_save(qtbot, tmp_path: Path) -> None:
    w = new_window(qtbot, Scripted(path=""))
    _lane_project(w.project)
    w.send_panel.set_kind("otio")
    qtbot.mouseClick(w.send_panel.send, Qt.MouseButton.LeftButton)  # the user cancels the save
    assert w.dialogs.folders and w.project_path is None
    assert "Save the project first" in w.errors.shown[-1][1] and not w.jobs.busy
    w.dialogs.path = str(tmp_path / "scene.foley.json")
    qtbot.mouseClick(w.send_panel.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "wrote" in w.send_panel.log.toPlainText(), timeout=20000)
    media = tmp_path / "scene Media"
    assert w.project_path == tmp_path / "scene.foley.json" and w.project_path.is_file()
    (wav,) = media.glob("*.wav")
    import opentimelineio as otio

    (track,) = otio.adapters.read_from_file(str(media / "scene.otio")).tracks
    (clip,) = [c for c in track if isinstance(c, otio.schema.Clip)]
    assert otio.url_utils.filepath_from_url(clip.media_reference.target_url) == str(wav)
    assert wav.name.startswith("FOLYMisc_door_NONE_scene_")
    w.shutdown()


def _pick(box: QComboBox, value) -> None:
    box.setCurrentIndex(box.findData(value))


@pytest.mark.qt
def test_delivery_settings_from_the_send_panel_drive_export(qtbot, tmp_path: Path) -> None:
    w = new_window(qtbot, Scripted(path=str(tmp_path / "out.wav")))
    _lane_project(w.project)

    def fill_in() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QtPreferences) and dialog.windowTitle() == "Delivery settings"
        assert set(dialog.editors) == {f.name for f in AppSettings().editable_fields("Delivery")}
        _pick(dialog.editors["delivery_rate"], 96000)
        _pick(dialog.editors["delivery_depth"], "32f")
        qtbot.keyClick(dialog.editors["delivery_normalise"], Qt.Key.Key_Space)
        dialog.editors["ucs_category"].setCurrentText("FEETHmn")
        qtbot.keyClicks(dialog.editors["ucs_creator"], "JD")
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    QTimer.singleShot(0, fill_in)
    qtbot.mouseClick(w.send_panel.delivery_button, Qt.MouseButton.LeftButton)
    s = w.settings
    assert (s.delivery_rate, s.delivery_depth, s.delivery_normalise, s.ucs_category, s.ucs_creator) == \
        (96000, "32f", True, "FEETHmn", "JD")
    assert load_settings() == s and w.errors.shown == []
    assert "96 kHz" in w.send_panel.delivery.text() and "-23 LUFS" in w.send_panel.delivery.text()
    path = w.flows.export_take(w.project.takes[0].id, True)
    info = soundfile.info(path)
    assert (info.samplerate, info.subtype) == (96000, "FLOAT")
    assert read_bwf(path)["bext"]["loudness_value"] == pytest.approx(-23.0, abs=0.01)
    w.shutdown()


@pytest.mark.qt
def test_preferences_show_every_section_with_choices_as_values(qtbot) -> None:
    dialog = QtPreferences(AppSettings(ucs_category="VEHCar"))
    qtbot.addWidget(dialog)
    assert set(dialog.editors) == {f.name for f in AppSettings().editable_fields()}
    assert dialog.editors["ucs_category"].currentText() == "VEHCar"  # kept, though not shipped
    _pick(dialog.editors["delivery_channels"], 2)
    result = dialog.result_settings()
    assert result.delivery_channels == 2 and result.ucs_category == "VEHCar"
    assert result.delivery_rate == 48000 and isinstance(result.delivery_rate, int)


@pytest.mark.qt
def test_send_panel_sends_the_ticked_lanes_each_to_its_track(qtbot, tmp_path: Path) -> None:
    from PyQt6.QtTest import QTest

    from ui.model.lanes import Lane

    w = new_window(qtbot, Scripted(path=str(tmp_path / "scene.foley.json")))
    _lane_project(w.project)
    w.project.insert_lane(len(w.project.lanes), Lane("foley", "Props"))
    item = TakeItem(_steps_take("cup", 3.0), (3.0, 5.0))
    w.project.insert_takes(0, [item])
    w.project.add_clip(LaneClip(item.id, 3.0), w.project.lanes_of("foley")[1].id)
    lanes = w.send_panel.lanes
    assert [lanes.item(k).text() for k in range(lanes.count())] == ["Foley", "Props"]
    assert w.send_panel.chosen_lanes() == ["Foley", "Props"]  # new lanes come ticked
    lanes.setFocus()
    lanes.setCurrentRow(0)
    QTest.keyClick(lanes, Qt.Key.Key_Space)  # untick Foley
    assert w.send_panel.chosen_lanes() == ["Props"]
    w.send_panel.set_kind("otio")
    assert w.send_panel.send.text() == "Export lanes…"
    qtbot.mouseClick(w.send_panel.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "wrote" in w.send_panel.log.toPlainText(), timeout=20000)
    import opentimelineio as otio

    timeline = otio.adapters.read_from_file(str(tmp_path / "scene Media" / "scene.otio"))
    assert [t.name for t in timeline.tracks] == ["Props"]
    (clip,) = timeline.tracks[0].find_clips()
    assert clip.name == "cup" and clip.range_in_parent().start_time.to_seconds() == pytest.approx(3.0)
    w.project.insert_lane(len(w.project.lanes), Lane("foley", "Cloth"))  # no clips: not listed
    assert w.send_panel.chosen_lanes() == ["Props"]
    w.shutdown()


def test_clips_for_a_daw_keep_their_gain_relative_to_their_take(tmp_path: Path) -> None:
    """Loudness is set per take, so two clips of one take 6 dB apart stay 6 dB apart."""
    from foley_studio.media.delivery import DeliverySpec, integrated_loudness
    from ui.services.lane_delivery import deliver_lanes

    project = _lane_project(Project())
    (clip,) = project.lane
    project.add_clip(LaneClip(clip.take_id, 5.0, gain_db=-6.0))
    spec = DeliverySpec(fps=25.0, loudness=-23.0)
    files = deliver_lanes(project_plan(project, "scene"), tmp_path, spec, rendered=True)
    loud = [integrated_loudness(soundfile.read(f.path, always_2d=True)[0], 48000) for f in files]
    assert [f.start for f in files] == [1.0, 5.0]
    assert loud[0] == pytest.approx(-23.0, abs=0.05) and loud[0] - loud[1] == pytest.approx(6.0, abs=0.05)
