"""A profile page for every current council: its trends, then every indicator by theme against
its neighbours, region and England, its Ofsted history and its 10 statistical neighbours.

Themed sections (front door, children in need, child protection, children in care, care leavers,
workforce, spending, population; :mod:`themes`) each hold one table, the indicators that lead the
theme first (``indicators.headline_order``, then those with a ``short_label``). Spending rows show
each children's social care line's net current expenditure (RO3 column C7), the agency-staff
memorandum and cscbench's per-child and change figures; the other revenue-outturn columns
(employees, running expenses, income) are in the page's CSV and in the data package. The rows and
the charts are computed for all councils at once and then split, so 153 pages cost one pass over
the grid.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import polars as pl

from cscbench.publish import charts, navigation, peers, themes
from cscbench.publish import formatting as fmt
from cscbench.publish.change import change_cell, change_cell_text, change_text
from cscbench.publish.context import Context
from cscbench.publish.headline import area_targets, figure_notes, rank_notes
from cscbench.publish.history import history_table, inspections

SHOWN_SPENDING = r"^(ro3_.*_net_cur_exp|ro3_cscsvmem_.*|csc_.*)$"
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
    "change",
    "change_direction",
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
        *(fmt.rounded(pl.col(c), pl.col("decimals")).alias(c) for c in (*ROUNDED, "change")),
    ).select(CSV_COLUMNS)


def build(ctx: Context) -> list[fmt.Page]:
    rows = profile_rows(ctx)
    places = navigation.places(ctx)
    drawn = charts.profile_charts(ctx, places.profiles)
    common = shared(ctx, rows, places.profiles)
    pages = []
    for code, part in rows.partition_by("unit_code", as_dict=True, maintain_order=True).items():
        pages.append(profile_page(ctx, code[0], part, drawn.get(code[0]), places, common))
    return sorted(pages, key=lambda p: p.sort_key)


@dataclass(frozen=True)
class Shared:
    """What every profile needs, worked out once for all councils: a pass per council over the
    notes, the inspections and the name links cost about half of the profiles' build."""

    footnotes: dict[object, list[fmt.Footnote]]  # council code -> its table's footnotes
    inspections: dict[str, pl.DataFrame]  # council code -> its :func:`inspections`
    targets: dict[str, str]  # :func:`area_targets`
    peers: peers.Peers  # neighbours' figures, visits and the headline summary, by council
    tables: dict[str, TableRows] = field(default_factory=dict)  # council code -> its table's rows


@dataclass(frozen=True)
class TableRows:
    """One council's profile table rows, cut from frames worked out once for every council: a
    select or a filter per council costs as much as one for all of them."""

    shown_rows: pl.DataFrame  # its rows that the table shows (not every spending line)
    shown: pl.DataFrame  # those rows' cells as the table shows them
    data: pl.DataFrame  # its CSV (:func:`csv_frame`)


def _by_council(frame: pl.DataFrame, column: str = "unit_code") -> dict[str, pl.DataFrame]:
    parts = frame.partition_by(column, as_dict=True, maintain_order=True, include_key=True)
    return {str(key[0]): part for key, part in parts.items()}


def table_rows(rows: pl.DataFrame) -> dict[str, TableRows]:
    """council code -> :class:`TableRows`, for the councils of ``rows`` (:func:`profile_rows`)."""
    shown_rows = rows.filter(pl.col("shown"))
    shown = shown_rows.select(*shown_columns(), pl.col("unit_code").alias("_code"))
    each_shown_rows = _by_council(shown_rows)
    each_shown = {k: v.drop("_code") for k, v in _by_council(shown, "_code").items()}
    each_data = _by_council(csv_frame(rows), "area_code")
    empty_rows, empty_shown = shown_rows.clear(), shown.drop("_code").clear()
    return {
        code: TableRows(
            each_shown_rows.get(code, empty_rows), each_shown.get(code, empty_shown), data
        )
        for code, data in each_data.items()
    }


def shared(ctx: Context, rows: pl.DataFrame, profiles: dict[str, str] | None = None) -> Shared:
    """:class:`Shared` for the councils of ``rows`` (:func:`profile_rows`)."""
    shown = rows.filter(pl.col("shown"))
    footnotes = fmt.footnote_marks(shown, profile_notes(ctx, shown), by="unit_code")
    codes = rows["unit_code"].unique(maintain_order=True).to_list()
    around = peers.build(ctx, profiles or navigation.places(ctx).profiles, codes)
    tables = table_rows(rows)
    if not ctx.has("inspections"):
        return Shared(footnotes, {}, {}, around, tables)
    frame = inspections(ctx, codes)
    parts = frame.partition_by("unit_code", as_dict=True, maintain_order=True)
    return Shared(footnotes, {k[0]: v for k, v in parts.items()}, area_targets(ctx), around, tables)


