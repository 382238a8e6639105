"""Trend charts: each council's line beside its region, England and its neighbours' median.

A chart is a Vega-Altair specification, faceted one panel per indicator, over every period the
package holds. Every line in a panel shares its scale, which starts at zero (all the indicators
charted are counts, rates, percentages or money, which read from zero; a change in spending
crosses it); the panels have their own scales, since their units differ, and say the unit in their
heading. A council's total (a count, FTE or money in thousands) is not comparable with a region's
or England's total, so those two lines are left out of such panels and the subtitle says so.

vl-convert renders the specification to SVG (placed in the page, with a title and a description
for screen readers) and PNG (beside it, for reports) without a browser, in a pool of worker
processes (:mod:`cscbench.core.chartworker`) that starts before the tables are written, so the charts
render while the main process builds the HTML. The rows of all councils are built in one pass and
then split; the figures each chart draws are also its CSV.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence

import polars as pl

from cscbench.core.domain import ENGLAND
from cscbench.publish import formatting as fmt
from cscbench.publish import navigation, themes
from cscbench.publish.chart_words import (
    TOTAL_UNITS,
    describe,
    figure_lines,
    figures_html,
    subtitle_for,
)
from cscbench.publish.context import Context

WIDTH, HEIGHT, COLUMNS = 190, 110, 3  # one panel, in pixels; panels per row
# Each axis takes exactly this room (labels, ticks, padding), so every panel of a rendered chart
# can be cut out of it with the same margins for the phone layout (:func:`phone_html`).
Y_EXTENT, X_EXTENT = 46, 44
PANEL_LINE = 26  # characters before a panel heading wraps
SUBTITLE_LINE = 110
KIND_ORDER = {"council": 0, "neighbours": 1, "region": 2, "england": 3}
# Colour repeats the legend's dash pattern, never the only signal; blue, orange and purple stay
# apart for the common colour-vision deficiencies, England is grey.
COUNCIL_COLOURS = ("#1d4e89", "#b35806", "#1b7837", "#762a83")
REGION_COLOURS, ENGLAND_COLOUR = ("#6a3d9a", "#8c510a"), "#4d4d4d"
DASHES = {"council": [1, 0], "neighbours": [5, 2], "region": [9, 3], "england": [2, 2]}


# ---------------------------------------------------------------------------- the rows


def lines(ctx: Context, owners: pl.DataFrame, ids: Sequence[str]) -> pl.DataFrame:
    """The lines of every chart at once: ``owners`` maps a chart (``owner``) to its councils
    (``unit_code``, in order ``pos``). For each council every period held of each indicator (its
    own figure or its joint return's), the median of its statistical neighbours, its region and
    England; rows with no figure stay, so a line breaks where a period is missing.

    A council's flagged figure (``caveats``: Wakefield's referrals of 2014 to 2016, a zero
    agency rate) is not drawn: it would set the panel's scale or read as a real change. Its row
    keeps the figure as ``flagged_value`` so the chart's words, its table of figures and its CSV
    say what was left out and why to look at the caveat."""
    wanted = pl.col("indicator_id").is_in(list(ids))
    grid = ctx.grid.filter(wanted).join(owners, on="unit_code")
    several = owners.group_by("owner").agg(pl.len().alias("_n"))
    grid = grid.join(several, on="owner", how="left")
    keys = ["owner", "indicator_id", "period", "period_end"]
    flagged = pl.col("flagged").fill_null(False) & pl.col("value").is_not_null()
    council = grid.select(
        *keys,
        pl.lit("council").alias("kind"),
        "pos",
        pl.col("unit_code").alias("area_code"),
        pl.col("name").alias("series"),
        pl.when(flagged).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(flagged).then(pl.col("value")).alias("flagged_value"),
    )
    neighbours = grid.select(
        *keys,
        pl.lit("neighbours").alias("kind"),
        "pos",
        pl.col("unit_code").alias("area_code"),
        pl.when(pl.col("_n") > 1)
        .then(pl.col("name") + ": neighbours' median")
        .otherwise(pl.lit("Statistical neighbours' median"))
        .alias("series"),
        pl.col("sn_median").alias("value"),
    )
    comparators = comparator_lines(ctx, grid, keys)
    return (
        pl.concat([council, neighbours, comparators], how="diagonal_relaxed")
        .join(panel_meta(ctx, ids), on="indicator_id")
        .filter(
            ~pl.col("unit").is_in(TOTAL_UNITS) | pl.col("kind").is_in(["council", "neighbours"])
        )
        .with_columns(pl.col("kind").replace_strict(KIND_ORDER).alias("_kind"))
        .sort("owner", "_panel", "_kind", "pos", "series", "period_end", "period")
    )


def comparator_lines(ctx: Context, grid: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """The councils' regions (first-seen order) and England over the same periods."""
    periods = grid.select(*keys).unique()
    regions = (
        grid.sort("owner", "pos")
        .select("owner", "pos", pl.col("region_code").alias("area_code"))
        .unique(["owner", "area_code"], keep="first")
    )
    england = (
        grid.select("owner")
        .unique()
        .with_columns(
            pl.lit(len(KIND_ORDER), pl.Int64).alias("pos"), pl.lit(ENGLAND).alias("area_code")
        )
    )
    areas = pl.concat(
        [
            regions.with_columns(pl.lit("region").alias("kind")),
            england.with_columns(pl.lit("england").alias("kind")),
        ],
        how="vertical_relaxed",
    )
    values = ctx.series.select(
        pl.col("unit_code").alias("area_code"), "indicator_id", "period", "value"
    )
    names = ctx.areas.select("area_code", pl.col("name").alias("series"))
    return (
        areas.join(periods, on="owner")
        .join(values, on=["area_code", "indicator_id", "period"], how="left")
        .join(names, on="area_code", how="left")
        .select(*keys, "kind", "pos", "area_code", "series", "value")
    )


