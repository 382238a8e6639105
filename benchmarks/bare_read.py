"""The floor: read every resource of a data package as text with polars, and nothing else.

Run as its own process by ``benchmarks/run.py``: ``python benchmarks/bare_read.py DATAPACKAGE_JSON``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl


def main(descriptor: str) -> int:
    path = Path(descriptor).resolve()
    package = json.loads(path.read_text(encoding="utf-8"))
    rows = {
        res["name"]: pl.read_csv(path.parent / res["path"], infer_schema=False).height
        for res in package["resources"]
    }
    print(", ".join(f"{k} {v:,}" for k, v in rows.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
