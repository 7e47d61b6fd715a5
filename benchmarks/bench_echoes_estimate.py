"""How close the Visual Echoes time estimate comes to the real wall time on this machine.

Calibrates the starter bundle afresh (the cost of that is printed too), then for a 4-s Foley take
from a world clip, 1 and 4 takes, prints the estimate, the wall time of the real job, their ratio,
and where the progress bar's estimated seconds stood when the unmasking stage ended.

    OMP_NUM_THREADS=1 python benchmarks/bench_echoes_estimate.py [--clip PATH] [--takes 1 4]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from foley_studio import api, estimate
from foley_studio.atomic import write_text_atomic
from foley_studio.models.echoes.generator import EchoesGenerator
from foley_studio.requests import GenerationRequest

STARTER = Path(__file__).resolve().parents[1] / "foley_studio" / "starter" / "echoes-starter"
DEFAULT_CLIP = Path("/work/data/world/video/w1-000000_000000.mp4")
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "bench_echoes_estimate.json"


def calibrate(gen: EchoesGenerator) -> dict:
    """Fresh step costs stored for this machine, and the seconds the calibration took."""
    began = time.perf_counter()
    costs = estimate.calibrate_echoes(gen)
    estimate.write_costs(estimate.echoes_key(gen, torch.get_num_threads()), costs)
    return {"calibration_s": round(time.perf_counter() - began, 2),
            "costs": {name: vars(cost) for name, cost in costs.items()}}


def run(gen: EchoesGenerator, clip: Path, takes: int) -> dict:
    """The estimate and the wall time of one 4-s take request."""
    request = GenerationRequest("foley", str(clip), 0.0, 4.0, takes=takes, model="echoes-starter")
    plan = estimate.estimate_request(gen, request)
    stamps: list[tuple[float, int, int]] = []
    began = time.perf_counter()
    api.generate(request, gen, progress=lambda d, t: stamps.append((time.perf_counter(), d, t)))
    wall = time.perf_counter() - began
    unmask_end = next(s for s in stamps if s[1] == plan.stages[0].steps)
    return {"takes": takes, "estimate_line": plan.line(), "estimate_s": round(plan.total_s, 2),
            "wall_s": round(wall, 2), "wall_over_estimate": round(wall / plan.total_s, 3),
            "unmask_wall_s": round(unmask_end[0] - began, 2),
            "unmask_estimate_s": round(plan.elapsed_at(*unmask_end[1:]), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--takes", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--json", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    gen = EchoesGenerator.from_bundle(STARTER, device="cpu")
    result = {"threads": torch.get_num_threads(), **calibrate(gen),
              "runs": [run(gen, args.clip, takes) for takes in args.takes]}
    print(json.dumps(result, indent=2))
    write_text_atomic(str(args.json), json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
