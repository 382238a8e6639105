"""A chart in words, for a reader who cannot see it: the description (which council is highest,
what moved), the flagged figures, the figures table beside it and the subtitle.
"""

from __future__ import annotations

import html

import polars as pl

from cscbench.publish import formatting as fmt

TOTAL_UNITS = ("number", "fte", "gbp_thousand", "days")
NO_TOTALS = (
    "Totals (counts, FTE, spending in £ thousand) are one council's own and are not set beside "
    "the region's or England's."
)


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
