"""Property tests (Hypothesis) for the WAV/BWF writer: any length, rate, channel count,
TimeReference, bext text and iXML text is written atomically and reads back exactly with
soundfile, the project's reader and the bridge's header reader (iXML text exactly, except the
characters XML 1.0 cannot hold at all, which become U+FFFD)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import soundfile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bridge.wavinfo import read_wav_info
from foley_studio.errors import ConfigError
from foley_studio.media import read_bwf, write_bwf, write_wav
from foley_studio.media.wav import XML_FORBIDDEN

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
SCALE = {"PCM_16": 2 ** 15 - 1, "PCM_24": 2 ** 23 - 1}
ascii_text = st.text(st.characters(min_codepoint=1, max_codepoint=127), max_size=32)
xml_text = st.text(st.characters(blacklist_categories=()), max_size=60)  # controls, surrogates too


@st.composite
def audio(draw) -> np.ndarray:
    """``(C, S)`` float audio with S > C: the writer takes the shorter axis as channels (a
    square array reads as ``(S, C)``), so fewer frames than channels cannot be told apart."""
    channels = draw(st.integers(1, 8))
    frames = draw(st.integers(channels + (channels > 1), 600))
    samples = st.floats(-1.5, 1.5, allow_nan=False, width=32)
    return draw(arrays(np.float64, (channels, frames), elements=samples))


def _expected(x: np.ndarray, subtype: str) -> np.ndarray:
    """What a reader gets back: ``(S, C)`` ints as soundfile returns them, or float32."""
    frames = x.T  # (S, C)
    if subtype == "FLOAT":
        return frames.astype(np.float32)
    ints = np.round(np.clip(frames, -1, 1) * SCALE[subtype]).astype(np.int32)
    return ints if subtype == "PCM_16" else ints << 8  # soundfile puts 24 bits in the top of 32


def _read(path: Path, subtype: str) -> np.ndarray:
    dtype = {"PCM_16": "int32", "PCM_24": "int32", "FLOAT": "float32"}[subtype]
    data, _ = soundfile.read(path, dtype=dtype, always_2d=True)
    return data if subtype != "PCM_16" else data >> 16  # int16 in the top of an int32


@SETTINGS
@given(x=audio(), rate=st.integers(1, 768_000), subtype=st.sampled_from(sorted(["PCM_16", "PCM_24", "FLOAT"])),
       reference=st.integers(0, 2 ** 64 - 1), description=ascii_text, originator=ascii_text,
       note=xml_text, scene=xml_text)
def test_bwf_reads_back_exactly(tmp_path: Path, x, rate, subtype, reference, description, originator,
                                note, scene) -> None:
    path = tmp_path / "take.wav"
    write_bwf(path, x, rate, time_reference=reference, description=description, originator=originator,
              ixml={"NOTE": note, "SPEED": {"SCENE": scene}}, subtype=subtype)
    info = soundfile.info(path)
    assert (info.samplerate, info.channels, info.frames) == (rate, x.shape[0], x.shape[1])
    np.testing.assert_array_equal(_read(path, subtype), _expected(x, subtype))
    meta = read_bwf(path)
    assert (meta["rate"], meta["channels"], meta["frames"], meta["subtype"]) == (rate, x.shape[0],
                                                                                  x.shape[1], subtype)
    bext = meta["bext"]
    assert bext["time_reference"] == reference
    assert (bext["description"], bext["originator"]) == (description.strip(), originator.strip())
    root = ET.fromstring(meta["ixml"])
    kept = [XML_FORBIDDEN.sub("\ufffd", t) for t in (note, scene)]  # what XML cannot hold
    assert [root.findtext("NOTE"), root.findtext("SPEED/SCENE")] == kept
    header = read_wav_info(path)
    assert (header.rate, header.channels, header.frames, header.time_reference) == (
        rate, x.shape[0], x.shape[1], reference)
    assert [p.name for p in tmp_path.iterdir()] == ["take.wav"]  # no temporary file left


@pytest.mark.parametrize("text", ["door\rslam", "line\r\nbreak", "bell\x07", "\ufffe", "bad \udcff path"])
def test_ixml_text_a_parser_would_change(tmp_path: Path, text: str) -> None:
    """Found by the property above: a CR came back as LF, controls made the iXML unreadable,
    a lone surrogate (an undecodable file name) raised UnicodeEncodeError."""
    path = write_bwf(tmp_path / "t.wav", np.zeros(8), 48000, time_reference=0, ixml={"NOTE": text})
    assert ET.fromstring(read_bwf(path)["ixml"]).findtext("NOTE") == XML_FORBIDDEN.sub("\ufffd", text)


@SETTINGS
@given(x=audio(), bad=st.sampled_from([np.nan, np.inf, -np.inf]), where=st.floats(0, 1))
def test_a_refused_write_leaves_the_old_file(tmp_path: Path, x, bad, where) -> None:
    path = tmp_path / "take.wav"
    write_wav(path, np.full(64, 0.5), 48000)
    before = path.read_bytes()
    broken = x.copy()
    broken.flat[int(where * (broken.size - 1))] = bad
    with pytest.raises(ConfigError, match="NaN/infinite"):
        write_wav(path, broken, 48000)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["take.wav"]
