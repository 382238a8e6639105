"""Shared shapes and helpers for the per-publisher ingest modules.

Every observation reader returns a :class:`Contribution`: long observations and the areas it
mentions (code, name, level) so that ``areas`` can be built from what the inputs actually contain.
The resources' columns and dtypes come from their Table Schemas (:func:`resource_columns`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cscbench.core.paths import ROOT
from cscbench.ingest.write import SCHEMA_DIR
from cscbench.package.schema import ingest_dtypes, load_table_schema


def resource_columns(resource: str) -> dict[str, pl.DataType]:
    """A resource's columns and ingest dtypes, read from its Table Schema (the one definition)."""
    return ingest_dtypes(load_table_schema(ROOT / SCHEMA_DIR / f"{resource}.schema.json"))


OBSERVATION_COLUMNS = resource_columns("observations")
INDICATOR_COLUMNS = resource_columns("indicators")

MENTION_COLUMNS: dict[str, pl.DataType] = {
    "area_code": pl.String(),
    "old_la_code": pl.String(),
    "name": pl.String(),
    "level": pl.String(),
    "region_code": pl.String(),
    "source_id": pl.String(),
}


@dataclass(frozen=True)
class Contribution:
    """What one raw file adds to the package (its indicators are declared in the registry)."""

    observations: pl.DataFrame = field(default_factory=lambda: empty(OBSERVATION_COLUMNS))
    mentions: pl.DataFrame = field(default_factory=lambda: empty(MENTION_COLUMNS))


def empty(columns: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=columns)


def conform(df: pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """Select and cast to the shared shape, adding missing optional columns as nulls."""
    return df.select(
        [
            (pl.col(name) if name in df.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in columns.items()
        ]
    )


class RawInputError(ValueError):
    """A raw publisher file does not look the way the ingest expects."""


def read_raw_csv(path: Path, required: list[str]) -> pl.DataFrame:
    """Read an explore-education-statistics CSV as text, dropping any UTF-8 BOM.

    Everything stays a string so that suppression symbols survive; columns are checked up front so a
    moved or renamed header fails here rather than producing a wrong column later.
    """
    if not path.exists():
        raise RawInputError(f"{path}: raw file not found")
    df = pl.read_csv(path, infer_schema=False, encoding="utf8")
    df = df.rename({c: c.lstrip("\ufeff").strip() for c in df.columns})
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise RawInputError(
            f"{path.name}: expected column(s) {missing} not found in header {df.columns}; "
            "the publisher layout may have changed"
        )
    return df


def split_value(col: str) -> list[pl.Expr]:
    """Turn a published cell into (value, status): numbers parse, symbols go to status."""
    text = pl.col(col).str.strip_chars()
    number = text.str.replace_all(",", "").cast(pl.Float64, strict=False)
    return [
        number.alias("value"),
        pl.when(number.is_null() & text.is_not_null() & (text != ""))
        .then(text)
        .otherwise(None)
        .alias("status"),
    ]


def melt_published(
    df: pl.DataFrame,
    id_columns: list[str],
    value_columns: dict[str, str],
) -> pl.DataFrame:
    """Wide publisher columns -> long (indicator_id, value, status).

    ``value_columns`` maps the published column to the indicator id. Missing cells (empty text) are
    kept with empty value and empty status only if the publisher left them blank.
    """
    long = df.select([*id_columns, *value_columns]).unpivot(
        index=id_columns, on=list(value_columns), variable_name="_column", value_name="_cell"
    )
    return long.with_columns(
        pl.col("_column").replace_strict(value_columns).alias("indicator_id"),
        *split_value("_cell"),
    ).drop("_column", "_cell")


def geography_code() -> pl.Expr:
    """The GSS code a DfE EES row is published under, by geographic level."""
    level = pl.col("geographic_level")
    return (
        pl.when(level == "National")
        .then(pl.col("country_code"))
        .when(level == "Regional")
        .then(pl.col("region_code"))
        .otherwise(pl.col("new_la_code"))
        .alias("area_code")
    )


def ees_mentions(df: pl.DataFrame, source_id: str) -> pl.DataFrame:
    """Every geography a DfE EES file names, as area mentions."""
    level = pl.col("geographic_level")
    # latest year first, so the name a council uses now is the first one met
    return conform(
        df.sort("time_period", descending=True, maintain_order=True)
        .select(
            geography_code(),
            pl.when(level == "Local authority").then(pl.col("old_la_code")).alias("old_la_code"),
            pl.when(level == "National")
            .then(pl.col("country_name"))
            .when(level == "Regional")
            .then(pl.col("region_name"))
            .otherwise(pl.col("la_name"))
            .alias("name"),
            pl.when(level == "National")
            .then(pl.lit("national"))
            .when(level == "Regional")
            .then(
                pl.when(pl.col("region_code").str.starts_with("E13"))
                .then(pl.lit("sub_regional"))
                .otherwise(pl.lit("regional"))
            )
            .when(pl.col("new_la_code").str.contains("/"))
            .then(pl.lit("joint_return"))
            .otherwise(pl.lit("local_authority"))
            .alias("level"),
            pl.when(level == "Local authority").then(pl.col("region_code")).alias("region_code"),
            pl.lit(source_id).alias("source_id"),
        )
        .unique(maintain_order=True),
        MENTION_COLUMNS,
    )


EES_ID_COLUMNS = ["time_period", "geographic_level", "country_code", "region_code", "region_name"]
EES_ID_COLUMNS += ["new_la_code", "old_la_code", "la_name"]


def dated_observations(
    long: pl.DataFrame,
    snapshot: tuple[int, int],
    source_id: str,
    note: pl.Expr | None = None,
) -> pl.DataFrame:
    """Long (time_period, area_code, indicator_id, value, status) rows dated by their snapshot.

    ``snapshot`` is the (month, day) the publisher's reporting year ends on (30 September for the
    workforce census, 31 March for children in care and in need, 30 June for population).
    """
    return sorted_observations(
        long.with_columns(
            pl.col("time_period").alias("period"),
            year_end(pl.col("time_period"), *snapshot).alias("period_end"),
            pl.lit(source_id).alias("source_id"),
            (note if note is not None else pl.lit(None, pl.String)).alias("note"),
        )
    )


def year_end(period: pl.Expr, month: int, day: int) -> pl.Expr:
    """ISO snapshot date for a published reporting year (e.g. 31 March of that year)."""
    return pl.date(period.cast(pl.Int32), month, day)


def sorted_observations(df: pl.DataFrame) -> pl.DataFrame:
    return conform(df, OBSERVATION_COLUMNS).sort("indicator_id", "area_code", "period")