def profile_notes(ctx: Context, shown_rows: pl.DataFrame) -> list[tuple[str, pl.Expr]]:
    """The profile table's footnote texts by column, in the order their marks are given."""
    meanings = fmt.status_meanings()
    return [
        *figure_notes(shown_rows, ctx.labels),
        *rank_notes(("rank", "band")),
        ("sn_count", fmt.neighbour_note(ctx.names)),
        ("region", fmt.status_note(pl.col("region_status"), meanings)),
        ("england", fmt.status_note(pl.col("england_status"), meanings)),
        *((c, fmt.flag_note(pl.col(f"{c}_caveat"))) for c in ("region", "england")),
    ]


def profile_rows(ctx: Context) -> pl.DataFrame:
    """Latest rows of every current council (not joint returns) with display text and trends."""
    councils = ctx.latest.filter(pl.col("level") == "local_authority")
    # the key indicators lead their theme (headline ones first); the rest follow in label order
    key = themes.key_indicators(ctx.indicators)["indicator_id"].to_list()
    first = {indicator: i for i, indicator in enumerate(key)}
    spending = pl.col("theme") == "spending"
    return (
        councils.with_columns(
            (~spending | pl.col("indicator_id").str.contains(SHOWN_SPENDING)).alias("shown"),
            themes.order().alias("_theme"),
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
        pl.col("theme")
        .replace_strict(themes.THEMES, default=pl.col("theme"), return_dtype=pl.String)
        .alias("theme_label"),
        fmt.period_text(pl.col("period"), pl.col("period_end")).alias("period_text"),
        fmt.figure_text("value", "status", "unit", "decimals").alias("figure"),
        *fmt.comparison_texts(),
        fmt.figure_text("region_value", "region_status", "unit", "decimals").alias("region_text"),
        fmt.figure_text("england_value", "england_status", "unit", "decimals").alias(
            "england_text"
        ),
        change_text().alias("change_text"),
        change_cell_text().alias("change_cell"),
    ]


def profile_page(
    ctx: Context,
    code: str,
    rows: pl.DataFrame,
    chart: fmt.Chart | None = None,
    places: navigation.Places | None = None,
    common: Shared | None = None,
) -> fmt.Page:
    """One council's page: trends, every indicator by theme, Ofsted, statistical neighbours.

    The indicators are one table with a row group per theme (a link from the page's contents to
    each): one table per theme would cost a publish of every profile several times as long.
    """
    places = places or navigation.places(ctx)
    common = common or shared(ctx, rows, places.profiles)
    name = rows["name"][0]
    stem = places.profiles.get(code, f"profiles/{code.lower()}-{fmt.slug(name)}")
    region_code = rows["region_code"][0]
    region = ctx.names.get(region_code, "its region")
    table = profile_table(
        ctx, code, name, stem, rows, common.footnotes.get(code, []), common.tables.get(code)
    )
    sections = []
    summary = common.peers.summary.get(code)
    if summary is not None and summary.text:
        sections.append(fmt.Section("latest-change", "Latest change at a glance", (summary,)))
    if chart is not None:
        sections.append(fmt.Section("trends", "Trends", (chart,)))
    neighbours = common.peers.neighbours.get(code)
    if neighbours is None:
        neighbours = navigation.neighbours_html(ctx, code, places)
    sections.append(fmt.Section("neighbours", "Against each statistical neighbour", (neighbours,)))
    sections.append(fmt.Section("indicators", "Every indicator, by theme", (table,)))
    tables = [table]
    if ctx.has("inspections"):
        history = history_table(
            ctx,
            [code],
            f"{stem}-ofsted",
            f"{name}: Ofsted inspections since 2009",
            png=False,
            frame=common.inspections.get(code),
            targets=common.targets,
        )
        tables.append(history)
        sections.append(fmt.Section(themes.OFSTED, themes.OFSTED_HEADING, (history,)))
    else:
        ofsted = f"Ofsted inspections are {fmt.NOT_IN_PACKAGE}."
        sections.append(fmt.Section(themes.OFSTED, themes.OFSTED_HEADING, intro=(ofsted,)))
    visits = common.peers.visits.get(code)
    if visits is not None:
        sections.append(fmt.Section("visits", "Ofsted focused and monitoring visits", (visits,)))
    tables += common.peers.exports.get(code, ())
    intro = (
        f"{name} ({code}), a council in {region}: every indicator in the package at its latest "
        "period, against its region, England and its 10 DfE statistical neighbours, with its "
        "trends on the headline indicators.",
    )
    crumbs: tuple[tuple[str, str], ...] = (("#find", "Council profiles"),)
    if region_code in places.regions:
        crumbs = (*crumbs, (places.regions[region_code], region))
    shown_themes = rows.filter(pl.col("shown"))["theme"].unique(maintain_order=True).to_list()
    blocks = (navigation.pager(code, places, 1), contents(sections, shown_themes))
    return fmt.Page(
        stem,
        name,
        "profiles",
        tuple(tables),
        intro,
        sort_key=f"{name} {code}",
        meta={"region": region_code},
        sections=tuple(sections),
        crumbs=crumbs,
        blocks=blocks,
    )


def contents(sections: list[fmt.Section], shown: list[str]) -> fmt.Html:
    """ "On this page": each section, and within the indicators each theme's rows."""
    items = []
    for section in sections:
        items.append(f'<li><a href="#{section.id}">{html.escape(section.heading)}</a></li>')
        if section.id == "indicators":
            items += [
                f'<li><a href="#{themes.anchor(t)}">{html.escape(themes.label(t))}</a></li>'
                for t in shown
            ]
    return fmt.Html(f'<nav class="toc" aria-label="On this page"><ul>{"".join(items)}</ul></nav>')


def theme_headings(rows: pl.DataFrame) -> dict[str, str]:
    """A theme's row-group heading -> the same heading as an anchor the contents link to."""
    pairs = rows.select("theme_label", "theme").unique(maintain_order=True).iter_rows()
    return {
        label: f'<span id="{themes.anchor(theme)}">{html.escape(label)}</span>'
        for label, theme in pairs
    }


def profile_table(
    ctx: Context,
    code: str,
    name: str,
    stem: str,
    rows: pl.DataFrame,
    footnotes: list[fmt.Footnote],
    cut: TableRows | None = None,
) -> fmt.Table:
    """One council's table of every indicator (``cut``: its rows, cells and CSV when worked out
    for every council at once, :func:`table_rows`)."""
    if cut is None:
        shown_rows = rows.filter(pl.col("shown"))
        cut = TableRows(shown_rows, shown_rows.select(shown_columns()), csv_frame(rows))
    shown_rows, shown = cut.shown_rows, cut.shown
    region = ctx.names.get(rows["region_code"][0], "region")
    title = f"{name}: children's social care profile"
    subtitle = (
        f"Every indicator at its latest period, by theme, against {region}, England and the 10 "
        "DfE statistical neighbours. Rank among all English councils, 1 = best; bands A (best "
        "quarter) to D."
    )
    definitions = {
        label: "../" + navigation.definition(i).replace("#", ".html#")
        for label, i in shown_rows.select("row_label", "indicator_id").iter_rows()
    }
    headings = theme_headings(shown_rows)
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
        .fmt(lambda label: headings.get(label, html.escape(str(label))), columns="group")
        .fmt(change_cell, columns="change")
    )
    gt = fmt.link_cells(gt, "indicator", definitions)
    gt = fmt.style_letters(gt, shown, "band", fmt.BAND_COLOURS)
    gt = fmt.add_footnotes(gt, footnotes)
    notes = [
        fmt.BAND_NOTE,
        fmt.NA_NOTE,
        "Change: the figure minus the same council's figure for the previous published period "
        f"({fmt.DASH} where either is missing or the indicator has only one period), marked "
        "better or worse by the indicator's polarity; neutral indicators and flagged figures get "
        "no marker.",
        fmt.source_line(ctx.sources, shown_rows["source_id"].drop_nulls().to_list()),
    ]
    gt = fmt.add_notes(gt, notes)
    return fmt.Table(stem, title, subtitle, gt, cut.data)


def shown_columns() -> list[pl.Expr]:
    """The profile table's cells, from :func:`profile_rows`' display columns."""
    return [
        pl.col("theme_label").alias("group"),
        pl.col("row_label").alias("indicator"),
        pl.col("period_text").alias("period"),
        pl.col("figure"),
        pl.col("rank_text").alias("rank"),
        pl.col("band_text").alias("band"),
        pl.col("region_text").alias("region"),
        pl.col("england_text").alias("england"),
        pl.col("sn_mean_text").alias("sn_mean"),
        pl.col("sn_median_text").alias("sn_median"),
        pl.col("sn_count_text").alias("sn_count"),
        pl.col("change_cell").alias("change"),
    ]
