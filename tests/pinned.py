"""The release figures tests pin, from ``tests/fixtures/releases.toml`` (one table per source), and
what tests may derive from the registry instead: the "add a year" recipe updates that file, not the
tests (docs/maintainers.md)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from cscbench.ingest.registry import default_registry

FIXTURES = Path(__file__).parent / "fixtures" / "releases.toml"
PINNED: dict[str, Any] = tomllib.loads(FIXTURES.read_text(encoding="utf-8"))
WORKFORCE = PINNED["dfe_csww"]
WORKFORCE_SOURCE = "dfe_csww"


def next_period(period: str) -> str:
    """The period after ``period`` ("2025" -> "2026", "2024-25" -> "2025-26"): a year no release
    has yet, for tests that invent one."""
    if "-" in period:
        start = int(period[:4]) + 1
        return f"{start}-{(start + 1) % 100:02d}"
    return str(int(period) + 1)


def raw_path(source_id: str) -> str:
    """A source's raw file, as the registry names it (relative to the raw folder)."""
    return str(default_registry().source(source_id).raw_path)


NEXT_WORKFORCE_PERIOD = next_period(WORKFORCE["latest_period"])
