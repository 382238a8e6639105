"""DfE children in need, table B1, 2013-2025."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cscbench.ingest.common import Contribution, ees_contribution
from cscbench.ingest.indicators import NON_NEGATIVE, indicator, indicator_frame

SOURCE_ID = "dfe_cin_b1_2025"
FILE = "dfe/b1_children_in_need_2013_to_2025.csv"

COLUMNS: dict[str, tuple[str, str]] = {
    "Anypoint_episodes": (
        "Children in need episodes at any point in the year",
        "Episodes of need open at any point in the year to 31 March.",
    ),
    "Anypoint_child": (
        "Children in need at any point in the year",
        "Children in need at any point in the year to 31 March (a child counted once).",
    ),
    "Started_episodes": (
        "Children in need episodes started",
        "Episodes of need starting in the year to 31 March.",
    ),
    "Started_child": (
        "Children starting an episode of need",
        "Children starting an episode of need in the year to 31 March.",
    ),
    "Ended_episodes": (
        "Children in need episodes ended",
        "Episodes of need ending in the year to 31 March.",
    ),
    "Ended_child": (
        "Children ending an episode of need",
        "Children whose episode of need ended in the year to 31 March.",
    ),
    "At31_episodes": (
        "Children in need at 31 March",
        "Episodes of need open on 31 March (one per child in need at that date).",
    ),
    "awaiting_assessment": (
        "Children awaiting assessment at 31 March",
        "Referrals awaiting the outcome of an assessment on 31 March.",
    ),
}


def indicator_id(column: str) -> str:
    return "cin_" + column.lower()


def _indicators() -> pl.DataFrame:
    return indicator_frame(
        [
            indicator(
                indicator_id(column),
                label,
                theme="children_in_need",
                unit="number",
                decimals=0,
                polarity="neutral",
                valid=NON_NEGATIVE,
                source_id=SOURCE_ID,
                definition=definition,
            )
            for column, (label, definition) in COLUMNS.items()
        ]
    )


def ingest(raw_dir: Path) -> Contribution:
    columns = {c: indicator_id(c) for c in COLUMNS}
    return ees_contribution(raw_dir / FILE, columns, (3, 31), SOURCE_ID, _indicators())