def panel_meta(ctx: Context, ids: Sequence[str]) -> pl.DataFrame:
    """Each indicator's panel heading (its short label, wrapped), unit, decimals and order."""
    key = themes.key_indicators(ctx.indicators).select("indicator_id", "short")
    meta = (
        ctx.indicators.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
        .filter(pl.col("indicator_id").is_in(list(ids)))
        .join(key, on="indicator_id", how="left")
        .select(
            "indicator_id",
            "unit",
            "decimals",
            pl.coalesce("short", "label").alias("panel"),
        )
    )
    order = pl.DataFrame({"indicator_id": list(ids), "_panel": list(range(len(ids)))})
    return meta.join(order, on="indicator_id")


def wrap(text: str, width: int = PANEL_LINE) -> str:
    """A panel heading on lines of at most ``width`` characters (words kept whole)."""
    lines_: list[str] = []
    for word in text.split():
        if lines_ and len(lines_[-1]) + 1 + len(word) <= width:
            lines_[-1] += " " + word
        else:
            lines_.append(word)
    return "\n".join(lines_)


# ---------------------------------------------------------------------------- the charts


def profile_ids(ctx: Context) -> tuple[str, ...]:
    """A profile's panels: the headline indicators (``indicators.headline_order``), spending's
    three years among them; the change on the year before is in the profile's table (a panel
    each would cost a fifth more time to render 153 charts)."""
    return ctx.headline


def plan(ctx: Context, *early: dict[str, fmt.Chart], profiles: bool = True) -> list[fmt.Chart]:
    """The profiles' charts (the bulk of the site's; ``profiles=False`` when the profiles are
    kept from the previous site) and any others given (``early``: the headline page's), worked
    out first so they render while the pages are built; the builders then get the same charts
    (:func:`profile_charts` and :func:`pair_charts` remember them)."""
    drawn = profile_charts(ctx, navigation.places(ctx).profiles) if profiles else {}
    return [c for charts in (*early, drawn) for c in charts.values()]


def profile_charts(ctx: Context, stems: dict[str, str]) -> dict[str, fmt.Chart]:
    """council code -> its trend chart (``stems``: code -> the profile page's stem), computed
    once per publish run."""
    memo = ctx.memo.get("profile_charts")
    if memo is None or memo[0] != stems:
        memo = (stems, all_profile_charts(ctx, stems))
        ctx.memo["profile_charts"] = memo
    return memo[1]


