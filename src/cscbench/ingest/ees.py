"""DfE explore-education-statistics (EES) CSV files: one reader for every wide or long EES file.

Which figures a file holds is declared in the indicator registry: each indicator names the published
column its value is in and, for a long file (one row per breakdown), the ``where`` values that pick
its rows. So the workforce, children looked after, children in need, care leaver and population files
all go through here, and a new indicator or a new year is a registry edit. Suppression symbols are kept
as published in ``status``.
"""

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
from cscbench.ingest.registry import Indicator, Source

GEOGRAPHIES = ("National", "Regional", "Local authority")


def _rows(where: tuple[tuple[str, str], ...]) -> pl.Expr:
    return pl.all_horizontal([pl.col(k) == v for k, v in where]) if where else pl.lit(True)


def _check_file(raw: pl.DataFrame, path: Path, indicators: tuple[Indicator, ...]) -> None:
    """Fail on a geography the reader does not know, or a declared breakdown the file lacks."""
    levels = set(raw["geographic_level"].unique().drop_nulls().to_list()) - set(GEOGRAPHIES)
    if levels:
        raise RawInputError(
            f"{path.name}: column geographic_level has {sorted(levels)}; expected only "
            f"{list(GEOGRAPHIES)}"
        )
    for indicator in indicators:
        for column, value in indicator.where:
            if not (raw[column] == value).any():
                found = raw[column].unique().sort().to_list()[:12]
                raise RawInputError(
                    f"{path.name}: column {column} has no row {value!r} for indicator "
                    f"{indicator.indicator_id} (values: {found}); the publisher may have renamed "
                    "a breakdown: update `where` in registry/indicators.toml"
                )


def _long(raw: pl.DataFrame, indicator: Indicator) -> pl.DataFrame:
    """(time_period, area_code, indicator_id, value, status) rows of one indicator."""
    return raw.filter(_rows(indicator.where)).select(
        "time_period",
        "area_code",
        pl.lit(indicator.indicator_id).alias("indicator_id"),
        *split_value(str(indicator.column)),
    )


def _check_unique(long: pl.DataFrame, path: Path) -> None:
    repeated = long.filter(pl.struct("indicator_id", "area_code", "time_period").is_duplicated())
    if repeated.height:
        rows = repeated.select("indicator_id", "area_code", "time_period").unique().head(5)
        raise RawInputError(
            f"{path.name}: more than one row per area and year for {rows.to_dicts()}; the "
            "indicator's `where` in registry/indicators.toml must pick exactly one row"
        )


def read(path: Path, source: Source, indicators: tuple[Indicator, ...]) -> Contribution:
    """Every declared figure of one EES file, its areas, dated by the source's snapshot day."""
    needed = {str(i.column) for i in indicators} | {k for i in indicators for k, _ in i.where}
    raw = read_raw_csv(path, [*EES_ID_COLUMNS, *sorted(needed)]).with_columns(geography_code())
    _check_file(raw, path, indicators)
    long = pl.concat([_long(raw, i) for i in indicators])
    _check_unique(long, path)
    return Contribution(
        observations=dated_observations(long, source.snapshot_day, source.source_id),
        mentions=ees_mentions(raw, source.source_id),
    )
