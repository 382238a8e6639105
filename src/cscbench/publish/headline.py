"""The headline table: a few councils side by side on the key indicators, with comparators.

One layout serves Leeds vs Wakefield and every comparison group: one block per indicator, one row
per council, then its region(s) and England, so it stays readable for 2 or 12 councils.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace

import polars as pl
from great_tables import GT

from cscbench.analysis import comparison as compare
from cscbench.publish import charts, navigation, themes
from cscbench.publish import formatting as fmt
from cscbench.publish.change import change_cell
from cscbench.publish.context import Context
from cscbench.publish.headline_rows import display_columns, indicator_rows, ofsted_rows, subset

NO_PAIR = "Headline comparison"  # the title when no groups file names a [[pair]]
NO_HEADLINE = "This package version names no headline indicators (indicators.headline_order)."
OFSTED_ID = "ofsted_overall_effectiveness"
OFSTED_LABEL = "Ofsted: latest inspection, overall effectiveness (month published)"
CHANGE_NOTE = (
    "Change: the council's figure minus its figure for the previous published period, marked "
    "better or worse by the indicator's polarity (no marker for neutral indicators or flagged "
    "figures)."
)
ROUNDED = ("value", "sn_mean", "sn_median", "change")  # CSV numbers at the indicator's decimals

CSV_COLUMNS = [
    "block",
    "indicator_id",
    "indicator",
    "unit",
    "polarity",
    "area_code",
    "area",
    "row_kind",
    "period",
    "period_end",
    "value",
    "status",
    "figure",
    "rank_text",
    "band_text",
    "basis",
    "basis_code",
    "rank",
    "ranked_count",
    "band",
    "rank_note",
    "sn_mean",
    "sn_median",
    "sn_count",
    "sn_total",
    "sn_merged",
    "sn_excluded",
    "sn_flagged",
    "previous_period",
    "change",
    "change_direction",
    "trend",
    "source_id",
    "note",
    "flagged",
    "caveat",
]


def headline_codes(ctx: Context) -> tuple[str, ...]:
    """The headline pair's codes: the first ``[[pair]]`` of the groups files (Leeds and Wakefield
    in ``config/groups.toml``); none when no file names a pair."""
    pair = ctx.groups.headline
    return pair.codes if pair is not None else ()


def headline_gap(ctx: Context) -> str | None:
    """Why there is no headline comparison (None when there is one).

    A partnership may publish with its own groups file only (``--groups-replace``) and name no
    pair: the headline pages then say so, and every other page is published.
    """
    if headline_codes(ctx):
        return None
    return (
        "Not published: the groups files name no [[pair]] for the headline comparison; the "
        "comparison groups, regions and council profiles cover the councils this package has."
    )


def headline_title(ctx: Context, joint: str) -> str:
    """The pair's names from the package."""
    codes = headline_codes(ctx)
    return joint.join(ctx.names[c] for c in codes) if codes else NO_PAIR


def planned_charts(ctx: Context) -> dict[str, fmt.Chart]:
    """The page's charts, worked out before the page (so they render meanwhile); none when the
    package lacks the pair."""
    if headline_gap(ctx) is not None:
        return {}
    stem = "headline/" + fmt.slug(headline_title(ctx, " vs "))
    return charts.pair_charts(ctx, list(headline_codes(ctx)), stem, headline_title(ctx, " and "))


def history_stem(ctx: Context) -> str:
    """Where the pair's Ofsted history page is (built by :mod:`history`)."""
    return "ofsted/" + fmt.slug(headline_title(ctx, " and ")) + "-history"


