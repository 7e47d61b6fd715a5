"""Delivery: rate, depth, channels, loudness and true peak checked by independent readers and
meters (soundfile, ffprobe, ffmpeg's ebur128), UCS names and metadata, TimeReference."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from foley_studio.errors import ConfigError
from foley_studio.media import read_bwf
from foley_studio.media.delivery import (DeliverySpec, deliver_take, prepare, ucs_categories,
                                         ucs_filename)
from foley_studio.requests import Take

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
                                  reason="ffmpeg/ffprobe not installed")


def steps(seconds: float = 3.0, rate: int = 16000, level: float = 0.3, seed: int = 0) -> np.ndarray:
    """Decaying noise bursts twice a second, like footsteps: ``(S,)`` float32."""
    t = np.arange(int(seconds * rate)) / rate
    env = sum(np.exp(-(t - k) * 30) * (t >= k) for k in np.arange(0, seconds, 0.5))
    return (level * env * np.random.default_rng(seed).standard_normal(len(t))).astype(np.float32)


def take_of(audio: np.ndarray, rate: int = 16000, start: float = 1.013, **kw) -> Take:
    return Take(audio, rate, "im2wav", 7, start, prompt="boots on gravel", name="gravel steps", **kw)


def ffprobe_stream(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    (stream,) = json.loads(out)["streams"]
    return stream


def ebur128(path: Path) -> tuple[float, float]:
    """``(integrated LUFS, true peak dBTP)`` from ffmpeg's ebur128 filter summary."""
    err = subprocess.run(["ffmpeg", "-nostats", "-hide_banner", "-i", str(path), "-filter_complex",
                          "ebur128=peak=true", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    summary = err[err.rindex("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary)[1])
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)[1])
    return integrated, peak


@needs_ffmpeg
def test_48k_24bit_take_reads_back_at_rate_depth_loudness_and_time_reference(tmp_path: Path) -> None:
    take = take_of(steps())
    spec = DeliverySpec(rate=48000, depth="24", loudness=-23.0, true_peak=-1.0, cat_id="FEETHmn",
                        creator_id="JD", source_id="Harbour", fps=25.0,
                        start_timecode="01:00:00:00")
    done = deliver_take(take, spec, tmp_path)
    assert done.path == tmp_path / "FEETHmn_gravel steps_JD_Harbour.wav"
    info = soundfile.info(done.path)
    assert (info.samplerate, info.subtype, info.channels) == (48000, "PCM_24", 1)
    assert info.frames == 3 * 48000
    stream = ffprobe_stream(done.path)
    assert (stream["codec_name"], stream["sample_rate"], stream["bits_per_sample"]) == \
        ("pcm_s24le", "48000", 24)
    integrated, peak = ebur128(done.path)
    assert abs(integrated - -23.0) <= 0.5 and peak <= -1.0 + 0.1
    assert done.position == 1.0  # 1.013 s snapped to frame 25 at 25 fps
    assert read_bwf(done.path)["bext"]["time_reference"] == (3600 + 1) * 48000 == done.time_reference


@needs_ffmpeg
@pytest.mark.parametrize("rate, depth, channels, codec", [
    (44100, "32f", 2, "pcm_f32le"), (96000, "24", 1, "pcm_s24le"), (48000, "32f", 1, "pcm_f32le")])
def test_other_rates_depths_and_channels(tmp_path: Path, rate: int, depth: str, channels: int,
                                         codec: str) -> None:
    spec = DeliverySpec(rate=rate, depth=depth, channels=channels, loudness=-24.0)
    done = deliver_take(take_of(steps(2.0, rate=22050), rate=22050), spec, tmp_path)
    data, got_rate = soundfile.read(done.path, always_2d=True)
    assert got_rate == rate and data.shape == (2 * rate, channels)
    stream = ffprobe_stream(done.path)
    assert (stream["codec_name"], int(stream["sample_rate"]), stream["channels"]) == (codec, rate, channels)
    assert not done.peak_limited and abs(ebur128(done.path)[0] - -24.0) <= 0.5
    if channels == 2:
        assert np.array_equal(data[:, 0], data[:, 1])


def test_resampling_keeps_a_tone_clean() -> None:
    t = np.arange(16000) / 16000
    up = prepare(np.sin(2 * np.pi * 1000 * t), 16000, DeliverySpec(rate=48000))[:, 0]
    ideal = np.sin(2 * np.pi * 1000 * np.arange(48000) / 48000)
    middle = slice(4800, -4800)  # away from the edges the filter rings at
    assert up.shape == (48000,) and np.max(np.abs(up[middle] - ideal[middle])) < 1e-4


@needs_ffmpeg
def test_true_peak_ceiling_holds_a_loud_target_back(tmp_path: Path) -> None:
    clicks = np.zeros(48000, np.float32)
    clicks[::4800] = 0.9  # sparse clicks: high peaks for their loudness
    spec = DeliverySpec(loudness=-10.0, true_peak=-1.0)
    done = deliver_take(take_of(clicks, rate=48000), spec, tmp_path)
    integrated, peak = ebur128(done.path)
    assert done.peak_limited and done.true_peak == pytest.approx(-1.0)
    assert peak <= -1.0 + 0.2 and integrated < -10.5
    assert "ceiling" in done.summary()


def test_levels_are_never_clipped_silently(tmp_path: Path) -> None:
    hot = take_of(1.5 * np.sin(np.linspace(0, 600, 48000)).astype(np.float32), rate=48000)
    with pytest.raises(ConfigError, match="clip in 24-bit"):
        deliver_take(hot, DeliverySpec(true_peak=None), tmp_path)
    done = deliver_take(hot, DeliverySpec(depth="32f", true_peak=None), tmp_path)
    assert np.max(np.abs(soundfile.read(done.path)[0])) == pytest.approx(1.5, abs=1e-3)
    with pytest.raises(ConfigError, match="silent"):
        deliver_take(take_of(np.zeros(16000, np.float32)), DeliverySpec(loudness=-23.0), tmp_path)
    with pytest.raises(ConfigError, match="no audio"):
        deliver_take(take_of(np.zeros(0, np.float32)), DeliverySpec(loudness=-23.0), tmp_path)


def test_a_sound_shorter_than_a_gating_block_is_normalised(tmp_path: Path) -> None:
    done = deliver_take(take_of(steps(0.15)), DeliverySpec(loudness=-20.0), tmp_path)
    assert done.loudness == pytest.approx(-20.0) and soundfile.info(done.path).frames == 7200


def test_metadata_carries_ucs_fields_loudness_and_provenance(tmp_path: Path) -> None:
    spec = DeliverySpec(loudness=-23.0, cat_id="DOORWood", creator_id="JD", source_id="Harbour",
                        fps=24.0, start_timecode="10:00:00:00")
    done = deliver_take(take_of(steps(), start=2.5), spec, tmp_path, user_data="clip-1")
    assert done.path.name == "DOORWood_gravel steps_JD_Harbour_clip-1.wav"
    bwf = read_bwf(done.path)
    bext = bwf["bext"]
    assert bext["version"] == 2 and bext["loudness_value"] == pytest.approx(-23.0, abs=0.01)
    assert bext["max_true_peak_level"] == pytest.approx(done.true_peak, abs=0.01)
    assert bext["loudness_range"] is None and bext["originator"] == "JD"
    assert "seed=7" in bext["description"] and "boots on gravel" in bext["description"]
    assert bext["time_reference"] == (36000 + 2.5) * 48000
    from xml.etree import ElementTree as ET

    root = ET.fromstring(bwf["ixml"])
    user = {child.tag: child.text for child in root.find("USER")}
    assert (user["CATID"], user["CATEGORY"], user["SUBCATEGORY"], user["CATEGORYFULL"]) == \
        ("DOORWood", "DOORS", "WOOD", "DOORS-WOOD")
    assert (user["FXNAME"], user["DESIGNER"], user["SHOW"]) == ("gravel steps", "JD", "Harbour")
    assert root.findtext("FOLEY_STUDIO/SEED") == "7" and root.findtext("FOLEY_STUDIO/MODEL") == "im2wav"
    assert root.findtext("FOLEY_STUDIO/PROMPT") == "boots on gravel"
    speed = root.find("SPEED")
    stamp = int(speed.findtext("TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO"))
    assert stamp == bext["time_reference"] and speed.findtext("TIMECODE_RATE") == "24/1"


def test_plain_wav_export_has_no_chunks_but_the_same_audio(tmp_path: Path) -> None:
    done = deliver_take(take_of(steps()), DeliverySpec(), tmp_path, path=tmp_path / "x.wav", bwf=False)
    assert read_bwf(done.path)["bext"] is None and soundfile.info(done.path).samplerate == 48000


def test_ucs_filenames_keep_blocks_apart() -> None:
    name = ucs_filename("FOLYProp", "cup_on/table: take 2?", "J_D", "", "a_b")
    assert name == "FOLYProp_cup on table take 2_J D_NONE_a b.wav"
    assert ucs_filename("WHSH", "x" * 60, "", "").split("_")[1] == "x" * 24
    assert ucs_filename("WHSH", "  ", "", "") == "WHSH_Untitled_NONE_NONE.wav"


def test_catids_match_the_list_exactly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Did you mean FEETHmn"):
        DeliverySpec(cat_id="feethmn")
    with pytest.raises(ConfigError, match="not a UCS CatID"):
        DeliverySpec(cat_id="VEHCar")
    full = tmp_path / "ucs.json"
    full.write_text(json.dumps([{"CatID": "VEHCar", "Category": "VEHICLES", "SubCategory": "CAR"}]))
    spec = DeliverySpec(cat_id="VEHCar", ucs_list=str(full))
    assert spec.category().full == "VEHICLES-CAR" and "FOLYFeet" in ucs_categories(str(full))
    (tmp_path / "bad.json").write_text(json.dumps([{"CatID": "X"}]))
    with pytest.raises(ConfigError, match="is not a UCS list"):
        DeliverySpec(ucs_list=str(tmp_path / "bad.json"))


def test_shipped_table_is_well_formed() -> None:
    table = ucs_categories()
    assert len(table) >= 40 and all(k == v.cat_id for k, v in table.items())
    assert {"FOLYFeet", "FOLYClth", "FOLYProp", "FEETHmn", "DOORWood", "WHSH"} <= set(table)


@pytest.mark.parametrize("changes, message", [
    ({"rate": 22050}, "not offered"), ({"depth": "16"}, "Bit depth"), ({"channels": 6}, "mono"),
    ({"loudness": 3.0}, "outside -70"), ({"true_peak": 2.0}, "outside -9"),
    ({"start_timecode": "1 hour"}, "Start timecode"), ({"fps": 0.0}, "frame rate")])
def test_bad_specs_are_refused_with_a_reason(changes: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DeliverySpec(**changes)


@needs_ffmpeg
def test_limiter_reaches_the_target_under_the_ceiling(tmp_path: Path) -> None:
    take = take_of(steps(6.0))  # footsteps whose peaks the ceiling would hold back
    held = deliver_take(take, DeliverySpec(loudness=-18.0), tmp_path / "a")
    assert held.peak_limited and held.loudness < -19.0
    done = deliver_take(take, DeliverySpec(loudness=-18.0, limit=True), tmp_path / "b")
    integrated, peak = ebur128(done.path)
    assert not done.peak_limited and abs(integrated - -18.0) <= 0.5
    assert peak <= -1.0 + 0.2 and done.true_peak <= -1.0 + 0.01


def test_a_target_the_limiter_cannot_reach_is_reported(tmp_path: Path) -> None:
    clicks = np.tile(np.r_[0.9, np.zeros(4799)], 10).astype(np.float32)
    done = deliver_take(take_of(clicks, rate=48000), DeliverySpec(loudness=-14.0, limit=True), tmp_path)
    assert done.peak_limited and done.true_peak <= -1.0 + 0.01 and "ceiling" in done.summary()
    crushed = deliver_take(take_of(steps(6.0)), DeliverySpec(loudness=-8.0, limit=True), tmp_path)
    assert crushed.peak_limited  # no more than 20 dB of limiting, even to reach the target


@pytest.mark.parametrize("start_timecode, expected, flag", [
    ("01:00:00;00", 172_799_827, "DF"),  # 3599.9964 s of 29.97 drop-frame at 48 kHz, rounded
    ("01:00:00:00", 172_972_800, "NDF")])  # 108,000 frames of 1001/30000 s
def test_time_reference_counts_ntsc_start_timecodes_at_the_true_rate(
        tmp_path: Path, start_timecode: str, expected: int, flag: str) -> None:
    spec = DeliverySpec(fps=30000 / 1001, start_timecode=start_timecode)
    done = deliver_take(take_of(steps(1.0), start=0.0), spec, tmp_path)
    bwf = read_bwf(done.path)
    assert bwf["bext"]["time_reference"] == expected == done.time_reference
    assert "<TIMECODE_RATE>30000/1001</TIMECODE_RATE>" in bwf["ixml"]
    assert f"<TIMECODE_FLAG>{flag}</TIMECODE_FLAG>" in bwf["ixml"]
