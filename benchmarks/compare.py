"""How long ``cscbench.compare()`` and ``cscbench compare`` take on the committed package.

    .venv/bin/python benchmarks/compare.py            # 5 runs each
    .venv/bin/python benchmarks/compare.py --runs 9

Times, in this process, three councils on the headline indicators, every council on them, and
three councils on every indicator; then the command as a user runs it (a new process: Python start,
imports and the package read included). Prints the fastest and the median run of each, with the
load average, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cscbench
from cscbench.analysis import comparison

THREE = ("Leeds", "Wakefield", "Bradford")
COMMAND = [
    str(Path(sys.executable).with_name("cscbench")),
    "compare",
    *THREE,
    "--format",
    "json",
]


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Fastest and median wall-clock seconds of ``runs`` calls (after one warm-up call)."""
    action()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    return min(seconds), statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    every = comparison.units(cscbench.load("areas"))["unit_code"].to_list()
    ids = cscbench.load("indicators")["indicator_id"].to_list()
    cases = {
        "3 councils, headline indicators": lambda: cscbench.compare(*THREE),
        f"{len(every)} councils, headline indicators": lambda: cscbench.compare(*every),
        f"3 councils, all {len(ids)} indicators": lambda: cscbench.compare(*THREE, indicators=ids),
        "`cscbench compare Leeds Wakefield Bradford --format json` (new process)": lambda: (
            subprocess.run(COMMAND, check=True, capture_output=True)
        ),
    }
    print(f"load average {os.getloadavg()[0]:.1f}; {runs} runs each\n")
    print("| case | fastest (s) | median (s) |\n|---|---:|---:|")
    for name, action in cases.items():
        fastest, median = timed(action, runs)
        print(f"| {name} | {fastest:.2f} | {median:.2f} |")


if __name__ == "__main__":
    main()