def build(ctx: Context) -> list[fmt.Page]:
    title = headline_title(ctx, " vs ")
    stem = "headline/" + fmt.slug(title)
    gap = headline_gap(ctx)
    if gap is not None:
        return [fmt.Page(stem, title, "headline", (), (gap,))]
    codes = list(headline_codes(ctx))
    key = themes.key_indicators(ctx.indicators)
    every = (*ctx.headline, *(i for i in key["indicator_id"] if i not in ctx.headline))
    shared = display_columns(indicator_rows(ctx, codes, every))  # once for every table here
    table = comparison_table(
        ctx,
        codes,
        stem=stem,
        title=f"{title}: children's social care at a glance",
        sheet="headline",
        rows=subset(shared, ctx.headline),
    )
    intro = (
        "The latest official figures for each council beside its region, England and the mean "
        "and median of its 10 DfE statistical neighbours, with its rank among all councils and "
        "its quartile band; then each theme's indicators, with their trends over every period the "
        "package holds.",
    )
    themed = themed_sections(ctx, codes, stem, headline_title(ctx, " and "), shared)
    export = fmt.Table(
        f"{stem}-by-theme",
        f"{title}: every theme's key indicators",
        "The figures of the themed sections, one row per council, region and England.",
        None,
        pl.concat([t.data for s in themed for t in s.parts if isinstance(t, fmt.Table)]),
    )
    glance = fmt.Section("at-a-glance", "At a glance", (table,))
    history = f"../{history_stem(ctx)}.html"
    ofsted = fmt.Section(
        "ofsted",
        "Ofsted inspections",
        (
            fmt.Html(
                "<p>Each council's latest overall judgement is in the table at a glance above; "
                f'every inspection since 2009 is on <a href="{history}">the Ofsted history '
                "page</a>.</p>"
            ),
        ),
    )
    sections = (glance, *themed, ofsted)
    blocks = (contents(sections),)
    return [
        fmt.Page(stem, title, "headline", (table, export), intro, sections=sections, blocks=blocks)
    ]


def themed_sections(
    ctx: Context, codes: list[str], stem: str, pair: str, shared: pl.DataFrame | None = None
) -> list[fmt.Section]:
    """One section per theme with its key indicators (``indicators.short_label`` or
    ``headline_order``): the trend chart, then the latest figures in the headline layout
    (``shared``: the rows of every key indicator for ``codes``, :func:`display_columns`)."""
    key = themes.key_indicators(ctx.indicators)
    drawn = charts.pair_charts(ctx, codes, stem, pair)
    sections = []
    for theme in key["theme"].unique(maintain_order=True).to_list():
        ids = tuple(key.filter(pl.col("theme") == theme)["indicator_id"].to_list())
        table = comparison_table(
            ctx,
            codes,
            stem=f"{stem}-{themes.anchor(theme)}",
            title=f"{themes.label(theme)}: {pair}",
            sheet=None,
            png=False,
            ids=ids,
            ofsted=False,
            rows=None if shared is None else subset(shared, ids),
        )
        shown = replace(table, download=f"{stem}-by-theme")
        parts = (drawn[theme], shown) if theme in drawn else (shown,)
        sections.append(fmt.Section(themes.anchor(theme), themes.label(theme), parts))
    return sections


def contents(sections: Sequence[fmt.Section]) -> fmt.Html:
    """ "On this page": a link to each section."""
    items = "".join(f'<li><a href="#{s.id}">{html.escape(s.heading)}</a></li>' for s in sections)
    return fmt.Html(f'<nav class="toc" aria-label="On this page"><ul>{items}</ul></nav>')


# ---------------------------------------------------------------------------- the table


