"""Peak memory of generating for 60 s of 1080p video: the maximum resident set size (RSS) of a
fresh process, as ``/usr/bin/time -v`` reports it, for each starter generator.

Makes a 60-s 1920×1080 30-fps H.264 clip with a stereo AAC soundtrack (FFmpeg, in a temporary
folder), then runs, once per generator and each in its own process under ``/usr/bin/time -v``,
what ``foley-studio generate`` runs for the whole clip: :func:`foley_studio.api.generate`, which
reads the frames the generator asks for, encodes them (CLIP for IM2WAV, the image VQGAN for
Visual Echoes) and samples and decodes one take of 60 s. The process's peak therefore covers
the conditioning and the whole generation. ``--echoes-steps`` lowers Visual Echoes' unmasking
steps (default 30, the product's) to shorten the run; the frames it reads do not depend on it.

    python benchmarks/bench_memory.py [--seconds 60] [--echoes-steps 30] [--model NAME] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from foley_studio.atomic import write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
GENERATORS = ("im2wav-starter", "echoes-starter")
LIMIT_GB = 2.0

CHILD = """
import sys, time
from foley_studio import api
from foley_studio.requests import GenerationRequest, SamplerSettings
model, source, seconds, steps = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
generator = api.load_generator(model)
request = GenerationRequest("foley", source, start=0.0, end=seconds, takes=1, seed=0, model=model,
                            sampler=SamplerSettings(steps=steps))
began = time.perf_counter()
takes = api.generate(request, generator)
print("SECONDS", time.perf_counter() - began, "SAMPLES", len(takes[0].audio))
"""


def make_clip(folder: Path, seconds: float) -> Path:
    """A ``seconds``-long 1920×1080 30-fps H.264 + stereo AAC clip made by FFmpeg."""
    path = folder / "hd.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size=1920x1080:rate=30:duration={seconds}", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}:sample_rate=48000", "-ac", "2",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", str(path)], check=True)
    return path


def measure(model: str, clip: Path, seconds: float, steps: int) -> dict:
    """Run one generation under ``/usr/bin/time -v``; its peak RSS, wall time and output length."""
    command = ["/usr/bin/time", "-v", sys.executable, "-c", CHILD, model, str(clip), str(seconds),
               str(steps)]
    env = {"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "2", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{model} failed:\n{done.stderr[-3000:]}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    found = re.search(r"SECONDS (\S+) SAMPLES (\d+)", done.stdout)
    return {"model": model, "max_rss_gb": peak_kb / 1024**2, "generate_s": float(found.group(1)),
            "samples": int(found.group(2)), "echoes_steps": steps if "echoes" in model else None,
            "under_limit": peak_kb / 1024**2 < LIMIT_GB}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="clip length (default 60)")
    parser.add_argument("--echoes-steps", type=int, default=30,
                        help="Visual Echoes unmasking steps per window (default 30)")
    parser.add_argument("--model", action="append", choices=GENERATORS,
                        help="measure only this generator (repeatable; default both)")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/bench_memory.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        clip = make_clip(Path(tmp), args.seconds)
        took = time.perf_counter() - began
        print(f"made {args.seconds:.0f} s of 1920x1080 30 fps in {took:.1f} s")
        rows = [measure(model, clip, args.seconds, args.echoes_steps)
                for model in args.model or GENERATORS]
    for r in rows:
        print(f"{r['model']:16s} max RSS {r['max_rss_gb']:.2f} GB  (limit {LIMIT_GB} GB: "
              f"{'ok' if r['under_limit'] else 'OVER'})  generate {r['generate_s']:.0f} s")
    result = {"benchmark": "bench_memory", "seconds": args.seconds, "source": "1920x1080 30 fps",
              "machine": platform.platform(), "python": platform.python_version(), "rows": rows}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.json, json.dumps(result, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
