"""The profiles in the XLSX workbook: two wide sheets, one column per council.

One sheet per profile would be 153 sheets, too many to find one's way in (Excel's sheet tabs are
no index) and slow to write. A council's profile is instead its column: the "profiles" sheet holds
every indicator's latest figure (rows) for England, the 9 regions and every current council
(columns), so a partnership compares its councils by keeping their columns; "profile ranks" holds
each council's rank and band in the same layout. A long sheet (one row per council and indicator,
the profile CSVs' shape) would be 26,000 rows and take seconds to write; the CSVs are there for it.

Cells say what the pages say: a figure at the indicator's decimals, a publisher's symbol where no
figure is published, and a flagged figure with its caveat as the cell's comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from cscbench.core.domain import ENGLAND
from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context

VALUES_SHEET = "profiles"
RANKS_SHEET = "profile ranks"
ROW_COLUMNS = ("theme", "indicator_id", "indicator", "unit", "polarity", "period", "period_end")
CELL = {"row": pl.Int64, "col": pl.Int64, "text": pl.String}


@dataclass(frozen=True)
class Sheet:
    """A sheet written from a frame (numbers stay numbers), then ``texts`` written over cells
    (symbols where a number column has no figure) and ``comments`` added to cells; both hold
    (row, col, text) with row 0 the first data row."""

    name: str
    frame: pl.DataFrame
    texts: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CELL))
    comments: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CELL))
    frozen_columns: int = len(ROW_COLUMNS)


def columns(ctx: Context) -> pl.DataFrame:
    """The sheets' area columns in order: England, the regions, then the current councils by name,
    each headed by its name (unique: two councils of one name get -2)."""
    areas = ctx.areas.with_columns(pl.col(pl.Enum).cast(pl.String))
    regions = areas.filter(pl.col("level") == "regional").sort("name", "area_code")
    councils = ctx.latest.filter(pl.col("level") == "local_authority").select(
        pl.col("unit_code").alias("area_code"), "name"
    )
    councils = councils.unique("area_code").sort("name", "area_code")
    order = pl.concat(
        [
            areas.filter(pl.col("area_code") == ENGLAND).select("area_code", "name"),
            regions.select("area_code", "name"),
            councils,
        ]
    )
    headers = pl.Series("header", fmt.distinct(order["name"].to_list()), dtype=pl.String)
    return numbered(order.with_columns(headers))


def numbered(area_columns: pl.DataFrame) -> pl.DataFrame:
    """The sheet column (``col``, 0-based, after the row columns) of each area, in order."""
    return area_columns.drop("col", strict=False).with_row_index("col", offset=len(ROW_COLUMNS))


def cells(ctx: Context, area_columns: pl.DataFrame) -> pl.DataFrame:
    """Every (indicator, area) at the indicator's latest period: councils from the comparison
    grid (with rank and caveat), England and regions as published (with their caveats)."""
    councils = ctx.latest.filter(pl.col("level") == "local_authority").select(
        pl.col("unit_code").alias("area_code"),
        "indicator_id",
        "value",
        "status",
        "caveat",
        "rank",
        "ranked_count",
        "band",
        "basis",
        "indicator_polarity",
    )
    ids = tuple(ctx.indicators["indicator_id"].cast(pl.String).to_list())
    others = area_columns.filter(~pl.col("area_code").is_in(councils["area_code"].implode()))
    comparators = ctx.comparator_rows(others["area_code"].to_list(), ids).select(
        pl.col("unit_code").alias("area_code"), "indicator_id", "value", "status", "caveat"
    )
    return pl.concat([councils, comparators], how="diagonal_relaxed")


def rows(ctx: Context) -> pl.DataFrame:
    """One row per indicator at its latest period, by theme then label, numbered from 0."""
    meta = ctx.meta.select(
        "indicator_id",
        "theme",
        pl.col("label").alias("indicator"),
        "unit",
        "decimals",
        pl.col("indicator_polarity").alias("polarity"),
    )
    latest = ctx.latest.select("indicator_id", "period", "period_end").unique("indicator_id")
    return (
        meta.join(latest, on="indicator_id")
        .sort("theme", "indicator", "indicator_id")
        .with_row_index("row")
    )


def wide(
    grid: pl.DataFrame, index: pl.DataFrame, area_columns: pl.DataFrame, value: str
) -> pl.DataFrame:
    """``value`` of every cell, one column per area (headed by its name), in the given order."""
    spread = grid.join(area_columns.select("area_code", "header"), on="area_code").pivot(
        on="header",
        on_columns=area_columns["header"].to_list(),
        index="indicator_id",
        values=value,
    )
    return index.join(spread, on="indicator_id", how="left", maintain_order="left").select(
        *ROW_COLUMNS, *area_columns["header"].to_list()
    )


def positioned(
    grid: pl.DataFrame, index: pl.DataFrame, area_columns: pl.DataFrame, text: pl.Expr
) -> pl.DataFrame:
    """(row, col, text) of every cell where ``text`` is not null."""
    return (
        grid.join(index.select("indicator_id", "row"), on="indicator_id")
        .join(area_columns.select("area_code", "col"), on="area_code")
        .select("row", "col", text.alias("text"))
        .filter(pl.col("text").is_not_null())
        .sort("row", "col")
        .cast(CELL)
    )


def profile_sheets(ctx: Context) -> list[Sheet]:
    """The "profiles" (figures) and "profile ranks" sheets."""
    area_columns = columns(ctx)
    index = rows(ctx)
    grid = cells(ctx, area_columns).join(
        index.select("indicator_id", "decimals", "unit"), on="indicator_id"
    )
    grid = grid.with_columns(fmt.rounded(pl.col("value"), pl.col("decimals")).alias("figure"))
    symbols = pl.when(pl.col("value").is_null()).then(pl.col("status"))
    caveats = fmt.flag_note()
    values = Sheet(
        VALUES_SHEET,
        wide(grid, index, area_columns, "figure"),
        positioned(grid, index, area_columns, symbols),
        positioned(grid, index, area_columns, caveats),
    )
    councils = grid.filter(pl.col("indicator_polarity").is_not_null())
    council_columns = numbered(
        area_columns.filter(pl.col("area_code").is_in(councils["area_code"].implode()))
    )
    ranked = councils.with_columns(
        pl.when(pl.col("indicator_polarity") != "neutral")
        .then(fmt.rank_text() + pl.coalesce(", band " + pl.col("band"), pl.lit("")))
        .alias("rank_shown")
    )
    ranks = Sheet(
        RANKS_SHEET,
        wide(ranked, index, council_columns, "rank_shown"),
        comments=positioned(ranked, index, council_columns, caveats),
    )
    return [values, ranks]