def comparison_table(
    ctx: Context,
    codes: list[str],
    stem: str,
    title: str,
    sheet: str | None,
    png: bool = True,
    ids: tuple[str, ...] | None = None,
    ofsted: bool = True,
    rows: pl.DataFrame | None = None,
) -> fmt.Table:
    """The headline layout for any list of councils (current codes): the headline indicators
    (or ``ids``) in blocks, then (``ofsted``) each council's latest Ofsted judgement (``rows``:
    their :func:`display_columns`, when cut from those of more indicators)."""
    ids = ctx.headline if ids is None else ids
    rows = display_columns(indicator_rows(ctx, codes, ids)) if rows is None else rows
    latest = ofsted_rows(ctx, codes).with_columns(
        pl.lit(OFSTED_LABEL).alias("block"),
        pl.lit("council").alias("row_kind"),
        pl.lit(OFSTED_ID).alias("indicator_id"),
        *(
            pl.lit(fmt.DASH).alias(c)
            for c in (
                "rank_text",
                "band_text",
                "sn_mean_text",
                "sn_median_text",
                "sn_count_text",
                "change_cell",
            )
        ),
    )
    full = pl.concat([rows, latest], how="diagonal_relaxed") if ofsted else rows
    periods = subtitle_periods(rows)
    subtitle = (
        f"Latest official figures ({periods}) beside the region, England and each council's "
        "10 DfE statistical neighbours. Rank among all English councils, 1 = best; bands A (best "
        "quarter) to D."
    )
    table_id = stem.replace("/", "-")
    shown = full.select(
        "block",
        "area",
        "figure",
        pl.col("rank_text").alias("rank"),
        pl.col("band_text").alias("band"),
        pl.col("sn_mean_text").alias("sn_mean"),
        pl.col("sn_median_text").alias("sn_median"),
        pl.col("sn_count_text").alias("sn_count"),
        pl.col("change_cell").alias("change"),
    )
    gt = (
        fmt.base_gt(shown, table_id, title, subtitle, rowname_col="area", groupname_col="block")
        .tab_spanner("10 statistical neighbours", columns=["sn_mean", "sn_median", "sn_count"])
        .cols_label(
            figure="Figure",
            rank="Rank",
            band="Band",
            sn_mean="Mean",
            sn_median="Median",
            sn_count="With a figure",
            change="Change since previous period",
        )
        .cols_align("right", columns=["figure", "sn_mean", "sn_median"])
        .cols_align("center", columns=["rank", "band", "sn_count"])
        .fmt(change_cell, columns="change")
    )
    gt = fmt.style_letters(gt, shown, "band", fmt.BAND_COLOURS)
    gt = fmt.style_letters(gt, shown, "figure", fmt.GRADE_COLOURS)
    gt = fmt.link_cells(gt, "area", area_targets(ctx))
    gt = fmt.link_cells(gt, "block", block_targets(full))
    notes = [
        *figure_notes(full, ctx.labels),
        *rank_notes(("rank", "band")),
        ("sn_count", fmt.neighbour_note(ctx.names)),
    ]
    gt = fmt.add_footnotes(gt, fmt.footnote_marks(full, notes).get(0, []))
    notes = [fmt.BAND_NOTE, fmt.NA_NOTE, CHANGE_NOTE]
    if not ids:
        notes.append(NO_HEADLINE)
    if ofsted and not ctx.has("inspections"):
        notes.append(f"Ofsted inspections are {fmt.NOT_IN_PACKAGE}.")
    source_ids = [
        *full["source_id"].drop_nulls().to_list(),
        *(ofsted_sources(ctx) if ofsted else []),
    ]
    notes.append(fmt.source_line(ctx.sources, source_ids))
    gt = fmt.add_notes(gt, notes)
    return fmt.Table(stem, title, subtitle, gt, csv_frame(full), png=png, sheet=sheet)


def area_targets(ctx: Context) -> dict[str, str]:
    """A council's or region's name -> its page, from a table on a page one folder down."""
    return {name: f"../{stem}.html" for name, stem in navigation.name_links(ctx).items()}


def block_targets(full: pl.DataFrame) -> dict[str, str]:
    """An indicator block's heading -> the indicator's definition (Ofsted's: the judgements')."""
    pairs = full.select("block", "indicator_id").unique(maintain_order=True)
    return {
        block: "../"
        + navigation.definition("ofsted" if indicator == OFSTED_ID else indicator).replace(
            "#", ".html#"
        )
        for block, indicator in pairs.iter_rows()
    }


def ofsted_sources(ctx: Context) -> list[str]:
    if not ctx.has("inspections"):
        return []
    return ctx.frames["inspections"]["source_id"].cast(pl.String).unique().sort().to_list()


