"""Region tables: every council of a region on the headline indicators, with rank bands.

One wide row per council (the shape a spreadsheet user expects), then the region and England.
Members of a joint workforce return show the joint figure, marked "(joint)" and footnoted; the
joint return itself is not a separate row.
"""

from __future__ import annotations

import polars as pl
from great_tables import html

from cscbench.analysis import comparison as compare
from cscbench.core.domain import ENGLAND
from cscbench.publish import formatting as fmt
from cscbench.publish import navigation
from cscbench.publish.context import Context
from cscbench.publish.headline import (
    NO_HEADLINE,
    area_targets,
    figure_footnotes,
    ofsted_rows,
    ofsted_sources,
    rank_footnotes,
    subtitle_periods,
)
from cscbench.publish.headline_rows import KIND_ORDER

WIDE_VALUES = (
    "figure",
    "band_text",
    "status",
    "basis",
    "basis_code",
    "note",
    "value",
    "rank",
    "ranked_count",
    "band",
    "rank_note",
    "caveat",
)


def build(ctx: Context) -> list[fmt.Page]:
    """One page per region (:func:`navigation.region_stems` names their files)."""
    shown = ctx.latest.filter(pl.col("indicator_id").is_in(ctx.headline))["source_id"]
    sources = "|".join(sorted({*shown.drop_nulls().to_list(), *ofsted_sources(ctx)}))
    pages = []
    for code, stem in navigation.region_stems(ctx).items():
        name = ctx.names[code]
        table = region_table(ctx, code, name, stem)
        intro = (
            f"Every council in {name} on the headline indicators, with its band among all "
            "English councils; each council's name leads to its profile.",
        )
        meta = {"sources": sources}
        pages.append(fmt.Page(table.stem, name, "regions", (table,), intro, name, meta))
    return pages


def long_rows(ctx: Context, region: str, ids: tuple[str, ...]) -> pl.DataFrame:
    """Councils of the region (not joint-return rows), then the region and England: cut from
    :func:`every_region` (one pass for the nine regions; a region's rows do not depend on the
    others')."""
    memo_key = f"region rows {ids}"
    every = ctx.memo.get(memo_key)
    if not isinstance(every, pl.DataFrame):
        every = every_region(ctx, ids)
        ctx.memo[memo_key] = every
    is_council = pl.col("row_kind") == "council"
    return every.filter(
        pl.when(is_council)
        .then(pl.col("region_code") == region)
        .otherwise(pl.col("unit_code").is_in([region, ENGLAND]))
    )


def every_region(ctx: Context, ids: tuple[str, ...]) -> pl.DataFrame:
    """Every council (not joint-return rows), then every region and England, with the texts."""
    regions = list(navigation.region_stems(ctx))
    councils = ctx.latest.filter(
        pl.col("level") == "local_authority",
        pl.col("indicator_id").is_in(ids),
    ).with_columns(pl.lit("council").alias("row_kind"), pl.col("name").alias("area"))
    others = (
        ctx.comparator_rows([*regions, ENGLAND], ids)
        .with_columns(
            pl.when(pl.col("unit_code") == ENGLAND)
            .then(pl.lit("england"))
            .otherwise(pl.lit("region"))
            .alias("row_kind"),
            pl.col("unit_code").replace_strict(ctx.names).alias("area"),
        )
        .join(ctx.meta, on="indicator_id", maintain_order="left")
    )
    frame = pl.concat([councils, others], how="diagonal_relaxed")
    is_council = pl.col("row_kind") == "council"
    return frame.with_columns(
        fmt.figure_text("value", "status", "unit", "decimals").alias("figure"),
        fmt.band_text(is_council, unranked="not ranked").alias("band_text"),
        pl.col("row_kind").replace_strict(KIND_ORDER).alias("_kind"),
    )


def wide(frame: pl.DataFrame, ids: tuple[str, ...]) -> pl.DataFrame:
    """One row per area; for each indicator ``<value>__<id>`` columns (one pivot), sorted."""
    index = ["unit_code", "area", "row_kind", "_kind"]
    return frame.pivot(
        on="indicator_id",
        on_columns=list(ids),
        index=index,
        values=list(WIDE_VALUES),
        separator="__",
    ).sort("_kind", "area", "unit_code")


