"""A synthetic demo partnership's extension, built in a test's folder from `cscbench extension new`.

Every figure here is invented for the tests and marked ``demonstration`` true; none may reach the
main package or its release (tests/test_extension.py checks). ``build_demo`` writes the template,
replaces its example rows with the demo's, and lets a test change one thing (a row, a cell, the
descriptor) to make each bad return of the corpus.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.extension.template import new_extension

PARTNERSHIP = "Demo partnership (synthetic figures)"
DEMO = "demo partnership synthetic return"
# Invented figures: caseload and agency rate at 30 June 2026 (quarterly, ahead of DfE's annual
# statistics), and an own indicator. Leeds E08000035, Wakefield E08000036, Barnsley's superseded
# code E08000016 (mapped to E08000038).
FIGURES: list[dict[str, str]] = [
    {
        "indicator_id": "caseload_fte",
        "area_code": "E08000035",
        "period": "2026",
        "period_end": "2026-06-30",
        "value": "15.5",
        "unit": "cases_per_fte",
    },
    {
        "indicator_id": "agency_rate_fte",
        "area_code": "E08000035",
        "period": "2026",
        "period_end": "2026-06-30",
        "value": "3.5",
        "unit": "percent",
    },
    {
        "indicator_id": "caseload_fte",
        "area_code": "E08000036",
        "period": "2026",
        "period_end": "2026-06-30",
        "value": "18.5",
        "unit": "cases_per_fte",
    },
    {
        "indicator_id": "local_agency_staff_quarter",
        "area_code": "E08000036",
        "period": "2026",
        "period_end": "2026-06-30",
        "value": "21",
        "unit": "number",
    },
    {
        "indicator_id": "caseload_fte",
        "area_code": "E08000016",
        "period": "2026",
        "period_end": "2026-06-30",
        "value": "16.5",
        "unit": "cases_per_fte",
    },
]
OWN: list[dict[str, str]] = [
    {
        "indicator_id": "local_agency_staff_quarter",
        "label": "Agency social workers this quarter",
        "theme": "workforce",
        "unit": "number",
        "decimals": "0",
        "polarity": "neutral",
        "min_value": "0",
        "source_id": "demo_return",
        "definition": "Agency social workers in post at the quarter's end (synthetic demo).",
    },
]
COMMON = {
    "collected_by": "Demo partnership data team",
    "collected_on": "2026-07-15",
    "source": DEMO,
    "demonstration": "true",
}


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    """Rows under the file's own header (every cell text; missing and "" cells empty)."""
    header = pl.read_csv(path, n_rows=0).columns
    frame = pl.DataFrame(
        [{c: row.get(c) or None for c in header} for row in rows],
        schema=dict.fromkeys(header, pl.String),
    )
    frame.write_csv(path)


def build_demo(
    folder: Path,
    figures: list[dict[str, str]] | None = None,
    own: list[dict[str, str]] | None = None,
    meta: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """The demo extension in ``folder``; ``figures``/``own`` replace its rows, ``meta`` edits its
    descriptor. Returns the descriptor."""
    descriptor = new_extension(folder, PARTNERSHIP, name="demo-partnership")
    rows = FIGURES if figures is None else figures
    write_rows(folder / "local_observations.csv", [{**COMMON, **r} for r in rows])
    write_rows(folder / "local_indicators.csv", OWN if own is None else own)
    if meta is not None:
        data = json.loads(descriptor.read_text(encoding="utf-8"))
        meta(data)
        descriptor.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return descriptor
