"""DfE children looked after: numbers and rates per 10,000 children, 2021-2025."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cscbench.ingest.common import (
    EES_ID_COLUMNS,
    Contribution,
    RawInputError,
    dated_observations,
    ees_mentions,
    geography_code,
    read_raw_csv,
    split_value,
)
from cscbench.ingest.indicators import NON_NEGATIVE, indicator, indicator_frame

SOURCE_ID = "dfe_cla_2025"
FILE = "dfe/cla_number_and_rate_per_10k_children.csv"

# population_type as published -> indicator id stem and wording.
POPULATIONS: dict[str, tuple[str, str]] = {
    "Children looked after on 31 March each year": ("cla_31_march", "looked after on 31 March"),
    "Children starting to be looked after each year": (
        "cla_started",
        "starting to be looked after in the year to 31 March",
    ),
    "Children ceasing to be looked after each year": (
        "cla_ceased",
        "ceasing to be looked after in the year to 31 March",
    ),
}
MEASURES: dict[str, str] = {"children_count": "_count", "rate_per_10000": "_rate_per_10k"}


def _indicators() -> pl.DataFrame:
    rows = []
    for stem, wording in POPULATIONS.values():
        rows.append(
            indicator(
                stem + "_count",
                f"Children {wording}",
                theme="children_in_care",
                unit="number",
                decimals=0,
                polarity="neutral",
                valid=NON_NEGATIVE,
                source_id=SOURCE_ID,
                definition=f"Number of children {wording}.",
            )
        )
        rows.append(
            indicator(
                stem + "_rate_per_10k",
                f"Children {wording} per 10,000 children",
                theme="children_in_care",
                unit="rate_per_10k",
                decimals=0,
                polarity="neutral",
                valid=(0.0, 10_000.0),
                source_id=SOURCE_ID,
                definition=f"Children {wording} per 10,000 children aged 0 to 17 (DfE rate, "
                "using the mid-year population estimate of the previous year).",
            )
        )
    return indicator_frame(rows)


def ingest(raw_dir: Path) -> Contribution:
    measures = ["population_type", *MEASURES]
    raw = read_raw_csv(raw_dir / FILE, [*EES_ID_COLUMNS, *measures])
    unknown = set(raw["population_type"].unique()) - set(POPULATIONS)
    if unknown:
        raise RawInputError(f"{FILE}: unexpected population_type values {sorted(unknown)}")
    stems = {k: v[0] for k, v in POPULATIONS.items()}
    long = raw.with_columns(geography_code()).unpivot(
        index=["time_period", "area_code", "population_type"],
        on=list(MEASURES),
        variable_name="measure",
        value_name="cell",
    )
    long = long.with_columns(
        (
            pl.col("population_type").replace_strict(stems)
            + pl.col("measure").replace_strict(MEASURES)
        ).alias("indicator_id"),
        *split_value("cell"),
    )
    return Contribution(
        dated_observations(long, (3, 31), SOURCE_ID), _indicators(), ees_mentions(raw, SOURCE_ID)
    )
