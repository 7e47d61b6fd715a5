"""How quickly the command line answers: ``foley-studio send --help`` and friends, from a fresh
interpreter each time (as a user or a DAW's script runs it).

For each command line it prints the median and the best wall-clock seconds of ``--repeats``
fresh processes and whether torch got imported (checked in one more run of the same process
with ``-X importtime``). A bare ``python -c pass`` is timed as the floor every process pays.

    python benchmarks/bench_cli_start.py [--repeats 7] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from foley_studio.atomic import write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "python -c pass (floor)": ["-c", "pass"],
    "foley-studio --help": ["-m", "foley_studio.cli", "--help"],
    "foley-studio send --help": ["-m", "foley_studio.cli", "send", "--help"],
    "foley-studio probe --help": ["-m", "foley_studio.cli", "probe", "--help"],
    "foley-studio generate --help": ["-m", "foley_studio.cli", "generate", "--help"],
}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


def timed(args: list[str], repeats: int) -> list[float]:
    """Wall-clock seconds of ``repeats`` fresh interpreters running ``args``."""
    out = []
    for _ in range(repeats):
        began = time.perf_counter()
        subprocess.run([sys.executable, *args], env=_env(), capture_output=True, check=True)
        out.append(time.perf_counter() - began)
    return out


def loads_torch(args: list[str]) -> bool:
    """Whether running ``args`` imports torch (read from ``-X importtime``)."""
    run = subprocess.run([sys.executable, "-X", "importtime", *args], env=_env(),
                         capture_output=True, text=True, check=True)
    return any(line.rstrip().endswith("| torch") for line in run.stderr.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="fresh processes per case; default 7")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "bench_cli_start.json")
    args = parser.parse_args()
    rows = {}
    print(f"{'command':32s} {'median s':>9s} {'best s':>8s}  torch")
    for name, argv in CASES.items():
        seconds = timed(argv, args.repeats)
        rows[name] = {"median_s": statistics.median(seconds), "best_s": min(seconds),
                      "imports_torch": loads_torch(argv)}
        row = rows[name]
        print(f"{name:32s} {row['median_s']:9.3f} {row['best_s']:8.3f}  "
              f"{'yes' if row['imports_torch'] else 'no'}")
    meta = {"python": sys.version.split()[0], "machine": platform.platform(),
            "cpus": os.cpu_count(), "repeats": args.repeats}
    write_text_atomic(args.json, json.dumps({"meta": meta, "cases": rows}, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
