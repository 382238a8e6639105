"""A profile page for every current council: every indicator against its neighbours, region and
England, then its Ofsted history.

Spending rows show each children's social care line's net current expenditure (RO3 column C7)
and the agency-staff memorandum; the other revenue-outturn columns (employees, running expenses,
income) and the referral, child protection and care leaver indicators are in the page's CSV and in
the data package. The rows are computed for all councils at
once and then split, so 153 pages cost one pass over the grid.
"""

from __future__ import annotations

import polars as pl
from great_tables import loc, style

from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context
from cscbench.publish.headline import figure_footnotes, rank_footnotes
from cscbench.publish.history import history_table

THEMES = (
    "workforce",
    "front_door",
    "children_in_need",
    "child_protection",
    "children_in_care",
    "care_leavers",
    "population",
    "spending",
)
THEME_LABELS = {
    "workforce": "Social work workforce",
    "front_door": "Front door: referrals",
    "children_in_need": "Children in need",
    "child_protection": "Child protection",
    "children_in_care": "Children in care",
    "care_leavers": "Care leavers",
    "population": "Population",
    "spending": "Spending (children's social care)",
}
SHOWN_SPENDING = r"^(ro3_.*_net_cur_exp|ro3_cscsvmem_.*|csc_.*)$"
# The 0.2 themes are in each profile's CSV; their themed sections on the page come with the themed
# pages (issue 11, section 4), which keeps the page, and the time to publish 153 of them, as it was.
CSV_ONLY_THEMES = ("front_door", "child_protection", "care_leavers")
ROUNDED = ("value", "region_value", "england_value", "sn_mean", "sn_median")
CSV_COLUMNS = [
    "area_code",
    "council",
    "theme",
    "indicator_id",
    "indicator",
    "unit",
    "polarity",
    "period",
    "period_end",
    "value",
    "status",
    "basis",
    "basis_code",
    "rank",
    "ranked_count",
    "band",
    "rank_note",
    "region_code",
    "region_value",
    "region_status",
    "england_value",
    "england_status",
    "sn_mean",
    "sn_median",
    "sn_count",
    "sn_total",
    "sn_merged",
    "sn_excluded",
    "sn_flagged",
    "shown",
    "change_text",
    "note",
    "flagged",
    "caveat",
    "region_caveat",
    "england_caveat",
    "source_id",
]


def csv_frame(rows: pl.DataFrame) -> pl.DataFrame:
    """A profile's data: every indicator, numbers at the indicator's decimals (the data package
    keeps the published values exactly)."""
    return rows.with_columns(
        pl.col("unit_code").alias("area_code"),
        pl.col("name").alias("council"),
        pl.col("label").alias("indicator"),
        pl.col("indicator_polarity").alias("polarity"),
        *(fmt.rounded(pl.col(c), pl.col("decimals")).alias(c) for c in ROUNDED),
    ).select(CSV_COLUMNS)


def build(ctx: Context) -> list[fmt.Page]:
    rows = profile_rows(ctx)
    pages = []
    for code, part in rows.partition_by("unit_code", as_dict=True, maintain_order=True).items():
        pages.append(profile_page(ctx, code[0], part))
    return sorted(pages, key=lambda p: p.sort_key)


def profile_rows(ctx: Context) -> pl.DataFrame:
    """Latest rows of every current council (not joint returns) with display text and trends."""
    councils = ctx.latest.filter(pl.col("level") == "local_authority")
    # the headline indicators lead their theme; the rest follow in label order
    first = {indicator: i for i, indicator in enumerate(ctx.headline)}
    theme_order = pl.DataFrame({"theme": list(THEMES), "_theme": list(range(len(THEMES)))})
    spending = pl.col("theme") == "spending"
    return (
        councils.join(theme_order, on="theme", how="left")
        .with_columns(
            (
                (~spending | pl.col("indicator_id").str.contains(SHOWN_SPENDING))
                & ~pl.col("theme").is_in(CSV_ONLY_THEMES)
            ).alias("shown"),
            pl.col("_theme").fill_null(len(THEMES)),
            pl.col("indicator_id")
            .replace_strict(first, default=len(first), return_dtype=pl.Int64)
            .alias("_first"),
        )
        .with_columns(display())
        .sort("name", "unit_code", "_theme", "_first", "label", "indicator_id")
    )


def display() -> list[pl.Expr]:
    return [
        fmt.display_label(pl.col("label"), pl.col("unit")).alias("row_label"),
        pl.col("theme").replace_strict(THEME_LABELS, default=pl.col("theme")).alias("theme_label"),
        fmt.period_text(pl.col("period"), pl.col("period_end")).alias("period_text"),
        fmt.figure_text("value", "status", "unit", "decimals").alias("figure"),
        *fmt.comparison_texts(),
        fmt.figure_text("region_value", "region_status", "unit", "decimals").alias("region_text"),
        fmt.figure_text("england_value", "england_status", "unit", "decimals").alias(
            "england_text"
        ),
        change_text().alias("change_text"),
    ]