def region_table(ctx: Context, region: str, name: str, stem: str) -> fmt.Table:
    ids = ctx.headline
    ranked = set(
        ctx.indicators.filter(pl.col("polarity") != compare.NEUTRAL)["indicator_id"].to_list()
    )
    # figures are shown from the exact values; the CSV's numbers are at the indicator's decimals
    long = long_rows(ctx, region, ids).with_columns(
        fmt.rounded(pl.col("value"), pl.col("decimals"))
    )
    table = wide(long, ids)
    councils = table.filter(pl.col("row_kind") == "council")["unit_code"].to_list()
    ofsted = ofsted_rows(ctx, councils).select(
        "unit_code", pl.col("figure").alias("ofsted"), "ofsted_note"
    )
    table = (
        table.join(ofsted, on="unit_code", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("row_kind") == "council")
            .then(pl.col("ofsted"))
            .otherwise(pl.lit(fmt.DASH))
            .alias("ofsted")
        )
        .sort("_kind", "area", "unit_code")
    )
    title = f"{name}: every council on the headline indicators"
    subtitle = (
        f"Latest official figures ({subtitle_periods(long)}), with each council's band among all "
        "English councils (A = best quarter, D = worst), then the region and England."
    )
    shown_cols = ["area"]
    for i in ids:
        shown_cols.append(f"figure__{i}")
        if i in ranked:
            shown_cols.append(f"band_text__{i}")
    shown = table.select(*shown_cols, "ofsted")
    gt = fmt.base_gt(shown, stem.replace("/", "-"), title, subtitle, rowname_col="area")
    labels = {}
    for i in ids:
        cols = [f"figure__{i}"] + ([f"band_text__{i}"] if i in ranked else [])
        target = "../" + navigation.definition(i).replace("#", ".html#")
        label = fmt.anchor(target, ctx.short_labels.get(i, i))
        gt = gt.tab_spanner(html(label), columns=cols, id=f"sp-{i}")
        labels[f"figure__{i}"] = "Figure"
        if i in ranked:
            labels[f"band_text__{i}"] = "Band"
    gt = (
        gt.cols_label(ofsted="Ofsted (latest)", **labels)
        .cols_align("right", columns=[f"figure__{i}" for i in ids])
        .cols_align("center", columns=[f"band_text__{i}" for i in ids if i in ranked])
    )
    for i in ids:
        if i in ranked:
            gt = fmt.style_letters(gt, shown, f"band_text__{i}", fmt.BAND_COLOURS)
        per = table.select(
            pl.col(f"{value}__{i}").alias(value)
            for value in ("figure", "status", "basis", "basis_code", "note", "rank", "caveat")
        )
        gt = figure_footnotes(gt, per, ctx.labels, column=f"figure__{i}")
        if i in ranked:
            gt = rank_footnotes(gt, per, (f"band_text__{i}",))
    gt = fmt.style_letters(gt, shown, "ofsted", fmt.GRADE_COLOURS)
    gt = fmt.link_cells(gt, "area", area_targets(ctx))
    gt = fmt.footnote_cells(gt, table, "ofsted", pl.col("ofsted_note"))
    notes = [fmt.BAND_NOTE, fmt.NA_NOTE]
    if not ids:
        notes.append(NO_HEADLINE)
    source_ids = [*long["source_id"].drop_nulls().to_list(), *ofsted_sources(ctx)]
    notes.append(fmt.source_line(ctx.sources, source_ids))
    gt = fmt.add_notes(gt, notes)
    return fmt.Table(stem, title, subtitle, gt, csv_frame(table, ids), sheet=name[:31])


def csv_frame(table: pl.DataFrame, ids: tuple[str, ...]) -> pl.DataFrame:
    """Wide, numbers raw: for each indicator its value, status, rank, ranked count, band, basis."""
    columns = [pl.col("unit_code").alias("area_code"), "area", "row_kind"]
    for i in ids:
        columns += [
            pl.col(f"value__{i}").alias(i),
            pl.col(f"status__{i}").alias(f"{i}_status"),
            pl.col(f"rank__{i}").alias(f"{i}_rank"),
            pl.col(f"ranked_count__{i}").alias(f"{i}_ranked_count"),
            pl.col(f"band__{i}").alias(f"{i}_band"),
            pl.col(f"rank_note__{i}").alias(f"{i}_rank_note"),
            pl.col(f"basis__{i}").alias(f"{i}_basis"),
            pl.col(f"caveat__{i}").alias(f"{i}_caveat"),
        ]
    columns.append(pl.col("ofsted").alias("ofsted_latest"))
    return table.select(columns)
