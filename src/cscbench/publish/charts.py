"""Trend charts: each council's line beside its region, England and its neighbours' median.

A chart is a Vega-Altair specification, faceted one panel per indicator, over every period the
package holds. Every line in a panel shares its scale, which starts at zero (all the indicators
charted are counts, rates, percentages or money, which read from zero; a change in spending
crosses it); the panels have their own scales, since their units differ, and say the unit in their
heading. A council's total (a count, FTE or money in thousands) is not comparable with a region's
or England's total, so those two lines are left out of such panels and the subtitle says so.

vl-convert renders the specification to SVG (placed in the page, with a title and a description
for screen readers) and PNG (beside it, for reports) without a browser, in a pool of worker
processes (:mod:`cscbench.chartworker`) that starts before the tables are written, so the charts
render while the main process builds the HTML. The rows of all councils are built in one pass and
then split; the figures each chart draws are also its CSV.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import polars as pl

from cscbench import chartworker
from cscbench.domain import ENGLAND
from cscbench.publish import formatting as fmt
from cscbench.publish import navigation, site, themes
from cscbench.publish.context import Context

WIDTH, HEIGHT, COLUMNS = 190, 110, 3  # one panel, in pixels; panels per row
# Each axis takes exactly this room (labels, ticks, padding), so every panel of a rendered chart
# can be cut out of it with the same margins for the phone layout (:func:`phone_html`).
Y_EXTENT, X_EXTENT = 46, 44
PANEL_LINE = 26  # characters before a panel heading wraps
SUBTITLE_LINE = 110
TOTAL_UNITS = ("number", "fte", "gbp_thousand", "days")
KIND_ORDER = {"council": 0, "neighbours": 1, "region": 2, "england": 3}
# Colour repeats the legend's dash pattern, never the only signal; blue, orange and purple stay
# apart for the common colour-vision deficiencies, England is grey.
COUNCIL_COLOURS = ("#1d4e89", "#b35806", "#1b7837", "#762a83")
REGION_COLOURS, ENGLAND_COLOUR = ("#6a3d9a", "#8c510a"), "#4d4d4d"
DASHES = {"council": [1, 0], "neighbours": [5, 2], "region": [9, 3], "england": [2, 2]}
MAX_WORKERS = 2
MIN_POOLED = 4  # fewer charts than this render in one worker
NO_TOTALS = (
    "Totals (counts, FTE, spending in £ thousand) are one council's own and are not set beside "
    "the region's or England's."
)


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


# ---------------------------------------------------------------------------- words


def describe(rows: pl.DataFrame) -> dict[str, str]:
    """owner -> the chart in words: for each panel and line, its first and latest figure."""
    value = fmt.with_unit(fmt.number_text(pl.col("value"), pl.col("decimals")), pl.col("unit"))
    held = rows.filter(pl.col("value").is_not_null()).with_columns(value.alias("_text"))
    left_out = flagged_words(rows)
    ends = held.group_by(
        "owner", "_panel", "panel", "_kind", "pos", "series", maintain_order=True
    ).agg(
        pl.col("period").first().alias("p0"),
        pl.col("_text").first().alias("v0"),
        pl.col("period").last().alias("p1"),
        pl.col("_text").last().alias("v1"),
    )
    line = pl.col("series") + pl.when(pl.col("p0") == pl.col("p1")).then(
        " " + pl.col("v1") + " (" + pl.col("p1") + ")"
    ).otherwise(
        " from "
        + pl.col("v0")
        + " ("
        + pl.col("p0")
        + ") to "
        + pl.col("v1")
        + " ("
        + pl.col("p1")
        + ")"
    )
    panels = (
        ends.sort("owner", "_panel", "_kind", "pos", "series")
        .group_by("owner", "_panel", "panel", maintain_order=True)
        .agg(line.str.join("; ").alias("_lines"))
        .with_columns((pl.col("panel") + ": " + pl.col("_lines") + ".").alias("_panel_text"))
        .group_by("owner", maintain_order=True)
        .agg(pl.col("_panel_text").str.join(" "))
    )
    return {owner: text + left_out.get(owner, "") for owner, text in panels.iter_rows()}


def flagged_words(rows: pl.DataFrame) -> dict[str, str]:
    """owner -> the flagged figures its chart leaves out, in words (empty when none)."""
    if "flagged_value" not in rows.columns:
        return {}
    out = (
        rows.filter(pl.col("flagged_value").is_not_null())
        .group_by("owner", "_panel", "panel", "pos", "series", maintain_order=True)
        .agg(pl.col("period").sort().str.join(", ").alias("_periods"))
        .sort("owner", "_panel", "pos")
        .with_columns(pl.col("series") + ", " + pl.col("panel") + ": " + pl.col("_periods"))
        .group_by("owner", maintain_order=True)
        .agg(pl.col("series").str.join("; ").alias("_which"))
    )
    return {
        owner: f" Flagged figures are not drawn (see their caveats in the tables): {which}."
        for owner, which in out.iter_rows()
    }


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


def figure_lines(rows: pl.DataFrame) -> dict[str, list[tuple[str, str, str]]]:
    """owner -> (panel, line, "2017: 16.7; 2018: 13.8; ...") for every line of its chart, in
    one pass over the rows of all charts (a pass per chart would cost seconds)."""
    value = fmt.with_unit(fmt.number_text(pl.col("value"), pl.col("decimals")), pl.col("unit"))
    grouped = (
        rows.with_columns(
            pl.when(pl.col("value").is_not_null())
            .then(value)
            .when(_flagged(rows))
            .then(_flagged_text(rows))
            .otherwise(pl.lit(fmt.NO_FIGURE))
            .alias("_text")
        )
        .group_by("owner", "_panel", "panel", "_kind", "pos", "series", maintain_order=True)
        .agg((pl.col("period") + ": " + pl.col("_text")).str.join("; ").alias("_values"))
        .sort("owner", "_panel", "_kind", "pos", "series")
    )
    out: dict[str, list[tuple[str, str, str]]] = {}
    for owner, panel, series, values in grouped.select(
        "owner", "panel", "series", "_values"
    ).iter_rows():
        out.setdefault(owner, []).append((panel, series, values))
    return out


def _flagged(rows: pl.DataFrame) -> pl.Expr:
    return (
        pl.col("flagged_value").is_not_null() if "flagged_value" in rows.columns else pl.lit(False)
    )


def _flagged_text(rows: pl.DataFrame) -> pl.Expr:
    """A flagged figure in the table of figures: its value, and that it is not drawn."""
    if "flagged_value" not in rows.columns:
        return pl.lit(fmt.NO_FIGURE)
    number = fmt.number_text(pl.col("flagged_value"), pl.col("decimals"))
    return fmt.with_unit(number, pl.col("unit")) + " (flagged: not drawn)"


def figures_html(drawn: list[tuple[str, str, str]], title: str) -> str:
    """Every figure the chart draws, by panel and line, period by period: the exact value of
    every point, in the page, for a reader who cannot hover over or read the lines."""
    body = "".join(
        f"<tr><td>{html.escape(panel)}</td><th scope='row'>{html.escape(series)}</th>"
        f"<td>{html.escape(values)}</td></tr>"
        for panel, series, values in drawn
    )
    name = html.escape(f"Every figure drawn: {title} (scrolls sideways)", quote=True)
    return (
        "<details><summary>Every figure drawn, period by period</summary>"
        f'<div class="wide" tabindex="0" role="region" aria-label="{name}"><table class="index">'
        "<thead><tr><th scope='col'>Panel</th><th scope='col'>Line</th>"
        "<th scope='col'>Figures</th></tr></thead>"
        f"<tbody>{body}</tbody></table></div></details>"
    )


def subtitle_for(rows: pl.DataFrame, lead: str) -> str:
    """What the lines are, and the totals note when a panel leaves region and England out."""
    note = f" {NO_TOTALS}" if rows["unit"].is_in(TOTAL_UNITS).any() else ""
    return (
        f"{lead} Every period held; each panel has its own scale, starting at zero; a gap is a "
        f"period with no figure.{note}"
    )


# ---------------------------------------------------------------------------- rendering


def chart_id(stem: str) -> str:
    return stem.replace("/", "-")


ID = re.compile(r'\bid="([^"]+)"')
# Vega gives its groups and marks ARIA roles; inside an image (the root's role="img", named and
# described) they are noise a checker reports as unnamed graphics, so they are taken off.
INNER_ARIA = re.compile(r'\s(?:role|aria-roledescription|aria-label)="[^"]*"')
REFERENCE = re.compile(r'(url\(#|href="#)([^")]+)')


def accessible_svg(svg: str, chart: fmt.Chart, key: str) -> str:
    """The SVG as an image with a name and a description (``role="img"``, ``<title>``,
    ``<desc>``), its internal ids prefixed by the chart's so two charts on a page never share one,
    and the content key it was rendered from (``data-key``: see :func:`content_key`)."""
    cid = chart_id(chart.stem)
    svg = ID.sub(lambda m: f'id="{cid}-{m[1]}"', svg)
    svg = REFERENCE.sub(lambda m: f"{m[1]}{cid}-{m[2]}", svg)
    head_end = svg.index(">", svg.index("<svg")) + 1
    opening = svg[:head_end].replace(
        "<svg ",
        f'<svg role="img" aria-labelledby="{cid}-title" aria-describedby="{cid}-desc" '
        f'focusable="false" data-key="{key}" ',
        1,
    )
    title = f'<title id="{cid}-title">{html.escape(chart.title)}</title>'
    desc = f'<desc id="{cid}-desc">{html.escape(chart.description)}</desc>'
    inner = INNER_ARIA.sub("", svg[head_end:])
    end = inner.rindex("</svg>")
    # one group holding the drawing, so the phone layout can show each panel of it (<use>)
    drawing = f'<g id="{cid}-all">{inner[:end]}</g>{inner[end:]}'
    return opening + title + desc + drawing


# ---------------------------------------------------------------------------- phone layout

GROUP_TAG = re.compile(r"<(/?)g\b([^>]*)>")
TRANSLATE = re.compile(r'transform="translate\(([-\d.e]+),([-\d.e]+)\)"')


def panel_boxes(svg: str) -> list[tuple[float, float, float, float]]:
    """Each panel's box (x, y, width, height) in the chart's coordinates, in panel order: the
    plot, its axes (whose room is fixed: :data:`Y_EXTENT`, :data:`X_EXTENT`) and its heading.

    Read from the SVG vl-convert drew: the root group's offset, then each facet cell's offset
    and its heading's; nothing is measured or guessed from text."""
    start = svg.find("role-scope cell")
    root = TRANSLATE.search(svg)
    if start < 0 or root is None:
        return []
    ox, oy = float(root[1]), float(root[2])
    depth = 0  # inside the cells' scope group: its children (depth 1) are the cells
    boxes: list[tuple[float, float, float]] = []
    for tag in GROUP_TAG.finditer(svg, start):
        if tag[1] == "/":
            depth -= 1
            if depth < 0:
                break
            continue
        if tag[2].rstrip().endswith("/"):
            continue
        depth += 1
        move = TRANSLATE.search(tag[2])
        if move is None:
            continue
        if depth == 1:
            boxes.append((float(move[1]), float(move[2]), 0.0))
        elif depth == 4 and boxes and "role-title" in svg[svg.rfind("<g", 0, tag.start()) :][:80]:
            x, y, _ = boxes[-1]
            boxes[-1] = (x, y, float(move[2]))  # the heading sits above the plot
    out = []
    for x, y, heading in boxes:
        top = min(heading, 0.0) - 2
        out.append(
            (
                ox + x - Y_EXTENT,
                oy + y + top,
                Y_EXTENT + WIDTH + 4,
                -top + HEIGHT + X_EXTENT,
            )
        )
    return out


