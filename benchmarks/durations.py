"""Where the fast tier's time goes, per test file: sums the setup, call and teardown durations
pytest prints with ``--durations=0``. Durations are CPU-contended wall time per test, so compare
two runs made side by side on the same machine rather than against a figure from another day.

``.venv/bin/pytest -q -n 2 --dist loadfile --durations=0 > run.log``, then
``python benchmarks/durations.py run.log [TOP]``.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

LINE = re.compile(r"\s*([\d.]+)s (?:setup|call|teardown)\s+(tests/[^:]+)::")


def per_file(log: Path) -> Counter[str]:
    """Seconds per test file, from the durations lines of one pytest log."""
    sums: Counter[str] = Counter()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if match := LINE.match(line):
            sums[match.group(2)] += float(match.group(1))
    return sums


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    sums = per_file(Path(argv[0]))
    top = int(argv[1]) if len(argv) > 1 else 10
    print(f"{sum(sums.values()):8.1f}s  all files")
    for name, seconds in sums.most_common(top):
        print(f"{seconds:8.1f}s  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