def figure_footnotes(
    gt: GT, full: pl.DataFrame, labels: dict[str, str], column: str = "figure"
) -> GT:
    """Symbols, computed figures, joint figures, per-figure notes and post-2026 Ofsted rows."""
    return fmt.add_footnotes(
        gt, fmt.footnote_marks(full, figure_notes(full, labels, column)).get(0, [])
    )


def figure_notes(
    full: pl.DataFrame, labels: dict[str, str], column: str = "figure"
) -> list[tuple[str, pl.Expr]]:
    """The figure cells' footnote texts, in the order their marks are given."""
    meanings = fmt.status_meanings()
    joint = pl.when(pl.col("basis") == compare.JOINT).then(
        pl.lit("Figure of the joint return ")
        + pl.col("basis_code")
        + ": the councils report their workforce together, so this is their combined figure "
        "and the rank is the joint return's."
    )
    notes = [
        fmt.status_note(pl.col("status"), meanings, pl.col("note"), labels),
        pl.when(pl.col("figure") == fmt.NO_FIGURE).then(pl.lit(fmt.NO_FIGURE_NOTE)),
        joint,
        fmt.caveat_note(),
        fmt.flag_note(),
    ]
    if "ofsted_note" in full.columns:
        notes.append(pl.col("ofsted_note"))
    return [(column, note) for note in notes]


def rank_footnotes(gt: GT, frame: pl.DataFrame, columns: tuple[str, ...]) -> GT:
    return fmt.add_footnotes(gt, fmt.footnote_marks(frame, rank_notes(columns)).get(0, []))


def rank_notes(columns: tuple[str, ...]) -> list[tuple[str, pl.Expr]]:
    """A flagged figure's caveat on its rank and band cells too, with the figure's mark: Kirklees'
    published 0.0 agency rate is "not ranked", and the reader must see why."""
    return [(column, fmt.flag_note()) for column in columns]


def subtitle_periods(rows: pl.DataFrame) -> str:
    """ "workforce at 30 Sep 2025; children in care at 31 Mar 2025; spending 2024-25"."""
    themes = (
        rows.filter(pl.col("row_kind") == "council")
        .select(
            "theme",
            fmt.period_text(pl.col("period"), pl.col("period_end")).alias("p"),
            "period_end",
        )
        .unique()
        .sort("period_end", "theme", "p")
    )
    parts = []
    for theme, when in themes.select("theme", "p").unique(maintain_order=True).iter_rows():
        at = "" if "-" in when else "at "
        parts.append(f"{theme.replace('_', ' ')} {at}{when}")
    return "; ".join(parts)


def csv_frame(full: pl.DataFrame) -> pl.DataFrame:
    """The table's data, tidy: numbers at the indicator's decimals beside the text shown, one row
    per table row (the data package keeps the published values exactly)."""
    return (
        full.drop("trend")
        .with_row_index("_row")
        .join(trend_text(full.with_row_index("_row")), on="_row", how="left", maintain_order="left")
        .with_columns(
            pl.col("label").alias("indicator"),
            pl.col("indicator_polarity").alias("polarity"),
            pl.col("unit_code").alias("area_code"),
            *(fmt.rounded(pl.col(c), pl.col("decimals")).alias(c) for c in ROUNDED),
        )
        .select(CSV_COLUMNS)
    )


def trend_text(frame: pl.DataFrame) -> pl.DataFrame:
    """_row -> "2017: 16.7; 2018: 13.8; ..." with "no figure" where a period is missing."""
    return (
        frame.select("_row", "trend_periods", "trend_values", "decimals")
        .filter(pl.col("trend_periods").is_not_null())
        .explode("trend_periods", "trend_values")
        .with_columns(
            (
                pl.col("trend_periods")
                + ": "
                + fmt.plain_number(pl.col("trend_values"), pl.col("decimals")).fill_null(
                    fmt.NO_FIGURE
                )
            ).alias("_t")
        )
        .group_by("_row", maintain_order=True)
        .agg(pl.col("_t").str.join("; ").alias("trend"))
    )
