"""WAV and Broadcast WAV writing, checked by independent readers (soundfile, ffprobe, sox)."""
from __future__ import annotations

import json
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import soundfile

from foley_studio.errors import ConfigError, CorruptMediaError, NotMediaError
from foley_studio.media import read_bwf, write_bwf, write_take, write_wav
from foley_studio.requests import Take

needs_ffprobe = pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe not installed")
needs_sox = pytest.mark.skipif(shutil.which("sox") is None, reason="sox not installed")
SUBTYPES = {"PCM_16": ("pcm_s16le", 16, 1 / 32767), "PCM_24": ("pcm_s24le", 24, 1 / 8388607),
            "FLOAT": ("pcm_f32le", 32, 0.0)}


def tone(frames: int, channels: int = 1) -> np.ndarray:
    t = np.arange(frames) / 48000
    return np.stack([0.5 * np.sin(2 * np.pi * (220 + 110 * c) * t) for c in range(channels)])


def ffprobe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json",
                          str(path)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def sox_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["sox", "--i", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def chunks(path: Path) -> list[tuple[bytes, int, int]]:
    """(tag, size, offset of payload) of every chunk, walking the pad bytes by hand."""
    raw = path.read_bytes()
    assert raw[:4] == b"RIFF" and raw[8:12] == b"WAVE"
    assert struct.unpack_from("<I", raw, 4)[0] == len(raw) - 8 and len(raw) % 2 == 0
    found, pos = [], 12
    while pos < len(raw):
        tag, size = raw[pos:pos + 4], struct.unpack_from("<I", raw, pos + 4)[0]
        found.append((tag, size, pos + 8))
        pos += 8 + size + size % 2
    assert pos == len(raw)
    return found


@pytest.mark.parametrize("subtype", list(SUBTYPES))
@pytest.mark.parametrize("channels", [1, 2])
def test_plain_wav_reads_back(tmp_path: Path, subtype: str, channels: int) -> None:
    audio = tone(4801, channels)  # odd frame count: odd data size for 24-bit mono
    path = write_wav(tmp_path / "x.wav", audio if channels > 1 else audio[0], 48000, subtype=subtype)
    data, rate = soundfile.read(path, dtype="float64", always_2d=True)
    assert rate == 48000 and data.shape == (4801, channels)
    np.testing.assert_allclose(data.T, audio, atol=SUBTYPES[subtype][2] + 1e-7)
    assert [c[0] for c in chunks(path)][0] == b"fmt "
    assert [name for name in (c[0] for c in chunks(path)) if name == b"data"] == [b"data"]


@needs_ffprobe
@pytest.mark.parametrize("subtype", list(SUBTYPES))
def test_ffprobe_agrees(tmp_path: Path, subtype: str) -> None:
    path = write_wav(tmp_path / "x.wav", tone(4801, 2), 48000, subtype=subtype)
    stream = ffprobe(path)["streams"][0]
    codec, bits, _ = SUBTYPES[subtype]
    assert stream["codec_name"] == codec and stream["bits_per_sample"] == bits
    assert (int(stream["sample_rate"]), stream["channels"]) == (48000, 2)
    assert stream["duration_ts"] == 4801


@needs_sox
@pytest.mark.parametrize("subtype, encoding", [("PCM_16", "16-bit Signed Integer PCM"),
                                               ("PCM_24", "24-bit Signed Integer PCM"),
                                               ("FLOAT", "32-bit Floating Point PCM")])
def test_sox_agrees(tmp_path: Path, subtype: str, encoding: str) -> None:
    path = write_bwf(tmp_path / "x.wav", tone(4801)[0], 48000, time_reference=5, subtype=subtype,
                     ixml={"note": "odd"})
    info = sox_info(path)
    assert (info["Channels"], info["Sample Rate"], info["Sample Encoding"]) == ("1", "48000", encoding)
    assert "4801 samples" in info["Duration"]


def test_layout_is_word_aligned_with_pad_bytes(tmp_path: Path) -> None:
    path = write_bwf(tmp_path / "odd.wav", tone(4801)[0], 48000, time_reference=0,
                     ixml={"n": "x"}, description="odd")
    found = {tag: (size, at) for tag, size, at in chunks(path)}
    assert set(found) == {b"fmt ", b"bext", b"iXML", b"data"}
    assert found[b"data"][0] == 4801 * 3  # odd: followed by a pad byte the size does not count
    assert found[b"bext"][0] == 602 + len("A=PCM,F=48000,W=24,M=mono,T=Foley Studio\r\n")


def test_pcm_is_clipped_and_float_is_not(tmp_path: Path) -> None:
    audio = np.array([1.5, -2.0, 0.25, 1.0, -1.0])
    for subtype, expected in (("PCM_16", [1, -1, 0.25, 1, -1]), ("FLOAT", audio)):
        data, _ = soundfile.read(write_wav(tmp_path / f"{subtype}.wav", audio, 8000, subtype=subtype))
        np.testing.assert_allclose(data, expected, atol=1e-4)


def test_bad_audio_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "keep.wav"
    write_wav(path, tone(100)[0], 48000)
    before = path.read_bytes()
    bad = tone(100)[0]
    bad[40] = np.nan
    with pytest.raises(ConfigError, match="keep.wav.*NaN/infinite.*sample 40"):
        write_wav(path, bad, 48000)
    with pytest.raises(ConfigError, match="PCM_12"):
        write_wav(path, tone(10)[0], 48000, subtype="PCM_12")
    with pytest.raises(ConfigError, match="nothing to write"):
        write_wav(path, np.zeros(0), 48000)
    with pytest.raises(ConfigError, match="rate"):
        write_wav(path, tone(10)[0], 0)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.wav"]  # no temp files left


@needs_ffprobe
def test_bext_fields_and_a_64_bit_time_reference(tmp_path: Path) -> None:
    reference = 96000 * (23 * 3600 + 59 * 60)  # 23:59 at 96 kHz: beyond 32 bits
    path = write_bwf(tmp_path / "late.wav", tone(960)[0], 96000, time_reference=reference,
                     description="door slam", originator_reference="FS-1")
    tags = ffprobe(path)["format"]["tags"]
    assert int(tags["time_reference"]) == reference
    assert (tags["comment"], tags["encoded_by"]) == ("door slam", "Foley Studio")
    info = read_bwf(path)
    assert (info["rate"], info["channels"], info["subtype"], info["frames"]) == (96000, 1, "PCM_24", 960)
    bext = info["bext"]
    assert bext["time_reference"] == reference and bext["version"] == 1
    assert (bext["description"], bext["originator"], bext["originator_reference"]) == \
        ("door slam", "Foley Studio", "FS-1")
    assert len(bext["origination_date"]) == 10 and len(bext["origination_time"]) == 8
    assert info["ixml"] is None


def test_bext_v1_byte_layout(tmp_path: Path) -> None:
    path = write_bwf(tmp_path / "b.wav", tone(10)[0], 48000, time_reference=2**32 + 7,
                     description="d" * 256, originator="o" * 32)
    size, at = next((s, a) for tag, s, a in chunks(path) if tag == b"bext")
    body = path.read_bytes()[at:at + size]
    assert body[:256] == b"d" * 256 and body[256:288] == b"o" * 32
    assert body[288:320] == bytes(32)  # empty OriginatorReference, NUL-filled
    assert struct.unpack_from("<IIH", body, 338) == (7, 1, 1)  # TimeReference low, high; Version
    assert body[348:602] == bytes(254)  # UMID and reserved
    assert body[602:].startswith(b"A=PCM,F=48000,W=24")


def test_bext_limits(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="description for .*a.wav is 257 bytes"):
        write_bwf(tmp_path / "a.wav", tone(10)[0], 48000, time_reference=0, description="x" * 257)
    with pytest.raises(ConfigError, match="TimeReference for .*a.wav"):
        write_bwf(tmp_path / "a.wav", tone(10)[0], 48000, time_reference=-1)
    assert not (tmp_path / "a.wav").exists()


def take(**changes) -> Take:
    fields = dict(audio=tone(4800)[0].astype(np.float32), sample_rate=48000, model="im2wav",
                  seed=3, start=12.345, prompt="glass <breaks> & rain", name="take 2",
                  settings={"guidance": 3.0, "steps": 30})
    return Take(**{**fields, **changes})


@needs_ffprobe
def test_write_take_places_and_describes_the_take(tmp_path: Path) -> None:
    path = write_take(tmp_path / "take.wav", take())
    assert int(ffprobe(path)["format"]["tags"]["time_reference"]) == round(12.345 * 48000)
    info = read_bwf(path)
    assert info["bext"]["description"] == "model=im2wav seed=3 mode=foley prompt=glass <breaks> & rain"
    root = ET.fromstring(info["ixml"])
    provenance = root.find("FOLEY_STUDIO")
    assert provenance.findtext("MODEL") == "im2wav" and provenance.findtext("SEED") == "3"
    assert provenance.findtext("PROMPT") == "glass <breaks> & rain"
    assert provenance.find("SETTINGS").findtext("STEPS") == "30"
    assert root.find("SPEED").findtext("TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO") == str(592560)


def test_long_prompts_are_cut_in_bext_and_kept_whole_in_ixml(tmp_path: Path) -> None:
    prompt = "footsteps on wet gravel, " * 20
    info = read_bwf(write_take(tmp_path / "long.wav", take(prompt=prompt)))
    assert len(info["bext"]["description"]) == 256 and info["bext"]["description"].endswith("...")
    assert ET.fromstring(info["ixml"]).find("FOLEY_STUDIO").findtext("PROMPT") == prompt


def test_a_diverged_take_is_named(tmp_path: Path) -> None:
    audio = take().audio.copy()
    audio[7] = np.inf
    with pytest.raises(ConfigError, match="take 'take 2'.*NaN/infinite"):
        write_take(tmp_path / "bad.wav", take(audio=audio))
    assert not (tmp_path / "bad.wav").exists()


def test_read_bwf_of_a_foreign_wav(tmp_path: Path) -> None:
    path = tmp_path / "plain.wav"
    soundfile.write(path, np.zeros((11, 2)), 22050, subtype="PCM_16")
    info = read_bwf(path)
    assert (info["rate"], info["channels"], info["subtype"], info["frames"]) == (22050, 2, "PCM_16", 11)
    assert info["bext"] is None and info["ixml"] is None


def test_read_bwf_refuses_what_is_not_a_whole_wav(tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all")
    with pytest.raises(NotMediaError, match="notes.wav is not a WAV"):
        read_bwf(text)
    whole = write_bwf(tmp_path / "cut.wav", tone(480)[0], 48000, time_reference=0).read_bytes()
    (tmp_path / "cut.wav").write_bytes(whole[:700])
    with pytest.raises(CorruptMediaError, match="cut.wav is truncated"):
        read_bwf(tmp_path / "cut.wav")


def test_bext_v2_loudness_fields_round_trip(tmp_path: Path) -> None:
    loudness = {"loudness_value": -23.04, "max_true_peak_level": -1.5, "loudness_range": float("nan")}
    path = write_bwf(tmp_path / "l.wav", tone(4800)[0], 48000, time_reference=0, loudness=loudness)
    bext = read_bwf(path)["bext"]
    assert bext["version"] == 2 and bext["loudness_value"] == -23.04
    assert bext["max_true_peak_level"] == -1.5 and bext["loudness_range"] is None
    assert bext["max_momentary_loudness"] is None and bext["max_short_term_loudness"] is None
    with pytest.raises(ConfigError, match="Unknown bext loudness field"):
        write_bwf(tmp_path / "m.wav", tone(4800)[0], 48000, time_reference=0, loudness={"lufs": -23})