def all_profile_charts(ctx: Context, stems: dict[str, str]) -> dict[str, fmt.Chart]:
    ids = profile_ids(ctx)
    councils = ctx.grid.filter(pl.col("level") == "local_authority")["unit_code"].unique().sort()
    owners = pl.DataFrame({"owner": councils, "unit_code": councils, "pos": [0] * len(councils)})
    rows = lines(ctx, owners, ids)
    words = describe(rows)
    drawn = figure_lines(rows)
    out = {}
    for (code,), part in rows.partition_by("owner", as_dict=True, maintain_order=True).items():
        name = ctx.names[code]
        others = part.filter(pl.col("kind").is_in(["region", "england"]))["series"]
        lead = (
            f"{name}, the median of its 10 statistical neighbours, "
            f"{' and '.join(others.unique(maintain_order=True).to_list())}."
        )
        title = f"{name}: the headline indicators over time"
        subtitle = subtitle_for(part, lead)
        out[code] = chart(
            f"{stems[code]}-trends", title, subtitle, words.get(code, ""), part, drawn.get(code)
        )
    return out


def pair_charts(ctx: Context, codes: list[str], stem: str, pair: str) -> dict[str, fmt.Chart]:
    """theme -> the chart of the councils' key indicators of that theme (the headline page),
    computed once per publish run."""
    memo_key = f"pair_charts {codes} {stem} {pair}"
    if memo_key not in ctx.memo:
        ctx.memo[memo_key] = all_pair_charts(ctx, codes, stem, pair)
    return ctx.memo[memo_key]


def all_pair_charts(ctx: Context, codes: list[str], stem: str, pair: str) -> dict[str, fmt.Chart]:
    key = themes.key_indicators(ctx.indicators)
    owners = pl.DataFrame({"unit_code": codes, "pos": list(range(len(codes)))})
    out = {}
    for theme in key["theme"].unique(maintain_order=True).to_list():
        ids = key.filter(pl.col("theme") == theme)["indicator_id"].to_list()
        rows = lines(ctx, owners.with_columns(pl.lit(theme).alias("owner")), ids)
        if rows.filter(pl.col("kind") == "council")["value"].is_null().all():
            continue
        region_names = rows.filter(pl.col("kind") == "region")["series"].unique(maintain_order=True)
        lead = (
            f"{pair}, each with the median of its 10 statistical neighbours, "
            f"{' and '.join([*region_names.to_list(), 'England'])}."
        )
        title = f"{pair}: {themes.label(theme).lower()} over time"
        words = describe(rows).get(theme, "")
        out[theme] = chart(
            f"{stem}-{themes.anchor(theme)}-trend", title, subtitle_for(rows, lead), words, rows
        )
    return out


# ---------------------------------------------------------------------------- the specification


def series_styles(rows: pl.DataFrame) -> tuple[list[str], list[str], list[list[int]]]:
    """The chart's lines in legend order, each with its colour and dash pattern: a council and
    its neighbours' median share a colour, the dash tells them apart."""
    order = rows.select("series", "kind", "pos", "_kind").unique().sort("_kind", "pos", "series")
    councils = sorted(rows.filter(pl.col("kind") == "council")["pos"].unique().to_list())
    regions = sorted(rows.filter(pl.col("kind") == "region")["pos"].unique().to_list())
    council_colour = {p: COUNCIL_COLOURS[i % len(COUNCIL_COLOURS)] for i, p in enumerate(councils)}
    region_colour = {p: REGION_COLOURS[i % len(REGION_COLOURS)] for i, p in enumerate(regions)}
    names, colours, dashes = [], [], []
    for series, kind, pos in order.select("series", "kind", "pos").iter_rows():
        names.append(series)
        dashes.append(DASHES[kind])
        if kind == "england":
            colours.append(ENGLAND_COLOUR)
        elif kind == "region":
            colours.append(region_colour[pos])
        else:
            colours.append(council_colour.get(pos, COUNCIL_COLOURS[0]))
    return names, colours, dashes


# Placeholders Vega-Altair builds the specification around once; each chart fills them in.
SERIES, COLOURS, DASH_PATTERNS, PANELS = "@series", "@colours", "@dashes", "@panels"
TITLE, SUBTITLE, DATA = "@title", "@subtitle", "lines"


