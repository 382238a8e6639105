"""The rows of a headline table: each council's figure per indicator with its comparators (region,
England, statistical neighbours), the block labels, and the Ofsted row of each council's latest
inspection.
"""

from __future__ import annotations

import polars as pl

from cscbench.analysis import comparison as compare
from cscbench.core.domain import ENGLAND
from cscbench.publish import formatting as fmt
from cscbench.publish.change import change_cell_text
from cscbench.publish.context import TREND_SINCE, Context

POST_2026_TEXT = fmt.GRADE_STATUS_LABELS[compare.POST_2026]
KIND_ORDER = {"council": 0, "region": 1, "england": 2}


def council_rows(ctx: Context, codes: list[str], ids: tuple[str, ...]) -> pl.DataFrame:
    rows = ctx.latest.filter(pl.col("unit_code").is_in(codes), pl.col("indicator_id").is_in(ids))
    order = pl.DataFrame({"unit_code": codes, "_pos": list(range(len(codes)))})
    return rows.join(order, on="unit_code", maintain_order="left").with_columns(
        pl.lit("council").alias("row_kind")
    )


def comparators(ctx: Context, councils: pl.DataFrame, ids: tuple[str, ...]) -> pl.DataFrame:
    """The councils' regions (first-seen order) and England, at the same latest periods."""
    regions = councils.sort("_pos")["region_code"].unique(maintain_order=True).to_list()
    codes = [*regions, ENGLAND]
    rows = ctx.comparator_rows(codes, ids)
    kinds = pl.DataFrame(
        {
            "unit_code": codes,
            "_pos": list(range(len(codes))),
            "row_kind": ["region"] * len(regions) + ["england"],
        }
    )
    return rows.join(kinds, on="unit_code", maintain_order="left")


def indicator_rows(ctx: Context, codes: list[str], ids: tuple[str, ...]) -> pl.DataFrame:
    """Councils then comparators, one block per indicator, with trend lists and metadata."""
    councils = council_rows(ctx, codes, ids)
    others = comparators(ctx, councils, ids)
    meta_columns = [c for c in ctx.meta.columns if c != "indicator_id"]
    frame = pl.concat([councils.drop("name", *meta_columns), others], how="diagonal_relaxed")
    trend_codes = frame["unit_code"].unique().sort().to_list()
    trends = ctx.trends(trend_codes, ids, TREND_SINCE)
    order = pl.DataFrame({"indicator_id": list(ids), "_block": list(range(len(ids)))})
    return (
        frame.join(ctx.area_names, on="unit_code", how="left")
        .join(ctx.meta, on="indicator_id", how="left")
        .join(trends, on=["unit_code", "indicator_id"], how="left")
        .join(order, on="indicator_id")
        .with_columns(pl.col("row_kind").replace_strict(KIND_ORDER).alias("_kind"))
        .sort("_block", "_kind", "_pos")
    )


def subset(rows: pl.DataFrame, ids: tuple[str, ...]) -> pl.DataFrame:
    """:func:`indicator_rows` (or its :func:`display_columns`) of some indicators, cut from those
    of more indicators for the same councils: each indicator's rows do not depend on the others,
    and one call for every theme's indicators costs what one call for a theme does (the display
    expressions' planning, not the rows, is the cost)."""
    order = {indicator: block for block, indicator in enumerate(ids)}
    return (
        rows.filter(pl.col("indicator_id").is_in(ids))
        .with_columns(
            pl.col("indicator_id").replace_strict(order, return_dtype=pl.Int64).alias("_block")
        )
        .sort("_block", "_kind", "_pos")
    )


def block_label(frame: pl.DataFrame) -> pl.Expr:
    """ "Average caseload ... · 30 Sep 2025 · lower is better" (the periods held are on the
    charts' axes and in the CSV's trend column; "one period only" where there is no trend)."""
    span = pl.when(pl.col("trend_periods").list.len() < 2).then(pl.lit(" · one period only"))
    polarity = pl.col("indicator_polarity").replace_strict(fmt.POLARITY_LABELS, default="")
    label = fmt.display_label(pl.col("label"), pl.col("unit"))
    return (
        label
        + " · "
        + fmt.period_text(pl.col("period"), pl.col("period_end"))
        + " · "
        + polarity
        + pl.coalesce(span, pl.lit(""))
    )


def display_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Text for every cell; numbers keep the indicator's unit and decimals."""
    is_council = pl.col("row_kind") == "council"
    return frame.with_columns(
        block_label(frame).alias("block"),
        fmt.figure_text("value", "status", "unit", "decimals").alias("figure"),
        *fmt.comparison_texts(is_council),
        pl.when(is_council)
        .then(change_cell_text())
        .otherwise(pl.lit(fmt.DASH))
        .alias("change_cell"),
        pl.when(pl.col("trend_values").list.drop_nulls().list.len() >= 2)
        .then(pl.col("trend_values"))
        .alias("trend"),
    )


def ofsted_rows(ctx: Context, codes: list[str]) -> pl.DataFrame:
    """One row per council: latest overall grade and month, or why there is none."""
    names = ctx.names
    base = pl.DataFrame(
        {"unit_code": codes, "area": [names[c] for c in codes], "_pos": list(range(len(codes)))}
    )
    if not ctx.has("inspections"):
        return base.with_columns(
            pl.lit(fmt.NOT_IN_PACKAGE).alias("figure"),
            pl.lit(None, pl.String).alias("ofsted_note"),
            pl.lit(None, pl.String).alias("source_id"),
            pl.lit(None, pl.String).alias("subjudgements"),
        )
    subs = (
        pl.col("judgements")
        .list.eval(
            fmt.judgement_text(pl.element().struct.field("judgement"))
            + ": "
            + fmt.grade_text(
                pl.element().struct.field("grade"), pl.element().struct.field("grade_status")
            )
        )
        .list.join("; ")
    )
    month = fmt.month_text(pl.col("publication_date"))
    post = pl.col("grade_status") == compare.POST_2026
    joined = base.join(ctx.latest_inspections, on="unit_code", how="left", maintain_order="left")
    return joined.with_columns(
        pl.when(pl.col("publication_date").is_null())
        .then(pl.lit("no inspection on record"))
        .when(post)
        .then(pl.lit(POST_2026_TEXT + ", ") + month)
        .when(pl.col("grade").is_not_null())
        .then(pl.col("grade") + ", " + month)
        .otherwise(fmt.grade_text(pl.lit(None, pl.String), pl.col("grade_status")) + ", " + month)
        .alias("figure"),
        pl.when(post)
        .then(
            pl.col("area")
            + ", "
            + pl.col("inspection_type")
            + " inspection published "
            + fmt.date_text(pl.col("publication_date"))
            + ": Ofsted gives no overall effectiveness grade for fieldwork from 1 April 2026. "
            + "Sub-judgements: "
            + subs
            + "."
        )
        .alias("ofsted_note"),
        pl.when(post).then(subs).alias("subjudgements"),
    )
