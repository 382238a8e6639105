"""ONS mid-year child population (0-17), as reshaped by DfE, 2012-2024."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cscbench.ingest.common import (
    Contribution,
    ees_mentions,
    geography_code,
    melt_published,
    read_ees_csv,
    sorted_observations,
    year_end,
)
from cscbench.ingest.indicators import NON_NEGATIVE, indicator, indicator_frame

SOURCE_ID = "ons_population_0_17_2024"
FILE = "dfe/ons_mid-year_population_estimates_2012_to_2024.csv"
INDICATOR_ID = "population_0_17"


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
            "age_group",
            "population_estimate",
        ],
    )
    long = melt_published(
        raw.with_columns(geography_code()),
        ["time_period", "area_code"],
        {"population_estimate": INDICATOR_ID},
    )
    observations = long.with_columns(
        pl.col("time_period").alias("period"),
        year_end(pl.col("time_period"), 6, 30).alias("period_end"),
        pl.lit(SOURCE_ID).alias("source_id"),
    )
    indicators = indicator_frame(
        [
            indicator(
                INDICATOR_ID,
                "Children aged 0 to 17 (mid-year estimate)",
                theme="population",
                unit="number",
                decimals=0,
                polarity="neutral",
                valid=NON_NEGATIVE,
                source_id=SOURCE_ID,
                definition="ONS mid-year population estimate of children aged 0 to 17 at 30 June.",
            )
        ]
    )
    return Contribution(sorted_observations(observations), indicators, ees_mentions(raw, SOURCE_ID))