def legend_html(spec: dict) -> str:
    """The chart's legend as a list (a line sample in the series' colour and dash, and its
    name), for the phone layout, where the drawn legend would be too small to read."""
    encoding = spec.get("spec", {}).get("encoding", {})
    colour = encoding.get("color", {}).get("scale", {})
    dash = encoding.get("strokeDash", {}).get("scale", {})
    items = []
    for name, stroke, pattern in zip(
        colour.get("domain", []), colour.get("range", []), dash.get("range", []), strict=False
    ):
        dasharray = " ".join(str(n) for n in pattern)
        items.append(
            '<li><svg width="28" height="8" aria-hidden="true" focusable="false">'
            f'<line x1="0" y1="4" x2="28" y2="4" stroke="{html.escape(stroke, quote=True)}" '
            f'stroke-width="2" stroke-dasharray="{html.escape(dasharray, quote=True)}"/></svg> '
            f"{html.escape(name)}</li>"
        )
    return f'<ul class="legend">{"".join(items)}</ul>'


def phone_html(chart: fmt.Chart, svg: str) -> str | None:
    """The chart's panels one under another for a narrow screen, each a window onto the same
    drawing (``<use>``: nothing is rendered twice) at a size that keeps its axis text at least
    11 CSS px on a 390 px phone. Hidden from screen readers: the chart itself (named and
    described) is still in the page, only out of sight on a phone."""
    boxes = panel_boxes(svg)
    if not boxes:
        return None
    cid = chart_id(chart.stem)
    panels = "".join(
        f'<svg class="panel" viewBox="{x:g} {y:g} {w:g} {h:g}" focusable="false">'
        f'<use href="#{cid}-all"/></svg>'
        for x, y, w, h in boxes
    )
    return f'<div class="phone" aria-hidden="true">{legend_html(chart.spec)}{panels}</div>'


