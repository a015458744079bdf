"""Startup cost of `aiops --version` (and `--help`, `policy check`) as a ratio to `python -c pass`.

Both are run alternately in the same script, so machine noise hits them alike; the ratio of medians is
the figure we report (target: <= 2.5x for --version). Usage: .venv/bin/python bench/startup.py [rounds]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AIOPS = str(Path(sys.executable).with_name("aiops"))

CASES = {
    "aiops --version": [AIOPS, "--version"],
    "aiops --help": [AIOPS, "--help"],
    "aiops policy check": [AIOPS, "policy", "check", "--", "kubectl", "get", "pods"],
}
BASELINE = [sys.executable, "-c", "pass"]


def _time(argv: list[str]) -> float:
    env = {**os.environ, "AIOPS_CONFIG": "", "HOME": str(ROOT / ".bench-home")}
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env, cwd="/")
    return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    samples: dict[str, list[float]] = {name: [] for name in ["python -c pass", *CASES]}
    for argv in CASES.values():  # warm the page cache and .pyc files
        _time(argv)
    for _ in range(rounds):
        samples["python -c pass"].append(_time(BASELINE))
        for name, argv in CASES.items():
            samples[name].append(_time(argv))
    base = statistics.median(samples["python -c pass"])
    print(f"{'command':<22} {'median ms':>10} {'ratio':>7}   ({rounds} rounds, alternating)")
    for name, values in samples.items():
        med = statistics.median(values)
        print(f"{name:<22} {med * 1000:>10.1f} {med / base:>6.2f}x")


if __name__ == "__main__":
    main()
