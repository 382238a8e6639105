"""DfE children looked after: numbers and rates per 10,000 children, 2021-2025."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cscbench.ingest.common import (
    Contribution,
    ees_mentions,
    geography_code,
    read_ees_csv,
    sorted_observations,
    split_value,
    year_end,
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
    raw = read_ees_csv(
        raw_dir / FILE,
        [
            "time_period",
            "geographic_level",
            "country_code",
            "region_code",
            "new_la_code",
            "la_name",
            "population_type",
            "children_count",
            "rate_per_10000",
        ],
    )
    unknown = set(raw["population_type"].unique()) - set(POPULATIONS)
    if unknown:
        raise ValueError(f"{FILE}: unexpected population_type values {sorted(unknown)}")
    stems = {k: v[0] for k, v in POPULATIONS.items()}
    long = raw.with_columns(geography_code()).unpivot(
        index=["time_period", "area_code", "population_type"],
        on=list(MEASURES),
        variable_name="measure",
        value_name="cell",
    )
    observations = long.with_columns(
        (
            pl.col("population_type").replace_strict(stems)
            + pl.col("measure").replace_strict(MEASURES)
        ).alias("indicator_id"),
        *split_value("cell"),
        pl.col("time_period").alias("period"),
        year_end(pl.col("time_period"), 3, 31).alias("period_end"),
        pl.lit(SOURCE_ID).alias("source_id"),
    )
    return Contribution(
        sorted_observations(observations), _indicators(), ees_mentions(raw, SOURCE_ID)
    )
