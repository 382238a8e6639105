"""What a profile sets beside its own figures: each statistical neighbour's figure on every
headline indicator with its latest Ofsted grade, the Ofsted visits the council has had, and a
summary of the headline indicators' latest change at the top of the page.

Issue 18: a reader asked for Wakefield against each of its neighbours, not only their mean and
median, and for "is it getting better?" answered in a minute. Everything here is worked out for
all councils in one pass over the latest grid and then split per page; the better/worse direction
is compare's ``change_direction`` (by the indicator's polarity), never recomputed here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import polars as pl

from cscbench.analysis import comparison as compare
from cscbench.package import labels
from cscbench.publish import formatting as fmt
from cscbench.publish import layout
from cscbench.publish.change import SYMBOLS, change_text, marker_html
from cscbench.publish.context import Context
from cscbench.publish.headline import ofsted_rows

NOT_COMPARED = {
    "neutral": "neutral indicator (more is neither better nor worse)",
    "flagged": "not compared: a flagged figure (see its caveat)",
}
VISIT_TYPES = labels.labels("inspections", "inspection_type")


def why_no_direction() -> pl.Expr:
    """Why a change has no better/worse word: neutral indicator, flagged figure, or no change to
    speak of (either period has no figure)."""
    flagged = pl.col("flagged").fill_null(False) | pl.col("previous_flagged").fill_null(False)
    return (
        pl.when(pl.col("change_direction").is_not_null())
        .then(None)
        .when(pl.col("change").is_null())
        .then(None)
        .when(pl.col("indicator_polarity") == compare.NEUTRAL)
        .then(pl.lit(NOT_COMPARED["neutral"]))
        .when(flagged)
        .then(pl.lit(NOT_COMPARED["flagged"]))
    )


# ---------------------------------------------------------------------------- neighbours


@dataclass(frozen=True)
class Peers:
    """Per council code: its neighbours table, its visits and its headline summary (markup)."""

    neighbours: dict[str, fmt.Html]
    visits: dict[str, fmt.Html]
    summary: dict[str, fmt.Html]
    exports: dict[str, tuple[fmt.Table, ...]]  # the neighbours' and visits' CSVs, by council


def build(ctx: Context, profiles: dict[str, str], codes: list[str]) -> Peers:
    """:class:`Peers` for the councils ``codes`` (``profiles``: code -> profile stem)."""
    cells = headline_cells(ctx)
    grades = ofsted_cells(ctx, sorted(profiles))
    pairs = neighbour_list(ctx)
    exports: dict[str, list[fmt.Table]] = {}
    for code, data in neighbour_data(ctx, pairs, codes, grades).items():
        name = ctx.names.get(code, code)
        title = f"{name} and its statistical neighbours: the headline indicators"
        subtitle = "Each council's latest figure, as published (flagged figures with their caveat)."
        stem = profiles.get(code, code)
        exports.setdefault(code, []).append(
            fmt.Table(f"{stem}-neighbours", title, subtitle, None, data)
        )
    visits, visit_data = visits_html(ctx, codes, profiles)
    for code, data in visit_data.items():
        name = ctx.names.get(code, code)
        table = fmt.Table(
            f"{profiles.get(code, code)}-visits",
            f"{name}: Ofsted focused and monitoring visits",
            "Every visit in Ofsted's file, newest first.",
            None,
            data,
        )
        exports.setdefault(code, []).append(table)
    return Peers(
        {c: neighbours_html(ctx, c, pairs.get(c, []), cells, grades, profiles) for c in codes},
        visits,
        {c: summary_html(ctx, c) for c in codes},
        {c: tuple(t) for c, t in exports.items()},
    )


def csv_link(stem: str, suffix: str) -> str:
    """ "Download this table: CSV", from the profile page to the CSV beside it."""
    target = html.escape(stem.rsplit("/", 1)[-1] + suffix, quote=True)
    return f'<p class="downloads">Download this table: <a href="{target}.csv">CSV</a></p>'


def neighbour_data(
    ctx: Context,
    pairs: dict[str, list[tuple[int, str, str]]],
    codes: list[str],
    grades: dict[str, str],
) -> dict[str, pl.DataFrame]:
    """council code -> the figures of its neighbours table, tidy: one row per council shown and
    headline indicator (numbers at the indicator's decimals; the package keeps them exactly)."""
    listed = [
        (code, rank, other, closeness)
        for code in codes
        for rank, other, closeness in [(0, code, "this council"), *pairs.get(code, [])]
    ]
    if not listed:
        return {}
    frame = pl.DataFrame(listed, schema=["profile", "rank", "area_code", "closeness"], orient="row")
    figures = ctx.latest.filter(pl.col("indicator_id").is_in(list(ctx.headline))).select(
        pl.col("unit_code").alias("area_code"),
        "indicator_id",
        pl.col("label").alias("indicator"),
        "period",
        fmt.rounded(pl.col("value"), pl.col("decimals")).alias("value"),
        "status",
        "basis",
        "flagged",
        "caveat",
    )
    data = (
        frame.with_row_index("_row")
        .join(figures, on="area_code", how="left")
        .with_columns(
            pl.col("area_code").replace_strict(ctx.names, default=None).alias("council"),
            pl.col("area_code")
            .replace_strict(grades, default=None, return_dtype=pl.String)
            .alias("ofsted_latest"),
        )
        .sort("_row", "indicator_id")
        .select(
            "profile",
            "rank",
            "area_code",
            "council",
            "closeness",
            "indicator_id",
            "indicator",
            "period",
            "value",
            "status",
            "basis",
            "flagged",
            "caveat",
            "ofsted_latest",
        )
    )
    return {k[0]: v.drop("profile") for k, v in data.partition_by("profile", as_dict=True).items()}


def neighbour_list(ctx: Context) -> dict[str, list[tuple[int, str, str]]]:
    """council (series code) -> its neighbours (rank, series code, closeness), closest first."""
    series = ctx.areas.select("area_code", "series_code").with_columns(
        pl.col(pl.Enum, pl.Categorical).cast(pl.String)
    )
    rows = (
        ctx.frames["statistical_neighbours"]
        .with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
        .join(series, on="area_code")
        .join(
            series.rename({"area_code": "neighbour_code", "series_code": "nb"}),
            on="neighbour_code",
        )
        .sort("series_code", "rank")
    )
    out: dict[str, list[tuple[int, str, str]]] = {}
    for code, rank, nb, closeness in rows.select(
        "series_code", "rank", "nb", "closeness"
    ).iter_rows():
        out.setdefault(code, []).append((rank, nb, (closeness or "").strip() or "not given"))
    return out


@dataclass(frozen=True)
class Cell:
    """One council's latest figure on one headline indicator, as shown."""

    text: str
    caveat: str | None
    period: str


def headline_cells(ctx: Context) -> dict[tuple[str, str], Cell]:
    """(council code, indicator) -> its latest headline figure's text and caveat."""
    rows = ctx.latest.filter(
        pl.col("level") == "local_authority", pl.col("indicator_id").is_in(list(ctx.headline))
    ).select(
        "unit_code",
        "indicator_id",
        (fmt.figure_text("value", "status", "unit", "decimals") + fmt.joint_tag()).alias("t"),
        "caveat",
        fmt.period_text(pl.col("period"), pl.col("period_end")).alias("p"),
    )
    return {(u, i): Cell(t, c, p) for u, i, t, c, p in rows.iter_rows()}


def ofsted_cells(ctx: Context, codes: list[str]) -> dict[str, str]:
    """council code -> its latest overall effectiveness grade and month, or for an inspection
    under the April 2026 framework (no overall grade) its sub-judgements."""
    if not ctx.has("inspections"):
        return {}
    rows = ofsted_rows(ctx, codes)
    text = pl.when(pl.col("subjudgements").is_not_null()).then(
        pl.col("figure") + " (" + pl.col("subjudgements") + ")"
    )
    return dict(rows.select("unit_code", pl.coalesce(text, "figure")).iter_rows())


def neighbours_html(
    ctx: Context,
    code: str,
    pairs: list[tuple[int, str, str]],
    cells: dict[tuple[str, str], Cell],
    grades: dict[str, str],
    profiles: dict[str, str],
) -> fmt.Html:
    """The council and each of its 10 statistical neighbours, closest first: every headline
    figure, its latest Ofsted grade; a flagged figure carries a numbered note with its caveat."""
    if not pairs:
        return fmt.Html("<p>The DfE model names no statistical neighbours for this council.</p>")
    ids = list(ctx.headline)
    cid = f"nb-{code.lower()}"
    periods = {i: cell.period for (c, i), cell in cells.items() if c == code}
    heads = [
        f"<th scope='col'>{html.escape(ctx.short_labels.get(i, i))}<br>"
        f"<span class='note'>{html.escape(periods.get(i, ''))}</span></th>"
        for i in ids
    ]
    if grades:
        heads.append("<th scope='col'>Ofsted, latest overall effectiveness</th>")
    notes: list[str] = []
    body = []
    for rank, other, closeness in [(0, code, "this council"), *pairs]:
        name = ctx.names.get(other, other)
        shown = html.escape(name)
        if other != code and other in profiles:
            shown = layout.link(layout.href(profiles[other], 1), name)
        figures = []
        for i in ids:
            cell = cells.get((other, i))
            if cell is None:
                figures.append(f"<td>{fmt.NO_FIGURE}</td>")
                continue
            mark = ""
            if cell.caveat:
                notes.append(
                    f'<li id="{cid}-{len(notes) + 1}">{html.escape(name)}, '
                    f"{html.escape(ctx.short_labels.get(i, i))} ({html.escape(cell.period)}): "
                    f"{html.escape(fmt.FLAGGED_PREFIX + cell.caveat)}</li>"
                )
                mark = (
                    f' <a href="#{cid}-{len(notes)}" class="flag">(flagged, note {len(notes)})</a>'
                )
            figures.append(f"<td>{html.escape(cell.text)}{mark}</td>")
        if grades:
            figures.append(f"<td>{html.escape(grades.get(other, 'no inspection on record'))}</td>")
        first = "" if rank == 0 else str(rank)
        row_class = ' class="self"' if rank == 0 else ""
        body.append(
            f"<tr{row_class}><td>{first}</td><th scope='row'>{shown}</th>"
            f"<td>{html.escape(closeness)}</td>{''.join(figures)}</tr>"
        )
    name = ctx.names.get(code, code)
    table = (
        f'<div class="wide" tabindex="0" role="region" aria-label="{html.escape(name, quote=True)} '
        'and its statistical neighbours (scrolls sideways)"><table class="index neighbours">'
        f"<caption class='note'>{html.escape(name)} and its statistical neighbours: each one's "
        "latest figure on the headline indicators</caption><thead><tr><th scope='col'>Rank</th>"
        "<th scope='col'>Council</th><th scope='col'>Closeness</th>"
        + "".join(heads)
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )
    intro = (
        "<p>The DfE 2025 statistical neighbour model's 10 councils most like this one, closest "
        "first, each with its own latest figure on every headline indicator (the neighbour mean "
        "and median in the indicator table are theirs) and its latest Ofsted grade. A flagged figure "
        "is shown as published with its caveat and is left out of the neighbour mean and median."
        "</p>"
    )
    tail = f"<ol class='notes'>{''.join(notes)}</ol>" if notes else ""
    return fmt.Html(intro + table + tail + csv_link(profiles.get(code, code), "-neighbours"))


# ---------------------------------------------------------------------------- visits


def visits_html(
    ctx: Context, codes: list[str], profiles: dict[str, str]
) -> tuple[dict[str, fmt.Html], dict[str, pl.DataFrame]]:
    """council code -> its Ofsted focused and monitoring visits, newest first (date, type, theme,
    report link where Ofsted's file gives one), and the councils' visits as data for their CSV."""
    if not ctx.has("inspections"):
        gap = fmt.Html(f"<p>Ofsted visits are {fmt.NOT_IN_PACKAGE}.</p>")
        return {c: gap for c in codes}, {}
    every = compare.visits(ctx.frames["inspections"], ctx.areas)
    # a visit Ofsted lists without a publication date is dated by its fieldwork
    when = pl.coalesce("fieldwork_start", "publication_date")
    span = ""
    if every.height:
        first, last = every.select(when.min()).item(), every.select(when.max()).item()
        span = f", fieldwork {first:%b %Y} to {last:%b %Y}"
    shown = (
        every.filter(pl.col("unit_code").is_in(codes))
        .with_columns(when.alias("_when"))
        .sort("unit_code", "_when", "inspection_type", descending=[False, True, False])
    )
    start = pl.col("fieldwork_start")
    rows = shown.select(
        "unit_code",
        pl.coalesce(
            fmt.date_text(pl.col("publication_date")), pl.lit("not in Ofsted's file")
        ).alias("published"),
        pl.col("inspection_type")
        .replace_strict(VISIT_TYPES, default=pl.col("inspection_type"), return_dtype=pl.String)
        .alias("type"),
        pl.when(start.is_null())
        .then(pl.lit("not recorded"))
        .when(pl.col("fieldwork_end").is_null())
        .then(pl.lit("from ") + fmt.date_text(start))
        .otherwise(fmt.date_text(start) + " to " + fmt.date_text(pl.col("fieldwork_end")))
        .alias("fieldwork"),
        pl.coalesce("theme", pl.lit("not recorded")).alias("theme"),
        "report_url",
    )
    data = shown.select(
        pl.col("unit_code").alias("area_code"),
        pl.col("source_code").alias("code_published"),
        "framework",
        "inspection_type",
        "fieldwork_start",
        "fieldwork_end",
        "publication_date",
        "theme",
        "report_url",
        "source_id",
    )
    parts = {k[0]: v for k, v in data.partition_by("area_code", as_dict=True).items()}
    lead = (
        "<p>Ofsted's focused and monitoring visits between full inspections look at one theme and "
        f"give no grade (Ofsted's files of visits{span}).</p>"
    )
    out: dict[str, fmt.Html] = {}
    by_code: dict[str, list[str]] = {}
    for code, published, kind, fieldwork, theme, url in rows.iter_rows():
        report = fmt.safe_link(url, "report") if url else "no link in Ofsted's file"
        by_code.setdefault(code, []).append(
            f"<tr><td>{html.escape(published)}</td><td>{html.escape(kind)}</td>"
            f"<td>{html.escape(fieldwork)}</td><td>{html.escape(theme)}</td><td>{report}</td></tr>"
        )
    head = (
        "<thead><tr><th scope='col'>Published</th><th scope='col'>Visit</th>"
        "<th scope='col'>Fieldwork</th><th scope='col'>Theme</th><th scope='col'>Report</th>"
        "</tr></thead>"
    )
    for code in codes:
        items = by_code.get(code)
        if not items:
            out[code] = fmt.Html(lead + "<p>No focused or monitoring visit on record.</p>")
            continue
        name = html.escape(ctx.names.get(code, code), quote=True)
        out[code] = fmt.Html(
            lead + f'<div class="wide" tabindex="0" role="region" aria-label="{name}: Ofsted '
            'visits (scrolls sideways)"><table class="index visits">'
            f"<caption class='note'>{name}: Ofsted focused and monitoring visits ({len(items)})"
            f"</caption>{head}<tbody>{''.join(items)}</tbody></table></div>"
            + csv_link(profiles.get(code, code), "-visits")
        )
    return out, parts


# ---------------------------------------------------------------------------- summary


def summary_html(ctx: Context, code: str) -> fmt.Html:
    """The headline indicators' latest figure and change since the period before, with the
    better/worse marker and a count of each: "is this council getting better?" at a glance."""
    rows = summary_rows(ctx).get(code)
    if rows is None or rows.height == 0:
        return fmt.Html("")
    directions = rows["change_direction"].to_list()
    counts = {d: directions.count(d) for d in SYMBOLS}
    named = [f"{n} {d}" for d, n in counts.items() if n]
    total = rows.height
    if named:
        said = ", ".join(named)
        lead = (
            f"Of its {total} headline indicators, {said} since the previous period (better or "
            "worse by each indicator's polarity; the rest are neutral, flagged or have no earlier "
            "figure)."
        )
    else:
        lead = f"None of its {total} headline indicators has a change marked better or worse."
    body = []
    for label, figure, period, change, direction, why in rows.select(
        "label", "figure", "period_text", "change_text", "change_direction", "why"
    ).iter_rows():
        marker = marker_html(direction) or html.escape(why or fmt.DASH)
        body.append(
            f"<tr><th scope='row'>{html.escape(label)}</th><td>{html.escape(period)}</td>"
            f"<td>{html.escape(figure)}</td><td>{html.escape(change)}</td><td>{marker}</td></tr>"
        )
    name = ctx.names.get(code, code)
    return fmt.Html(
        f"<p>{html.escape(lead)}</p>"
        f'<div class="wide" tabindex="0" role="region" aria-label="{html.escape(name, quote=True)}:'
        ' latest change on the headline indicators (scrolls sideways)"><table class="index summary">'
        f"<caption class='note'>{html.escape(name)}: the headline indicators, latest change"
        "</caption><thead><tr><th scope='col'>Indicator</th><th scope='col'>Period</th>"
        "<th scope='col'>Figure</th><th scope='col'>Change since previous period</th>"
        "<th scope='col'>Better or worse</th></tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )


def summary_rows(ctx: Context) -> dict[str, pl.DataFrame]:
    """council code -> its headline rows (in headline order) with the summary's texts, computed
    once per publish run."""
    memo = ctx.memo.get("peer_summary")
    if memo is None:
        order = {i: n for n, i in enumerate(ctx.headline)}
        rows = (
            ctx.latest.filter(
                pl.col("level") == "local_authority",
                pl.col("indicator_id").is_in(list(ctx.headline)),
            )
            .with_columns(
                pl.col("indicator_id").replace_strict(order, return_dtype=pl.Int64).alias("_o"),
                pl.col("indicator_id")
                .replace_strict(ctx.short_labels, default=pl.col("indicator_id"))
                .alias("label"),
                (fmt.figure_text("value", "status", "unit", "decimals") + fmt.joint_tag()).alias(
                    "figure"
                ),
                fmt.period_text(pl.col("period"), pl.col("period_end")).alias("period_text"),
                change_text().alias("change_text"),
                why_no_direction().alias("why"),
            )
            .sort("unit_code", "_o")
        )
        memo = {k[0]: v for k, v in rows.partition_by("unit_code", as_dict=True).items()}
        ctx.memo["peer_summary"] = memo
    return memo
