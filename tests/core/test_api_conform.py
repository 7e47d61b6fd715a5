"""The façade conforms takes to the request's sync track and keeps both versions."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers_media import make_video

from foley_studio import api
from foley_studio.evaluation.onsets import detect_onsets, match_onsets
from foley_studio.generation import Generator
from foley_studio.media import read_bwf, write_take
from foley_studio.requests import GenerationRequest
from foley_studio.sync import SyncTrack

RATE = 16000
HITS = [1.3, 1.8, 2.45, 3.1]  # source seconds; the region is 1.0–4.0 s
LATE = 0.06  # the made-up generator puts every sound this much after its hit


def impacts(times: list[float], seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = 0.001 * rng.standard_normal(int(seconds * RATE))
    t = np.arange(2000) / RATE
    for at in times:
        i = int(round(at * RATE))
        x[i:i + 2000] += (0.5 * np.sin(2 * np.pi * 180 * t) * np.exp(-t / 0.03))[:len(x) - i]
    return x.astype(np.float32)


class LateGenerator(Generator):
    """Sounds a little after each hit it was told about (the region's hits, as a model would)."""

    name, sample_rate, modes = "late", RATE, frozenset({"foley", "inpaint"})
    hits: list[float] = []

    def generate(self, cond, *, takes, seed, sampler, progress=None, cancel=None):
        return np.stack([impacts([h + LATE for h in self.hits], cond.duration, seed + i)
                         for i in range(takes)])

    def inpaint(self, cond, *, takes, seed, sampler, progress=None, cancel=None):
        out = self.generate(cond, takes=takes, seed=seed, sampler=sampler)
        a, b = (int(round(t * RATE)) for t in cond.gap)
        keep = np.ones(out.shape[1], bool)
        keep[a:b] = False
        out[:, keep] = cond.audio[keep]
        return out


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("api") / "clip.mp4", seconds=5.0)


def request(clip: Path, **kw) -> GenerationRequest:
    return GenerationRequest("foley", str(clip), start=1.0, end=4.0, takes=2,
                             sync=SyncTrack.from_times(HITS), **kw)


def region_gen() -> LateGenerator:
    gen = LateGenerator()
    gen.hits = [h - 1.0 for h in HITS]
    return gen


def test_takes_are_conformed_and_keep_the_generated_audio(clip: Path) -> None:
    takes = api.generate(request(clip), region_gen())
    relative = np.asarray(HITS) - 1.0
    for take in takes:
        assert match_onsets(detect_onsets(take.audio, RATE), relative).median_abs_ms <= 5.0
        before = match_onsets(detect_onsets(take.unconformed, RATE), relative, window_s=0.1)
        assert before.median_abs_ms == pytest.approx(1000 * LATE, abs=3)
        assert len(take.conform["moves"]) == len(HITS) and take.conform["missing"] == []
        assert take.conform["moves"][0]["hit"] == pytest.approx(HITS[0])  # source seconds
        assert take.sync.times == HITS


def test_no_conform_leaves_the_takes_alone(clip: Path) -> None:
    take = api.generate(request(clip, conform=False), region_gen())[0]
    assert take.unconformed is None and take.conform is None and take.sync.times == HITS
    late = match_onsets(detect_onsets(take.audio, RATE), np.asarray(HITS) - 1.0, window_s=0.1)
    assert late.median_abs_ms == pytest.approx(1000 * LATE, abs=3)


def test_an_inpainted_take_moves_only_its_gap(clip: Path) -> None:
    gen = region_gen()
    req = GenerationRequest("inpaint", str(clip), start=1.0, end=4.0, gap=(1.6, 2.9),
                            sync=SyncTrack.from_times(HITS))
    take = api.generate(req, gen)[0]
    a, b = int(0.6 * RATE), int(1.9 * RATE)
    np.testing.assert_array_equal(take.audio[:a], take.unconformed[:a])
    np.testing.assert_array_equal(take.audio[b:], take.unconformed[b:])
    assert [m["hit"] for m in take.conform["moves"]] == pytest.approx([1.8, 2.45])


def test_the_sync_track_and_report_reach_the_wav(clip: Path, tmp_path: Path) -> None:
    take = api.generate(request(clip), region_gen())[0]
    ixml = read_bwf(write_take(tmp_path / "take.wav", take))["ixml"]
    assert "<SYNC>" in ixml and "<CONFORM>" in ixml and "<MOVES>" in ixml
    assert f"<TIME>{HITS[0]}</TIME>" in ixml