def content_key(chart: fmt.Chart) -> str:
    """What a chart's images are made from: its specification (data, words and style), the
    renderer's version and its fonts. The same key means byte-identical images, so a rebuild can
    reuse them."""
    import vl_convert

    spec = json.dumps(chart.spec, sort_keys=True)
    renderer = f"vl-convert {vl_convert.__version__}, {chartworker.FONTS}"
    text = f"{renderer}\n{chart.title}\n{chart.description}\n{spec}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def reused(previous: Path | None, chart: fmt.Chart, key: str, png: bool) -> Images | None:
    """The chart's images from the previous build of the site, if they were made from the same
    content (its SVG file carries the key; a PNG is reused only when there is one)."""
    if previous is None:
        return None
    svg_file = previous / f"{chart.stem}.svg"
    png_file = previous / f"{chart.stem}.png"
    try:
        svg = svg_file.read_text(encoding="utf-8") if svg_file.is_file() else ""
        if f'data-key="{key}"' not in svg[:2000] or (png and not png_file.is_file()):
            return None
        return svg, png_file.read_bytes() if png else None
    except (OSError, UnicodeDecodeError):
        return None


def workers(count: int) -> int:
    """Worker processes for ``count`` charts: at most two (the machine's cores are shared with
    the main process, which writes the tables meanwhile), one for a handful of charts. Every
    chart renders in a worker, so every chart is drawn with the same fonts
    (:func:`chartworker.own_fonts_env`)."""
    if count == 0:
        return 0
    if count < MIN_POOLED:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


