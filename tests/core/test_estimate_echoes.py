"""Visual Echoes time estimates: the estimate counts the steps the generator's progress really
reports in every mode, over the rows its transformer passes really hold; the calibration is
stored and reused; the command line says the estimate before it starts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from foley_studio import api, estimate
from foley_studio.models.echoes.generator import EchoesGenerator
from foley_studio.requests import GenerationRequest, SamplerSettings

STEPS = 3


@pytest.fixture(scope="module")
def gen() -> EchoesGenerator:
    return EchoesGenerator.tiny(seed=0)


def _request(mode: str, source: Path, end: float, takes: int = 2, **changes) -> GenerationRequest:
    sampler = SamplerSettings(steps=STEPS, **changes.pop("sampler", {}))
    return GenerationRequest(mode, str(source), 0.0, end, takes=takes, sampler=sampler, **changes)


def _run(gen: EchoesGenerator, request: GenerationRequest, monkeypatch) -> tuple[list, list]:
    """Progress calls and the batch rows of every transformer pass of one real run."""
    seen, rows, forward = [], [], gen.model.forward

    def counting(audio, *args, **kwargs):
        rows.append(audio.shape[0])
        return forward(audio, *args, **kwargs)

    monkeypatch.setattr(gen.model, "forward", counting)
    report = lambda d, t: seen.append((d, t))  # noqa: E731
    if request.mode == "storyboard":
        api.storyboard(request, gen, window=0.5, progress=report)
    else:
        api.generate(request, gen, progress=report)
    return seen, rows


CASES = {  # request, the rows of each transformer pass (guided: conditional + unconditional)
    "foley on a video, several windows": (lambda c, s: _request("foley", c, 3.0), 4),
    "foley unguided": (lambda c, s: _request("foley", c, 3.0, sampler={"guidance": 1.0}), 2),
    "foley on an image": (lambda c, s: _request("foley", s, 2.0, takes=1), 2),
    "inpaint": (lambda c, s: _request("inpaint", c, 3.0, gap=(1.0, 2.8)), 4),
    "extend": (lambda c, s: _request("extend", c, 2.0, extend=2.5), 4),
    "storyboard": (lambda c, s: _request("storyboard", c, 1.2), 2),  # image guidance 1: none
    "storyboard guided": (lambda c, s: _request("storyboard", c, 1.2, takes=1,
                                                sampler={"image_guidance": 2.0}), 2),
}


@pytest.mark.parametrize("case", CASES)
def test_the_estimate_counts_every_step_the_generator_reports(gen, clip, still, case, monkeypatch):
    make, pass_rows = CASES[case]
    request = make(clip, still)
    plan = estimate.estimate_request(gen, request, window=0.5)
    seen, rows = _run(gen, request, monkeypatch)
    assert seen == [(d + 1, plan.total_steps) for d in range(plan.total_steps)]  # one call a step
    unmask = plan.stages[0]
    assert unmask.name == "unmask" and rows == [pass_rows] * unmask.steps  # a pass a step
    costs = estimate.echoes_costs(gen)
    assert unmask.seconds_per_step == pytest.approx(costs["unmask"].seconds(pass_rows))
    fractions = [plan.elapsed_at(d, t) / plan.total_s for d, t in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)


def test_long_foley_runs_several_windows_and_decoder_windows(gen):
    plan = estimate.estimate_request(gen, _request("foley", Path("x.mp4"), 3.0))
    assert [s.name for s in plan.stages] == ["unmask", "decode"]
    assert plan.stages[0].steps == 4 * STEPS and plan.stages[1].steps == 3  # 17 columns, 8 a window


def test_calibration_runs_once_and_is_reused(gen, monkeypatch):
    first = estimate.estimate_request(gen, _request("foley", Path("x.mp4"), 1.0))
    monkeypatch.setattr(estimate, "calibrate_echoes", lambda g: pytest.fail("calibrated twice"))
    again = estimate.estimate_request(gen, _request("foley", Path("x.mp4"), 1.0))
    assert first.total_s > 0 and again.total_s == pytest.approx(first.total_s)
    keys = json.loads(Path(estimate.calibration_path()).read_text())
    assert [k for k in keys if k.startswith("echoes|echoes-tiny|")] == [estimate.echoes_key(gen, 1)]
    assert estimate.echoes_key(gen, 2) != estimate.echoes_key(gen, 1)  # threads change the pace


def test_modes_it_cannot_do_have_no_estimate(gen):
    text = GenerationRequest("text", prompt="rain", end=1.0)
    assert estimate.estimate_request(gen, text) is None


def test_cli_says_the_estimate_before_it_starts(gen, clip, tmp_path, capsys):
    from foley_studio.cli import main

    gen.save_bundle(tmp_path / "b", name="echoes-est")
    common = ["--model", str(tmp_path / "b"), "--steps", "2", "--out", str(tmp_path / "out")]
    assert main(["generate", str(clip), "--end", "1.0"] + common) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("estimated time on this machine: about ") and "unmask 2 steps" in out[0]
    assert out[1].endswith("seed 0")
    assert main(["storyboard", str(clip), "--end", "2.0", "--window", "1"] + common) == 0
    assert "unmask 4 steps" in capsys.readouterr().out.splitlines()[0]  # 2 pictures × 2 steps
