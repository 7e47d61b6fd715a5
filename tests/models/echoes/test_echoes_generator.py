"""The Echoes generator's modes on a tiny random model: seeds, inpainting, extension, bundles."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from foley_studio import registry
from foley_studio.errors import Cancelled, CheckpointError, ConfigError
from foley_studio.generation import Conditioning
from foley_studio.models.echoes.canvas import count_windows, fill_audio, fill_window, plan_window
from foley_studio.models.echoes.codec import window_starts
from foley_studio.models.echoes.generator import EchoesGenerator, seeded_generators, splice
from foley_studio.progress import CancelToken
from foley_studio.requests import SamplerSettings
from foley_studio.sampling.maskgit import UnmaskSettings, unmask

FAST = SamplerSettings(steps=3)
SR = 22050


@pytest.fixture(scope="module")
def gen() -> EchoesGenerator:
    return EchoesGenerator.tiny(seed=0)


def _frames(n: int = 3) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (n, 24, 32, 3), dtype=np.uint8)


def _cond(duration: float, audio: np.ndarray | None = None, gap=None) -> Conditioning:
    return Conditioning(duration=duration, frames=_frames(), frame_times=np.array([0.0, 1.0, 2.0]),
                        audio=audio, gap=gap)


def _soundtrack(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)


def test_take_i_of_a_batch_equals_the_single_take_with_seed_plus_i(gen: EchoesGenerator) -> None:
    batch = gen.generate(_cond(1.0), takes=3, seed=5, sampler=FAST)
    alone = gen.generate(_cond(1.0), takes=1, seed=7, sampler=FAST)
    assert batch.shape == (3, SR) and batch.dtype == np.float32
    assert np.allclose(batch[2], alone[0], atol=1e-5)
    assert np.abs(batch[0] - batch[1]).max() > 1e-3


def test_long_audio_is_made_in_windows(gen: EchoesGenerator) -> None:
    calls = []
    wave = gen.generate(_cond(4.0), takes=1, seed=0, sampler=FAST,
                        progress=lambda d, t: calls.append(d / t))
    assert wave.shape == (1, 4 * SR) and np.abs(wave).max() <= 1.0
    assert calls[-1] == 1.0 and calls == sorted(calls)
    assert gen.window_seconds < 4.0


def test_inpainting_keeps_tokens_outside_the_gap(gen: EchoesGenerator) -> None:
    audio = _soundtrack(2.5)
    spc = gen.audio.samples_per_col
    canvas, unknown = gen.inpaint_canvas(audio, 3 * spc, 5 * spc, takes=2)
    filled = fill_audio(gen.model, canvas, unknown, gen.images_for(_cond(2.5), 2, 0.0, 2.5),
                        context=gen.context_cols, settings=UnmaskSettings(steps=3), guidance=3.0,
                        generators=seeded_generators(0, 2))
    assert unknown[3:5].all() and not unknown[:3].any()
    assert torch.equal(filled[..., ~unknown], canvas[..., ~unknown])
    assert not torch.equal(filled[..., 3:5], canvas[..., 3:5])


def test_inpainting_leaves_audio_outside_the_gap_sample_exact(gen: EchoesGenerator) -> None:
    audio = _soundtrack(3.0)
    out = gen.inpaint(_cond(3.0, audio, gap=(1.0, 1.6)), takes=2, seed=1, sampler=FAST)
    a, b = SR, int(1.6 * SR)
    assert out.shape == (2, len(audio))
    assert np.array_equal(out[:, :a], np.repeat(audio[None, :a], 2, 0))
    assert np.array_equal(out[:, b:], np.repeat(audio[None, b:], 2, 0))
    fade = int(0.02 * SR)
    assert not np.allclose(out[:, a + fade: b - fade], audio[a + fade: b - fade])


def test_splice_crossfades_inside_the_gap_only() -> None:
    original = np.zeros(100, dtype=np.float32)
    generated = np.ones((1, 100), dtype=np.float32)
    out = splice(original, generated, 20, 60, 5)[0]
    assert (out[:20] == 0).all() and (out[60:] == 0).all() and (out[25:55] == 1).all()
    assert np.all(np.diff(out[20:25]) > 0) and np.all(np.diff(out[55:60]) < 0)


def test_extend_returns_only_new_audio(gen: EchoesGenerator) -> None:
    out = gen.extend(_cond(1.5, _soundtrack(2.0)), takes=2, seed=0, sampler=FAST)
    assert out.shape == (2, int(1.5 * SR))
    with pytest.raises(ConfigError, match="soundtrack"):
        gen.extend(_cond(1.0, np.zeros(100, np.float32)), takes=1, seed=0, sampler=FAST)


def test_storyboard_gives_one_picture_per_window(gen: EchoesGenerator) -> None:
    pictures = gen.storyboard(_cond(2.5, _soundtrack(2.5)), takes=2, seed=0, sampler=FAST, window=1.0)
    assert pictures.shape == (2, 3, 16, 16, 3) and pictures.dtype == np.uint8
    alone = gen.storyboard(_cond(2.5, _soundtrack(2.5)), takes=1, seed=1, sampler=FAST, window=1.0)
    assert np.array_equal(pictures[1], alone[0])


def test_storyboards_follow_image_guidance_not_sound_guidance(gen: EchoesGenerator) -> None:
    board = lambda **knobs: gen.storyboard(_cond(1.0, _soundtrack(1.0)), takes=1, seed=0,  # noqa: E731
                                           sampler=SamplerSettings(steps=3, **knobs))
    plain = board(guidance=1.0)
    assert np.array_equal(board(guidance=5.0), plain)  # the default image guidance is 1: none
    assert not np.array_equal(board(image_guidance=5.0), plain)


def test_cogeneration_and_video_frames() -> None:
    video = EchoesGenerator.tiny(seed=1, frames=3)
    wave, pictures = video.cogenerate(takes=2, seed=0, sampler=FAST)
    assert wave.shape == (2, video.window_cols * video.audio.samples_per_col)
    assert pictures.shape == (2, 3, 16, 16, 3)
    assert video.generate(_cond(1.0), takes=1, seed=0, sampler=FAST).shape == (1, SR)


def test_modes_need_their_inputs(gen: EchoesGenerator) -> None:
    with pytest.raises(ConfigError, match="pictures"):
        gen.generate(Conditioning(duration=1.0, prompt="rain"), takes=1, seed=0, sampler=FAST)
    with pytest.raises(ConfigError, match="soundtrack"):
        gen.inpaint(_cond(1.0, gap=(0.1, 0.2)), takes=1, seed=0, sampler=FAST)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        gen.generate(_cond(1.0), takes=1, seed=0, sampler=FAST, cancel=token)


def test_window_plan_centres_short_gaps() -> None:
    unknown = torch.zeros(40, dtype=torch.bool)
    unknown[18:20] = True
    assert plan_window(unknown, 8, 4) == 15
    unknown[:] = False
    unknown[30:] = True
    assert plan_window(unknown, 8, 4) == 26


def test_bundle_round_trip_and_vocoder_choice(gen: EchoesGenerator, tmp_path) -> None:
    folder = tmp_path / "echoes-tiny"
    gen.save_bundle(folder, name="echoes-tiny")
    meta = json.loads((folder / "bundle.json").read_text())
    assert meta["kind"] == "echoes" and meta["vocoder"] == "melgan"
    loaded = registry.loader_for("echoes").from_bundle(folder, device="cpu")
    a = gen.generate(_cond(1.0), takes=1, seed=3, sampler=FAST)
    b = loaded.generate(_cond(1.0), takes=1, seed=3, sampler=FAST)
    assert np.allclose(a, b, atol=1e-5)
    (folder / "vocoder.json").unlink()
    with pytest.raises(CheckpointError, match="griffin-lim"):
        EchoesGenerator.from_bundle(folder, device="cpu")
    fallback = EchoesGenerator.from_bundle(folder, vocoder="griffin-lim", device="cpu")
    assert "Griffin-Lim" in fallback.name
    assert fallback.generate(_cond(0.5), takes=1, seed=0, sampler=FAST).shape == (1, SR // 2)


def test_a_vocos_vocoder_saves_and_loads_with_the_bundle(gen: EchoesGenerator, tmp_path) -> None:
    from foley_studio.models.echoes.vocos import VocosConfig, VocosVocoder

    torch.manual_seed(0)
    vocos = EchoesGenerator(gen.model, gen.audio.vqgan, gen.image.vqgan,
                            VocosVocoder(VocosConfig(dim=8, intermediate=16, blocks=1)),
                            image_size=gen.image.size)
    vocos.save_bundle(tmp_path / "v", name="echoes-vocos")
    assert json.loads((tmp_path / "v" / "bundle.json").read_text())["vocoder"] == "vocos"
    loaded = EchoesGenerator.from_bundle(tmp_path / "v", device="cpu")
    assert isinstance(loaded.audio.vocoder, VocosVocoder)
    a = vocos.generate(_cond(1.0), takes=1, seed=2, sampler=FAST)
    assert np.allclose(a, loaded.generate(_cond(1.0), takes=1, seed=2, sampler=FAST), atol=1e-5)
    assert a.shape == (1, SR) and np.abs(a).max() <= 1.0


def test_guidance_one_equals_conditional_sampling_and_three_differs(gen: EchoesGenerator) -> None:
    c = gen.model.config
    audio = torch.zeros(2, c.audio_len, dtype=torch.long)
    unknown = torch.ones_like(audio, dtype=torch.bool)
    images = gen.images_for(_cond(1.0), 2, 0.0, 1.0)(0)

    def conditional(tokens: torch.Tensor, unk: torch.Tensor) -> torch.Tensor:
        logits_a, _ = gen.model(tokens[:, : c.audio_len], tokens[:, c.audio_len:],
                                unk[:, : c.audio_len], unk[:, c.audio_len:])
        return torch.nn.functional.pad(logits_a, (0, 0, 0, c.image_len), value=0.0)

    settings = UnmaskSettings(steps=4)
    with torch.no_grad():
        plain = unmask(conditional, torch.cat([audio, images.tokens], 1),
                       torch.cat([unknown, images.unknown], 1), settings=settings,
                       generators=seeded_generators(0, 2))[:, : c.audio_len]
        runs = {s: fill_window(gen.model, audio, unknown, images, settings=settings, guidance=s,
                               generators=seeded_generators(0, 2))[0] for s in (1.0, 3.0)}
    assert torch.equal(runs[1.0], plain)
    assert not torch.equal(runs[3.0], plain)


def test_long_gap_is_filled_in_several_windows_keeping_the_rest(gen: EchoesGenerator) -> None:
    audio = _soundtrack(5.0)
    spc = gen.audio.samples_per_col
    canvas, unknown = gen.inpaint_canvas(audio, 2 * spc, 22 * spc, takes=1)
    assert count_windows(unknown, gen.window_cols, gen.context_cols) > 2
    filled = fill_audio(gen.model, canvas, unknown, gen.images_for(_cond(5.0), 1, 0.0, 5.0),
                        context=gen.context_cols, settings=UnmaskSettings(steps=2), guidance=3.0,
                        generators=seeded_generators(0, 1))
    assert torch.equal(filled[..., ~unknown], canvas[..., ~unknown])
    out = gen.inpaint(_cond(5.0, audio, gap=(0.5, 4.0)), takes=1, seed=0, sampler=SamplerSettings(steps=2))
    assert np.array_equal(out[0, : SR // 2], audio[: SR // 2])
    assert np.array_equal(out[0, 4 * SR:], audio[4 * SR:])


def test_windowed_decoding_crossfades_only_where_windows_overlap(gen: EchoesGenerator) -> None:
    w, spc = gen.window_cols, gen.audio.samples_per_col
    tokens = torch.randint(0, 32, (1, gen.audio.rows, w + 4), generator=torch.Generator().manual_seed(0))
    whole = gen.audio.waveform(tokens, w, 2)
    assert whole.shape == (1, (w + 4) * spc)
    first = gen.audio.vocoder(gen.audio.spectrogram_of(tokens[..., :w]))
    last = gen.audio.vocoder(gen.audio.spectrogram_of(tokens[..., 4:]))
    assert window_starts(w + 4, w, 2) == [0, 4]
    assert torch.allclose(whole[:, : 4 * spc], first[:, : 4 * spc], atol=1e-6)
    assert torch.allclose(whole[:, w * spc:], last[:, (w - 4) * spc:], atol=1e-6)
    single = gen.audio.waveform(tokens[..., :w], w, 2)
    assert torch.allclose(single, first, atol=1e-6)


def test_inpaint_keeps_the_sources_level_without_clipping_outside_the_gap(gen, tmp_path) -> None:
    import soundfile
    from helpers_media import make_video, sine

    from foley_studio import api, media
    from foley_studio.requests import GenerationRequest

    both = lambda t: np.stack([sine(220.0, level=0.9)(t)] * 2)  # noqa: E731 - centred, near full scale
    video = make_video(tmp_path / "loud.mp4", seconds=1.0, channels=2, audio_fn=both)
    with media.VideoClip(video) as clip:
        source = clip.audio(SR, 0.0, 1.0)  # the downmix: both fronts at −3 dB
    assert np.abs(source).max() > 1.2  # centred sound keeps its level (0.9 · 2 · 0.707)
    request = GenerationRequest("inpaint", str(video), start=0.0, end=1.0, gap=(0.4, 0.6),
                                takes=1, seed=0, sampler=FAST)
    take = api.generate(request, gen)[0]
    outside = np.r_[0:int(0.4 * SR), int(0.6 * SR):SR]
    np.testing.assert_array_equal(take.audio[outside], source[outside])
    path = media.write_take(tmp_path / "take.wav", take)
    written, rate = soundfile.read(path, dtype="float32")
    assert rate == SR and soundfile.info(str(path)).subtype == "FLOAT"
    np.testing.assert_array_equal(written[outside], source[outside])  # nothing clipped