Images = tuple[str, bytes | None]  # the accessible SVG, and the PNG (title and text inside)
Rendered = dict[str, Images]


class Rendering:
    """Charts being rendered by worker processes (:mod:`cscbench.chartworker`) while the caller
    goes on; :meth:`collect` waits for them.

    A chart whose images the previous build made from the same content (``previous``: the site
    being replaced) is not rendered again. The others are dealt out in turn to each worker as one
    batch on its standard input; a thread per worker feeds it and reads its results, so neither
    side ever blocks on a full pipe. Used as a context manager: leaving it, also on an error or
    Ctrl-C, kills every worker and removes the workers' (empty) font folder.
    """

    def __init__(
        self, charts: Sequence[fmt.Chart], png: bool, previous: Path | None = None
    ) -> None:
        self.charts = {c.stem: c for c in charts}
        self.keys = {c.stem: content_key(c) for c in charts}
        self.done: Rendered = {}
        jobs = []
        for c in charts:
            old = reused(previous, c, self.keys[c.stem], png)
            if old is not None:
                self.done[c.stem] = old
            else:
                jobs.append(json.dumps([c.stem, json.dumps(c.spec, sort_keys=True), png]))
        count = workers(len(jobs))
        self.procs: list[subprocess.Popen[bytes]] = []
        self.outputs: list[tuple[bytes, bytes]] = []
        self.threads: list[threading.Thread] = []
        self.fonts = Path(tempfile.mkdtemp(prefix="cscbench-fonts-")) if count else None
        for n in range(count):
            self.start("".join(j + "\n" for j in jobs[n::count]).encode("utf-8"))

    def start(self, batch: bytes) -> None:
        assert self.fonts is not None
        proc = subprocess.Popen(
            [sys.executable, "-m", "cscbench.chartworker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=chartworker.own_fonts_env(self.fonts),
        )
        slot = len(self.outputs)
        self.outputs.append((b"", b""))

        def feed() -> None:
            self.outputs[slot] = proc.communicate(batch)

        thread = threading.Thread(target=feed, daemon=True)
        thread.start()
        self.procs.append(proc)
        self.threads.append(thread)

    def __enter__(self) -> Rendering:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
        for thread in self.threads:
            thread.join()
        for proc in self.procs:
            proc.wait()
        if self.fonts is not None:
            shutil.rmtree(self.fonts, ignore_errors=True)
            self.fonts = None

    def collect(self) -> Rendered:
        """stem -> (accessible SVG, PNG or None), for every chart."""
        results: list[tuple[str, bytes, bytes]] = []
        for proc, thread, slot in zip(
            self.procs, self.threads, range(len(self.procs)), strict=True
        ):
            thread.join()
            out, err = self.outputs[slot]
            if proc.returncode != 0:
                tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
                raise RuntimeError(f"a chart worker failed (exit {proc.returncode}): {tail}")
            results += frames(out)
        out = dict(self.done)
        for stem, svg, png in results:
            chart = self.charts[stem]
            texts = {"Title": chart.title, "Description": chart.description}
            out[stem] = (
                accessible_svg(svg.decode("utf-8"), chart, self.keys[stem]),
                site.png_with_text(png, texts) if png else None,
            )
        missing = sorted(set(self.charts) - set(out))
        if missing:
            raise RuntimeError(f"charts not rendered: {missing[:5]}")
        self.close()
        return dict(sorted(out.items()))


def frames(output: bytes) -> list[tuple[str, bytes, bytes]]:
    """A worker's output read back: (stem, SVG, PNG) per chart."""
    out, at = [], 0
    while at < len(output):
        end = output.index(b"\n", at)
        header = json.loads(output[at:end])
        svg_end = end + 1 + header["svg"]
        png_end = svg_end + header["png"]
        out.append((header["stem"], output[end + 1 : svg_end], output[svg_end:png_end]))
        at = png_end
    return out


def render(charts: Sequence[fmt.Chart], png: bool, previous: Path | None = None) -> Rendered:
    with Rendering(charts, png, previous) as rendering:
        return rendering.collect()


def with_svgs(pages: Sequence[fmt.Page], rendered: Rendered) -> list[fmt.Page]:
    """The pages with each chart's SVG in place (and whether its PNG was written)."""
    out = []
    for page in pages:
        if not page.charts:
            out.append(page)
            continue
        sections = tuple(
            replace(
                section,
                parts=tuple(
                    replace(
                        p,
                        svg=rendered[p.stem][0],
                        png=rendered[p.stem][1] is not None,
                        phone=phone_html(p, rendered[p.stem][0]),
                    )
                    if isinstance(p, fmt.Chart)
                    else p
                    for p in section.parts
                ),
            )
            for section in page.sections
        )
        out.append(replace(page, sections=sections))
    return out


def write_files(root: Path, charts: Sequence[fmt.Chart], rendered: Rendered) -> int:
    """Each chart's CSV and SVG, and its PNG where rendered; returns the number of PNGs."""
    written = 0
    for c in charts:
        svg, png = rendered[c.stem]
        fmt.write_csv(c.data, site.safe_file(root, c.stem, ".csv"))
        site.safe_file(root, c.stem, ".svg").write_text(svg, encoding="utf-8", newline="\n")
        if png is not None:
            site.safe_file(root, c.stem, ".png").write_bytes(png)
            written += 1
    return written