@functools.cache
def template(columns: int) -> str:
    """The chart's Vega-Lite specification, built (and validated) by Vega-Altair once per number
    of panel columns, with placeholders for what differs between charts: validating a chart's
    inline rows on every chart would cost seconds per hundred charts."""
    import altair as alt

    legend = alt.Legend(
        title=None,
        orient="top",
        columns=2,
        labelLimit=360,
        symbolType="stroke",
        symbolStrokeWidth=2,
        symbolSize=300,
    )
    line = (
        alt.Chart(alt.Data(name=DATA))
        .mark_line(
            invalid="break-paths-show-domains",
            strokeWidth=2,
            point=alt.OverlayMarkDef(filled=True, size=16),
        )
        .encode(
            x=alt.X(
                "period:O",
                title=None,
                axis=alt.Axis(labelAngle=-45, minExtent=X_EXTENT, maxExtent=X_EXTENT),
            ),
            y=alt.Y(
                "value:Q",
                title=None,
                scale=alt.Scale(zero=True),
                axis=alt.Axis(format=",~r", tickCount=4, minExtent=Y_EXTENT, maxExtent=Y_EXTENT),
            ),
            color=alt.Color(
                "series:N", scale=alt.Scale(domain=[SERIES], range=[COLOURS]), legend=legend
            ),
            strokeDash=alt.StrokeDash(
                "series:N", scale=alt.Scale(domain=[SERIES], range=[DASH_PATTERNS]), legend=legend
            ),
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    header = alt.Header(
        labelExpr="split(datum.label, '\\n')",
        labelFontSize=11,
        labelFontWeight="bold",
        labelAnchor="start",
        labelAlign="left",
    )
    chart = (
        line.facet(
            facet=alt.Facet("panel:N", title=None, sort=[PANELS], header=header), columns=columns
        )
        .resolve_scale(x="independent", y="independent")
        .properties(title=alt.Title(TITLE, subtitle=[SUBTITLE], anchor="start", fontSize=14))
        .configure(aria=False, background="white")
        .configure_view(stroke="#bbbbbb")
    )
    return json.dumps(chart.to_dict(), sort_keys=True)


def fill(node: object, values: dict[str, object]) -> object:
    """The template with each placeholder replaced: a placeholder string, or a list holding only
    a placeholder (a scale's domain, a sort order) replaced by its list."""
    if isinstance(node, dict):
        return {k: fill(v, values) for k, v in node.items()}
    if isinstance(node, list):
        if len(node) == 1 and isinstance(node[0], str) and node[0] in values:
            return values[node[0]]
        return [fill(v, values) for v in node]
    if isinstance(node, str) and node in values:
        return values[node]
    return node


def specification(rows: pl.DataFrame, title: str, subtitle: str) -> dict:
    """The Vega-Lite specification of one chart, its rows inline (stable for the same rows)."""
    names, colours, dashes = series_styles(rows)
    panels = rows.sort("_panel")["panel"].unique(maintain_order=True).to_list()
    wrapped = {p: wrap(p) for p in panels}
    values = rows.select(
        pl.col("panel").replace_strict(wrapped, return_dtype=pl.String),
        "series",
        "period",
        "value",
    ).to_dicts()
    spec = fill(
        json.loads(template(min(COLUMNS, len(panels)))),
        {
            SERIES: names,
            COLOURS: colours,
            DASH_PATTERNS: dashes,
            PANELS: list(wrapped.values()),
            TITLE: title,
            SUBTITLE: wrap(subtitle, SUBTITLE_LINE).split("\n"),
        },
    )
    assert isinstance(spec, dict)
    spec["datasets"] = {DATA: values}
    return spec


def chart(
    stem: str,
    title: str,
    subtitle: str,
    words: str,
    rows: pl.DataFrame,
    drawn: list[tuple[str, str, str]] | None = None,
) -> fmt.Chart:
    """A chart with its specification, description and data (its CSV); ``drawn``: its
    :func:`figure_lines`, when worked out once for many charts."""
    data = rows.select(
        "panel",
        "indicator_id",
        "series",
        "kind",
        "area_code",
        "period",
        "period_end",
        pl.col("value").round(6),
        (pl.col("flagged_value") if "flagged_value" in rows.columns else pl.lit(None))
        .cast(pl.Float64)
        .round(6)
        .alias("flagged_value"),  # a flagged figure the chart leaves out (see its caveat)
    )
    description = f"{title}. {subtitle} {words}".strip()
    spec = specification(rows, title, subtitle)
    if drawn is None:
        drawn = next(iter(figure_lines(rows).values()), [])
    return fmt.Chart(stem, title, description, spec, data, figures=figures_html(drawn, title))
