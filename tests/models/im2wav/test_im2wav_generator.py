"""The IM2WAV generator: lengths for images and videos (long ones by windows), seeds, text,
bundles through the registry, progress and cancel."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import soundfile
import torch
from helpers_media import make_video

from foley_studio import registry
from foley_studio.cli import main
from foley_studio.errors import Cancelled, CheckpointError, ConfigError
from foley_studio.generation import Conditioning
from foley_studio.models.im2wav.generator import Im2WavGenerator
from foley_studio.progress import CancelToken
from foley_studio.requests import SamplerSettings


@pytest.fixture(scope="module")
def gen():
    return Im2WavGenerator.tiny(seed=0)


def _image(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (1, 48, 64, 3), dtype=np.uint8)


def _video(seconds: float, fps: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    count = int(np.ceil(seconds * fps))
    frames = np.random.default_rng(1).integers(0, 255, (count, 32, 32, 3), dtype=np.uint8)
    return frames, np.arange(count) / fps


def test_contract(gen):
    assert gen.sample_rate == 16000 and gen.frame_rate == 25.0
    assert gen.modes == frozenset({"foley", "text"})


@pytest.mark.parametrize("seconds", [0.3, 10.0])
def test_single_image_lengths(gen, seconds):
    out = gen.generate(Conditioning(seconds, frames=_image(), frame_times=np.zeros(1)), takes=2,
                       seed=0, sampler=SamplerSettings())
    assert out.shape == (2, int(round(seconds * 16000))) and out.dtype == np.float32
    assert np.abs(out).max() <= 1.0 and np.abs(out).max() > 0
    assert not np.allclose(out[0], out[1])


def test_video_ten_seconds(gen):
    frames, times = _video(10.0)
    out = gen.generate(Conditioning(10.0, frames=frames, frame_times=times), takes=1, seed=0,
                       sampler=SamplerSettings())
    assert out.shape == (1, 160000)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["image", "video"])
def test_sixty_seconds(gen, kind):
    frames, times = (_image(), np.zeros(1)) if kind == "image" else _video(60.0, fps=1.0)
    out = gen.generate(Conditioning(60.0, frames=frames, frame_times=times), takes=1, seed=0,
                       sampler=SamplerSettings())
    assert out.shape == (1, 960000) and np.isfinite(out).all()


def test_windows_cover_long_requests(gen):
    low, up = gen.plans(int(np.ceil(60 * 16000 / gen.hop_low)))
    assert low[0].start == 0 and low[-1].end == int(np.ceil(60 * 16000 / gen.hop_low))
    assert sum(w.new for w in low) == low[-1].end and all(w.known > 0 for w in low[1:])
    assert sum(w.new for w in up) == up[-1].end == 4 * low[-1].end
    assert all(w.start % 4 == 0 and w.end % 4 == 0 for w in up)


def test_take_i_of_a_batch_equals_seed_plus_i(gen):
    cond = Conditioning(0.5, frames=_image(), frame_times=np.zeros(1))
    settings = SamplerSettings(guidance=2.5, top_p=0.95)
    batch = gen.generate(cond, takes=3, seed=40, sampler=settings)
    for i in range(3):
        single = gen.generate(cond, takes=1, seed=40 + i, sampler=settings)
        np.testing.assert_allclose(batch[i], single[0], atol=1e-6)


def test_text_prompt(gen):
    out = gen.generate(Conditioning(0.5, prompt="a dog barks twice"), takes=1, seed=0,
                       sampler=SamplerSettings())
    assert out.shape == (1, 8000)
    with pytest.raises(ConfigError):
        gen.generate(Conditioning(0.5), takes=1, seed=0, sampler=SamplerSettings())


def test_progress_reaches_the_end_and_cancel_stops(gen):
    seen = []
    gen.generate(Conditioning(0.5, frames=_image(), frame_times=np.zeros(1)), takes=1, seed=0,
                 sampler=SamplerSettings(), progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1] and len(seen) > 50
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        gen.generate(Conditioning(0.5, frames=_image(), frame_times=np.zeros(1)), takes=1, seed=0,
                     sampler=SamplerSettings(), cancel=token)


def test_bundle_round_trip_through_the_registry(gen, tmp_path, monkeypatch):
    gen.save_bundle(tmp_path / "tiny", name="im2wav-tiny-test")
    monkeypatch.setenv("FOLEY_STUDIO_MODELS", str(tmp_path))
    info = registry.resolve("im2wav-tiny-test")
    loaded = registry.loader_for(info.kind).from_bundle(info.path)
    cond = Conditioning(0.3, frames=_image(), frame_times=np.zeros(1))
    np.testing.assert_allclose(loaded.generate(cond, takes=1, seed=3, sampler=SamplerSettings()),
                               gen.generate(cond, takes=1, seed=3, sampler=SamplerSettings()), atol=1e-6)


def test_bundle_with_wrong_kind_is_rejected(tmp_path):
    (tmp_path / "bundle.json").write_text('{"kind": "echoes", "name": "x"}')
    with pytest.raises(CheckpointError, match="echoes"):
        Im2WavGenerator.from_bundle(tmp_path)


def test_cli_generate_for_a_video_and_an_image(gen, tmp_path, monkeypatch):
    gen.save_bundle(tmp_path / "bundle", name="im2wav-cli-test")
    video = make_video(tmp_path / "clip.mp4", seconds=1.5, fps=12)
    image = tmp_path / "still.png"
    cv2.imwrite(str(image), _image()[0])
    for source, start, end in ((video, 0.5, 1.25), (image, 0.0, 0.5)):
        out = tmp_path / f"takes_{source.suffix[1:]}"
        assert main(["generate", str(source), "--model", str(tmp_path / "bundle"), "--start", str(start),
                     "--end", str(end), "--takes", "2", "--seed", "9", "--out", str(out)]) == 0
        waves = sorted(out.glob("*.wav"))
        assert [w.name for w in waves] == [f"foley_im2wav-cli-test_{start:.3f}-{end:.3f}s_seed{s}.wav"
                                           for s in (10, 9)]
        audio, rate = soundfile.read(waves[0])
        assert rate == 16000 and len(audio) == round((end - start) * 16000)


def test_priors_can_run_in_bfloat16(gen, tmp_path):
    gen.save_bundle(tmp_path / "b", name="bf16")
    half = Im2WavGenerator.from_bundle(tmp_path / "b", device="cpu", dtype=torch.bfloat16)
    assert half.low.x_emb.weight.dtype == torch.bfloat16
    assert next(half.vqvae.parameters()).dtype == torch.float32
    out = half.generate(Conditioning(0.3, frames=_image(), frame_times=np.zeros(1)), takes=2, seed=0,
                        sampler=SamplerSettings())
    assert out.shape == (2, 4800) and out.dtype == np.float32 and np.isfinite(out).all()