def change_text() -> pl.Expr:
    """ "+1.2 since 2024": the figure minus the previous period's (compare's ``previous_*``,
    a shift over the sorted grid); a dash when either is missing."""
    period = pl.col("previous_period")
    change = pl.col("value") - pl.col("previous_value")
    size = fmt.number_text(change, pl.col("decimals"))
    sign = (
        pl.when(size.str.starts_with("-"))
        .then(pl.lit(""))
        .when(size.str.contains("[1-9]"))
        .then(pl.lit("+"))
        .otherwise(pl.lit(""))
    )
    unit = pl.when(pl.col("unit") == "percent").then(pl.lit(" points")).otherwise(pl.lit(""))
    return (
        pl.when(change.is_null())
        .then(pl.lit(fmt.DASH))
        .otherwise(sign + size + unit + " since " + period)
    )


def profile_page(ctx: Context, code: str, rows: pl.DataFrame) -> fmt.Page:
    name = rows["name"][0]
    stem = f"profiles/{code.lower()}-{fmt.slug(name)}"
    tables = [profile_table(ctx, code, name, stem, rows)]
    if ctx.has("inspections"):
        tables.append(
            history_table(
                ctx, [code], f"{stem}-ofsted", f"{name}: Ofsted inspections since 2009", png=False
            )
        )
    intro = (
        f"{name} ({code}) on every indicator in the package, at its latest period, against "
        "its region, England and its 10 DfE statistical neighbours.",
    )
    if not ctx.has("inspections"):
        intro += (f"Ofsted inspections are {fmt.NOT_IN_PACKAGE}.",)
    return fmt.Page(
        stem,
        name,
        "profiles",
        tuple(tables),
        intro,
        sort_key=f"{name} {code}",
        meta={"region": rows["region_code"][0]},
    )


def profile_table(ctx: Context, code: str, name: str, stem: str, rows: pl.DataFrame) -> fmt.Table:
    shown_rows = rows.filter(pl.col("shown"))
    region = ctx.names.get(rows["region_code"][0], "region")
    title = f"{name}: children's social care profile"
    subtitle = (
        f"Every indicator at its latest period, against {region}, England and the 10 DfE "
        "statistical neighbours. Rank among all English councils, 1 = best; bands A (best "
        "quarter) to D."
    )
    shown = shown_rows.select(
        pl.col("theme_label").alias("group"),
        pl.col("row_label").alias("indicator"),
        pl.col("period_text").alias("period"),
        "figure",
        pl.col("rank_text").alias("rank"),
        pl.col("band_text").alias("band"),
        pl.col("region_text").alias("region"),
        pl.col("england_text").alias("england"),
        pl.col("sn_mean_text").alias("sn_mean"),
        pl.col("sn_median_text").alias("sn_median"),
        pl.col("sn_count_text").alias("sn_count"),
        pl.col("change_text").alias("change"),
    )
    gt = (
        fmt.base_gt(
            shown,
            stem.replace("/", "-"),
            title,
            subtitle,
            rowname_col="indicator",
            groupname_col="group",
        )
        .tab_spanner("10 statistical neighbours", columns=["sn_mean", "sn_median", "sn_count"])
        .cols_label(
            period="Period",
            figure="Figure",
            rank="Rank",
            band="Band",
            region=region,
            england="England",
            sn_mean="Mean",
            sn_median="Median",
            sn_count="With a figure",
            change="Change since previous period",
        )
        .cols_align("right", columns=["figure", "region", "england", "sn_mean", "sn_median"])
        .cols_align("center", columns=["rank", "band", "sn_count"])
        .tab_style(style.css("white-space: nowrap"), locations=loc.body(columns=["period", "rank"]))
    )
    gt = fmt.style_letters(gt, shown, "band", fmt.BAND_COLOURS)
    gt = figure_footnotes(gt, shown_rows, ctx.labels)
    gt = rank_footnotes(gt, shown_rows, ("rank", "band"))
    gt = fmt.footnote_cells(gt, shown_rows, "sn_count", fmt.neighbour_note(ctx.names))
    meanings = fmt.status_meanings()
    gt = fmt.footnote_cells(
        gt, shown_rows, "region", fmt.status_note(pl.col("region_status"), meanings)
    )
    gt = fmt.footnote_cells(
        gt, shown_rows, "england", fmt.status_note(pl.col("england_status"), meanings)
    )
    for comparator in ("region", "england"):
        caveat = f"{comparator}_caveat"
        if shown_rows[caveat].null_count() < shown_rows.height:  # rare: skip the pass otherwise
            gt = fmt.footnote_cells(gt, shown_rows, comparator, fmt.flag_note(pl.col(caveat)))
    notes = [
        fmt.BAND_NOTE,
        fmt.NA_NOTE,
        "Change: the figure minus the same council's figure for the previous published period "
        f"({fmt.DASH} where either is missing or the indicator has only one period).",
        fmt.source_line(ctx.sources, shown_rows["source_id"].drop_nulls().to_list()),
    ]
    gt = fmt.add_notes(gt, notes)
    data = csv_frame(rows)
    return fmt.Table(stem, title, subtitle, gt, data)
