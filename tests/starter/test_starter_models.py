"""The bundled starter models: found by name, within their size budget, and really working.

Clips are rendered in memory from the procedural world with seeds the training set never used
(it was rendered with seed 1). "Right" is judged against the real sound and pictures of the same
world: a generated sound's mean log-mel spectrum lies nearer the real clip of its class than the
real clip of the other class, and a storyboard picture's colours likewise.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torchaudio

from foley_studio import registry
from foley_studio.api import load_generator
from foley_studio.data.world import SAMPLE_RATE, render_clip
from foley_studio.generation import Conditioning
from foley_studio.models.echoes.mel import MelConfig, MelSpectrogram
from foley_studio.requests import SamplerSettings

BUDGET = 40_000_000   # bytes of weights, all starters together
ECHOES, IM2WAV = "echoes-starter", "im2wav-starter"
SAMPLER = SamplerSettings(steps=12, guidance=3.0)
PAIRS = {ECHOES: ("bird", "engine"), IM2WAV: ("drum", "insect")}


@pytest.fixture(scope="module")
def clips() -> dict:
    names = {c for pair in PAIRS.values() for c in pair}
    return {cls: render_clip(1000 + i, cls, second=False) for i, cls in enumerate(sorted(names))}


def _profile(audio: np.ndarray, rate: int) -> np.ndarray:
    """Mean [0, 1] log-mel spectrum ``(80,)`` of ``audio`` ``(S,)`` at ``rate`` Hz."""
    wave = torch.from_numpy(np.asarray(audio, np.float32))[None]
    wave = torchaudio.functional.resample(wave, rate, SAMPLE_RATE) if rate != SAMPLE_RATE else wave
    return MelSpectrogram(MelConfig())(wave)[0].mean(-1).numpy()


def _nearest(x: np.ndarray, refs: dict) -> str:
    return min(refs, key=lambda k: float(np.abs(x - refs[k]).mean()))


def _video(clip, seconds: float = 2.0) -> Conditioning:
    n = int(seconds * clip.fps)
    return Conditioning(duration=seconds, frames=clip.frames[:n], frame_times=np.arange(n) / clip.fps)


def test_the_starters_are_registered_and_within_the_size_budget() -> None:
    sizes = []
    for name, kind in ((ECHOES, "echoes"), (IM2WAV, "im2wav")):
        info = registry.resolve(name)
        assert info.kind == kind and info.path.parent == registry.STARTER_DIR
        sizes += [p.stat().st_size for p in info.path.rglob("*.safetensors")]
    assert len(sizes) == 4 + 4 and sum(sizes) <= BUDGET


@pytest.mark.parametrize("name", [ECHOES, IM2WAV])
def test_sound_from_world_frames_matches_their_class(name: str, clips: dict) -> None:
    gen = load_generator(name)
    pair = {cls: clips[cls] for cls in PAIRS[name]}
    real = {cls: _profile(c.audio, SAMPLE_RATE) for cls, c in pair.items()}
    for i, (cls, clip) in enumerate(pair.items()):
        wave = gen.generate(_video(clip), takes=1, seed=i, sampler=SAMPLER)[0]
        assert wave.shape == (2 * gen.sample_rate,) and np.isfinite(wave).all()
        assert np.abs(wave).max() > 1e-3
        assert _nearest(_profile(wave, gen.sample_rate), real) == cls


def test_im2wav_text_prompts_steer_the_sound(clips: dict) -> None:
    gen = load_generator(IM2WAV)
    real = {cls: _profile(clips[cls].audio, SAMPLE_RATE) for cls in PAIRS[IM2WAV]}
    prompts = {"drum": "a drum being hit with a stick", "insect": "an insect buzzing"}
    for i, cls in enumerate(PAIRS[IM2WAV]):
        wave = gen.generate(Conditioning(duration=2.0, prompt=prompts[cls]), takes=1, seed=i,
                            sampler=SAMPLER)[0]
        assert _nearest(_profile(wave, gen.sample_rate), real) == cls


def test_echoes_storyboard_pictures_match_the_class_of_the_sound(clips: dict) -> None:
    gen = load_generator(ECHOES)
    colours = {cls: clips[cls].frames.reshape(-1, 3).mean(0) for cls in PAIRS[ECHOES]}
    for i, cls in enumerate(PAIRS[ECHOES]):
        audio = clips[cls].audio[: 2 * gen.sample_rate]
        board = gen.storyboard(Conditioning(duration=2.0, audio=audio), takes=1, seed=i,
                               sampler=SAMPLER, window=2.0)
        assert board.shape[:2] == (1, 1) and board.dtype == np.uint8
        assert _nearest(board[0, 0].reshape(-1, 3).mean(0), colours) == cls


def test_echoes_inpainting_keeps_the_soundtrack_outside_the_gap(clips: dict) -> None:
    gen = load_generator(ECHOES)
    clip = clips["engine"]
    audio = clip.audio[: 2 * gen.sample_rate]
    cond = Conditioning(duration=2.0, audio=audio, gap=(0.5, 1.5), frames=clip.frames[:1],
                        frame_times=np.zeros(1))
    out = gen.inpaint(cond, takes=1, seed=0, sampler=SAMPLER)[0]
    lo, hi = int(0.5 * gen.sample_rate), int(1.5 * gen.sample_rate)
    assert np.array_equal(out[:lo], audio[:lo]) and np.array_equal(out[hi:], audio[hi:])
    assert not np.allclose(out[lo:hi], audio[lo:hi])


def test_the_demo_writes_a_take_from_every_starter(tmp_path) -> None:
    import soundfile

    from foley_studio.cli import main

    assert main(["demo", "--out", str(tmp_path), "--takes", "1"]) == 0
    takes = sorted(tmp_path.glob("*.wav"))
    assert [p.name for p in takes] == ["foley_echoes-starter_0.000-4.000s_seed0.wav",
                                        "foley_im2wav-starter_0.000-4.000s_seed0.wav"]
    for path in takes:
        info = soundfile.info(path)
        assert abs(info.duration - 4.0) < 0.01 and info.subtype == "PCM_24"
