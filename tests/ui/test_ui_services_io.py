"""Timeline decoding, autosave and recovery, the weights picker, exporting the lane."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from foley_studio.errors import BridgeError, CheckpointError
from foley_studio.progress import CancelToken
from foley_studio.requests import Take
from ui.model.project import LaneClip, Project, TakeItem, VideoInfo
from ui.services import autosave
from ui.services.catalog import GeneratorCatalog
from ui.services.media import AUDIO_RATE, read_overview, waveform_peaks
from ui.services.lane_delivery import project_plan, send_lanes
from ui.services.send import SendTarget


def test_waveform_peaks_are_block_min_max() -> None:
    audio = np.array([0, 1, -1, 0.5, 0.2, -0.3, 0.0], np.float32)
    np.testing.assert_allclose(waveform_peaks(audio, 300, per_second=100),
                               [[-1, 1], [-0.3, 0.5], [0, 0]])


def test_overview_of_a_world_clip(world_clip: Path) -> None:
    o = read_overview(str(world_clip), thumbnails=8, height=32)
    assert o.fps == 25.0 and o.duration == pytest.approx(4.0, abs=0.05)
    assert len(o.thumbnails) == 8 and o.thumbnails[0][1].shape[0] == 32
    assert len(o.audio) == pytest.approx(4.0 * AUDIO_RATE, abs=AUDIO_RATE * 0.05)
    assert o.peaks.shape[1] == 2 and o.peaks[:, 1].max() > 0.05


def _project_with_lane(tmp_path: Path) -> Project:
    p = Project()
    p.set_video(VideoInfo(str(tmp_path / "v.mp4"), 25.0, 4.0))
    take = Take(np.full(8000, 0.1, np.float32), 16000, "echoes", 3, 1.0, name="door")
    item = TakeItem(take, (1.0, 1.5))
    p.insert_takes(0, [item])
    p.add_clip(LaneClip(item.id, 1.25))
    return p


def test_autosave_recovers_and_discards(tmp_path: Path) -> None:
    from helpers_app import abandon

    assert autosave.pending_recoveries() == []
    slot = autosave.AutosaveSlot()
    slot.write(_project_with_lane(tmp_path), None)
    assert autosave.pending_recoveries() == []  # its app still runs
    abandon(slot)
    (recovery,) = autosave.pending_recoveries()
    recovered = recovery.load()
    assert recovered.takes[0].name == "door" and recovered.lane[0].start == 1.25
    recovery.discard()
    assert autosave.pending_recoveries() == []


def test_lane_exports_as_otio_at_lane_times(tmp_path: Path) -> None:
    from foley_studio.media.delivery import DeliverySpec

    report = send_lanes(project_plan(_project_with_lane(tmp_path), "scene"), SendTarget("otio"),
                        tmp_path / "out", DeliverySpec(fps=25.0), None, CancelToken())
    import opentimelineio as otio
    from foley_studio import media

    (track,) = otio.adapters.read_from_file(str(report.path)).tracks
    (clip,) = [c for c in track if isinstance(c, otio.schema.Clip)]
    # the clip at 1.25 s sits on frame 31 at 25 fps (1.24 s); delivered at 48 kHz by default
    assert clip.name == "door" and track.range_of_child(clip).start_time.to_seconds() == pytest.approx(1.24)
    wav = otio.url_utils.filepath_from_url(clip.media_reference.target_url)
    assert media.read_bwf(wav)["bext"]["time_reference"] == round(1.24 * 48000)


def test_empty_lane_cannot_be_sent(tmp_path: Path) -> None:
    with pytest.raises(BridgeError, match="lanes are empty"):
        project_plan(Project(), "scene")


def test_catalog_folders_and_errors(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="holds no model bundle"):
        GeneratorCatalog().add_folder(tmp_path)
    bundle = tmp_path / "mine"
    bundle.mkdir()
    (bundle / "bundle.json").write_text(json.dumps({"name": "my-echoes", "kind": "echoes"}))
    cat = GeneratorCatalog()
    (entry,) = cat.add_folder(tmp_path)
    assert entry.origin == "folder" and entry.path == bundle
    assert any(e.key == str(bundle) for e in GeneratorCatalog([str(bundle)]).entries())
