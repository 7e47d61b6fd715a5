"""Time estimates: stages and their arithmetic (torch-free), the calibration stored in the cache,
and agreement between the estimate and the progress the generator reports."""
from __future__ import annotations

import json

import numpy as np
import pytest

from foley_studio import estimate
from foley_studio.estimate import JobEstimate, Stage, StepCost, fit, format_duration


def test_stages_add_up_and_progress_maps_to_estimated_seconds():
    plan = JobEstimate([Stage("LOW", 10, 0.5), Stage("UP", 40, 0.05), Stage("decode", 2, 1.0)])
    assert plan.total_s == pytest.approx(5 + 2 + 2)
    assert plan.elapsed_at(0, 52) == 0
    assert plan.elapsed_at(10, 52) == pytest.approx(5.0)  # all of LOW
    assert plan.elapsed_at(30, 52) == pytest.approx(6.0)  # LOW and half of UP
    assert plan.elapsed_at(52, 52) == pytest.approx(plan.total_s)
    assert plan.elapsed_at(26, 26) == pytest.approx(plan.total_s)  # other units, same fraction
    assert "about 9 s" in plan.line() and "LOW 10 steps × 500.0 ms" in plan.line()


def test_durations_read_like_a_person_would_say_them():
    assert format_duration(4.4) == "about 4 s"
    assert format_duration(200) == "about 3 min 20 s"
    assert format_duration(3900) == "about 1 h 05 min"


def test_a_line_fits_two_measurements():
    cost = fit(2, 0.030, 8, 0.060)
    assert cost.seconds(2) == pytest.approx(0.030) and cost.seconds(8) == pytest.approx(0.060)
    assert cost.per_row == pytest.approx(0.005)


def test_costs_are_stored_per_key_and_kept_for_other_keys():
    estimate.write_costs("a", {"low": StepCost(0.1, 0.01)})
    estimate.write_costs("b", {"low": StepCost(0.2, 0.02)})
    assert estimate.read_costs("a") == {"low": StepCost(0.1, 0.01)}
    assert set(json.loads(open(estimate.calibration_path()).read())) == {"a", "b"}
    assert estimate.read_costs("c") is None


# ------------------------------------------------------------------------------ with a generator
@pytest.fixture(scope="module")
def gen():
    from foley_studio.models.im2wav.generator import Im2WavGenerator

    return Im2WavGenerator.tiny(0)


def _request(seconds: float, takes: int, guidance: float = 3.0):
    from foley_studio.requests import GenerationRequest, SamplerSettings

    return GenerationRequest(mode="text", prompt="x", start=0.0, end=seconds, takes=takes,
                             sampler=SamplerSettings(guidance=guidance))


def test_calibration_runs_once_and_is_reused(gen, monkeypatch):
    first = estimate.estimate_request(gen, _request(1.0, 2))
    assert first.total_s > 0 and [s.name for s in first.stages] == ["LOW", "UP", "decode"]
    monkeypatch.setattr(estimate, "calibrate_im2wav", lambda g: pytest.fail("calibrated twice"))
    again = estimate.estimate_request(gen, _request(1.0, 2))
    assert again.total_s == pytest.approx(first.total_s)


def test_more_takes_and_guidance_cost_more_rows(gen):
    one = estimate.estimate_request(gen, _request(1.0, 1))
    four = estimate.estimate_request(gen, _request(1.0, 4))
    plain = estimate.estimate_request(gen, _request(1.0, 1, guidance=1.0))
    low = lambda plan: plan.stages[0].seconds_per_step  # noqa: E731
    costs = estimate.read_costs(estimate.im2wav_key(gen, __import__("torch").get_num_threads()))
    assert low(four) == pytest.approx(costs["low"].seconds(8))
    assert low(one) == pytest.approx(costs["low"].seconds(2))
    assert low(plain) == pytest.approx(costs["low"].seconds(1))


def test_the_generators_progress_runs_through_every_estimated_step(gen):
    from foley_studio.generation import Conditioning
    from foley_studio.requests import SamplerSettings

    plan = estimate.estimate_request(gen, _request(1.0, 2))
    seen = []
    gen.generate(Conditioning(1.0, prompt="x"), takes=2, seed=0, sampler=SamplerSettings(),
                 progress=lambda d, t: seen.append((d, t)))
    assert {t for _, t in seen} == {plan.total_steps}  # the bar's units are the estimate's
    fractions = [plan.elapsed_at(d, t) / plan.total_s for d, t in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)


def test_cli_generate_says_the_estimate_before_it_starts(gen, tmp_path, capsys):
    from foley_studio.cli import main

    gen.save_bundle(tmp_path / "b", name="im2wav-est")
    assert main(["generate", "--prompt", "rain", "--model", str(tmp_path / "b"), "--end", "0.5",
                 "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("estimated time on this machine: about ")
    assert out[1].endswith("seed 0") and np.all([p.suffix == ".wav" for p in (tmp_path / "out").iterdir()])
