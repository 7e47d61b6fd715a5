"""Timelines for video editors: .otio, FCP7 XML and CMX3600 EDL load back with the same times,
and the Broadcast WAVs they reference keep their TimeReference."""
from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest

from bridge import PlacedTake, export_timeline
from bridge.nle import exact_rate
from bridge.wavinfo import read_wav_info
from foley_studio.errors import BridgeError
from foley_studio.media import read_bwf
from foley_studio.timeline import parse_timecode

FPS = 25.0


def _clips(path: Path, fmt: str) -> list[tuple[str, float, float, str]]:
    """(name, start s, duration s, target URL) of every clip, track by track."""
    kwargs = {"rate": FPS} if fmt == "edl" else {}
    timeline = otio.adapters.read_from_file(str(path), **kwargs)
    out = []
    for track in timeline.tracks:
        assert track.kind == otio.schema.TrackKind.Audio
        for clip in track.find_clips():
            where = clip.range_in_parent()
            out.append((clip.name, where.start_time.to_seconds(), where.duration.to_seconds(),
                        clip.media_reference.target_url if fmt != "edl" else ""))
    return out


@pytest.fixture
def takes(make_take) -> list[PlacedTake]:
    door = make_take("door.wav", seconds=1.52, at=3.04)
    steps = make_take("steps.wav", seconds=0.8, at=10.0, rate=44100, channels=2)
    return [PlacedTake(steps, 10.0, 0.8, "steps", "Foley"), PlacedTake(door, 3.04, 1.52, "door", "Foley")]


def test_otio_keeps_sample_exact_times(takes, tmp_path: Path) -> None:
    odd = PlacedTake(takes[1].path, 20.123456, 1.0, "odd", "Foley")
    out = export_timeline([*takes, odd], tmp_path / "cut.otio", fps=FPS, name="Reel 1")
    got = _clips(out, "otio")
    assert [(n, s, d) for n, s, d, _ in got] == [("door", 3.04, 1.52), ("steps", 10.0, 0.8),
                                                 ("odd", pytest.approx(20.123456, abs=0.5 / 48000), 1.0)]
    assert got[0][3] == Path(takes[1].path).as_uri()
    timeline = otio.adapters.read_from_file(str(out))
    clip = timeline.tracks[0].find_clips()[0]
    assert clip.metadata["foley_studio"]["time_reference"] == round(3.04 * 48000)
    assert clip.media_reference.available_range.start_time.to_seconds() == pytest.approx(3.04)


@pytest.mark.parametrize("fmt", ["xml", "edl"])
def test_frame_formats_round_trip(takes, tmp_path: Path, fmt: str) -> None:
    out = export_timeline(takes, tmp_path / f"cut.{fmt}", fps=FPS, name="Reel 1", fmt=fmt)
    got = _clips(out, fmt)
    ordered = sorted(takes, key=lambda t: t.start)
    # OTIO's EDL reader counts from the first event's record-in; the record column is absolute
    origin = ordered[0].start if fmt == "edl" else 0.0
    assert [n for n, *_ in got] == ["door", "steps"]
    for (_, start, length, url), take in zip(got, ordered):
        assert start + origin == pytest.approx(take.start, abs=0.5 / FPS)
        assert length == pytest.approx(take.duration, abs=1 / FPS)
        if fmt == "xml":
            assert url == Path(take.path).as_uri()
    if fmt == "edl":
        assert out.read_text().splitlines()[1] == "FCM: NON-DROP FRAME"
        events = [line.split() for line in out.read_text().splitlines() if line[:3].isdigit()]
        record_in = [parse_timecode(e[6], FPS) for e in events]
        assert record_in == [pytest.approx(t.start, abs=0.5 / FPS) for t in ordered]


def test_referenced_bwf_time_references_read_back(takes) -> None:
    for take in takes:
        rate = read_bwf(take.path)["rate"]
        assert read_bwf(take.path)["bext"]["time_reference"] == round(take.start * rate)
        assert read_wav_info(take.path).time_reference == round(take.start * rate)


def test_edl_source_timecode_is_the_time_reference(takes, tmp_path: Path) -> None:
    text = export_timeline(takes[1:], tmp_path / "door.edl", fps=FPS, fmt="edl").read_text()
    event = next(line for line in text.splitlines() if line.startswith("001"))
    assert event.split()[4:6] == ["00:00:03:01", "00:00:04:14"]  # 3.04 s = 76 frames at 25 fps


def test_write_is_atomic_and_errors_are_clear(takes, tmp_path: Path) -> None:
    out = tmp_path / "cut.otio"
    out.write_text("previous")
    with pytest.raises(BridgeError, match="overlaps"):
        export_timeline([*takes, PlacedTake(takes[0].path, 10.5, 0.2, "clash", "Foley")], out)
    assert out.read_text() == "previous" and [p.name for p in tmp_path.glob(".*tmp")] == []
    with pytest.raises(BridgeError, match="missing.wav does not exist"):
        export_timeline([PlacedTake(tmp_path / "missing.wav", 0, 1)], out)
    with pytest.raises(BridgeError, match="one track"):
        export_timeline([*takes, PlacedTake(takes[0].path, 0, 0.5, "amb", "Ambience")], out, fmt="edl")
    with pytest.raises(BridgeError, match="choose one of otio, xml, edl"):
        export_timeline(takes, out, fmt="aaf")
    with pytest.raises(BridgeError, match="lasts 0.800 s"):
        export_timeline([PlacedTake(takes[0].path, 0, 5.0)], out)


@pytest.mark.parametrize("fps, exact", [(23.976, 24000 / 1001), (29.97, 30000 / 1001), (25.0, 25.0),
                                        (59.94, 60000 / 1001), (30000 / 1001, 30000 / 1001)])
def test_ntsc_rates_are_made_exact(takes, tmp_path: Path, fps: float, exact: float) -> None:
    assert exact_rate(fps) == exact
    out = export_timeline(takes[1:], tmp_path / "ntsc.edl", fps=fps, fmt="edl")
    record_in = next(line for line in out.read_text().splitlines() if line.startswith("001")).split()[6]
    # 29.97/59.94 come out drop-frame ("03;01"); in the first minute no frame labels are dropped
    assert parse_timecode(record_in.replace(";", ":"), exact) == pytest.approx(3.04, abs=0.6 / exact)
