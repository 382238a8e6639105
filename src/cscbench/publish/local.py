"""Local returns on the site (``publish --extension``): a partnership's own figures, kept apart.

A partnership's extension package (:mod:`cscbench.extension`) holds figures it collected itself,
often ahead of DfE's annual statistics. They are shown beside the official ones, never mixed in:
each return gets its own block on the profiles, group pages and the compare page it concerns,
headed "Local return: PARTNERSHIP, collected DATE", with its source; where the official package
has a figure for the same indicator, period, period end and council, both are shown with the
difference (local minus official). A page with local figures says so in a banner under its title, and a
demonstration return says "demonstration data" on every figure.

Nothing here touches the comparison grid: local figures are never ranked, banded, counted in
neighbour statistics, key findings, indicator pages, the search index, the workbook or the
official CSVs; each return has its own CSV (``local/<name>.csv``). Without ``--extension`` no
page changes by a byte.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cscbench.publish import formatting as fmt
from cscbench.publish import layout, navigation
from cscbench.publish.context import Context

if TYPE_CHECKING:
    from cscbench.extension import Extension

FOLDER = "local"
DATA_FILE = "compare-local-data.js"
SCRIPT_FILE = "compare-local.js"
GLOBAL = "CSCBENCH_LOCAL"
COMPARE_ANCHOR = "local"
DEMO = "demonstration data"
NO_OFFICIAL = "no official figure"
DIFFERENCE = "Difference (local minus official)"
HEADINGS = (
    "Indicator",
    "Period",
    "Local figure",
    "Official figure",
    DIFFERENCE,
    "Collected",
    "Source",
)
BANNER_STYLE = "border:2px solid #8a4b00;background:#fff8e6;padding:.5rem .8rem;margin:.6rem 0"
# The return's own CSV: every local figure with the official figure it sits beside.
CSV_COLUMNS = [
    "extension",
    "partnership",
    "area_code",
    "council_code",
    "council",
    "indicator_id",
    "indicator",
    "unit",
    "period",
    "period_end",
    "value",
    "status",
    "official_value",
    "official_status",
    "difference",
    "collected_by",
    "collected_on",
    "source",
    "demonstration",
]


@dataclass(frozen=True)
class LocalReturn:
    """One extension's figures ready for the pages: ``rows`` has :data:`CSV_COLUMNS` and the
    texts a reader sees (``*_text``), one row per local figure."""

    name: str
    partnership: str
    stem: str  # its CSV, under the site root without suffix: local/<name>
    rows: pl.DataFrame

    @property
    def anchor(self) -> str:
        return "local-" + self.stem.removeprefix(FOLDER + "/")

    @property
    def demonstration(self) -> bool:
        return bool(self.rows["demonstration"].any())

    @property
    def collected(self) -> str:
        """ "30 Jun 2026", or "1 Jul 2026 to 15 Jul 2026" when rows were collected on different
        days; "on a date not given" when no row says."""
        dates = self.rows.drop_nulls("collected_on").sort("collected_on")["collected_text"]
        if dates.is_empty():
            return "on a date not given"
        first, last = dates[0], dates[-1]
        return first if first == last else f"{first} to {last}"

    @property
    def heading(self) -> str:
        return f"Local return: {self.partnership}, collected {self.collected}"


# ---------------------------------------------------------------------------- the figures


def returns(ctx: Context, extensions: Sequence[Extension]) -> tuple[LocalReturn, ...]:
    """Each extension's figures beside the official ones; CSV names kept distinct."""
    wanted = [fmt.slug(e.name) or "return" for e in extensions]
    names = fmt.distinct(wanted)
    return tuple(
        LocalReturn(ext.name, ext.partnership, f"{FOLDER}/{name}", rows(ctx, ext))
        for ext, name in zip(extensions, names, strict=True)
    )


def indicator_meta(ctx: Context, own: pl.DataFrame) -> pl.DataFrame:
    """Label, unit and decimals of every official indicator and the extension's own."""
    columns = ("indicator_id", "label", "unit", "decimals")
    frames = [
        f.select(
            pl.col("indicator_id").cast(pl.String),
            pl.col("label").cast(pl.String),
            pl.col("unit").cast(pl.String),
            pl.col("decimals").cast(pl.Int64),
        )
        for f in (ctx.indicators, own)
        if set(columns) <= set(f.columns)
    ]
    return pl.concat(frames).unique("indicator_id", keep="first", maintain_order=True)


def rows(ctx: Context, ext: Extension) -> pl.DataFrame:
    """The return's figures, each with the official figure for the same council, indicator, period
    and period end when the package has one and the difference, exactly as ``compare(...,
    extension=DIR)`` gives them (:func:`cscbench.extension.api.with_official`), and the texts
    the pages show."""
    from cscbench.extension.api import with_official

    # typed by the reader; its unit is the indicator's (checked there), taken from the indicator
    joined = (
        with_official(ext, ctx.descriptor)
        .drop("unit", strict=False)
        .join(indicator_meta(ctx, ext.indicators), on="indicator_id", how="left")
        .with_columns(
            pl.lit(ext.name).alias("extension"),
            pl.lit(ext.partnership).alias("partnership"),
            pl.col("council_code").replace_strict(ctx.names, default=None).alias("council"),
            pl.col("label").alias("indicator"),
            fmt.rounded(pl.col("difference"), pl.col("decimals")).alias("difference"),
        )
    )
    return joined.with_columns(texts()).sort(
        "council", "council_code", "indicator", "indicator_id", "period", "period_end"
    )


def texts() -> list[pl.Expr]:
    """What a reader sees of a local figure: its label, period, figure (marked when it is
    demonstration data), the official figure, the difference with its sign, collected when and
    by whom."""
    demo = pl.col("demonstration").fill_null(False)
    figure = fmt.figure_text("value", "status", "unit", "decimals")
    has_official = pl.col("official_value").is_not_null() | pl.col("official_status").is_not_null()
    diff = pl.col("difference")
    sign = pl.when(diff > 0).then(pl.lit("+")).otherwise(pl.lit(""))
    superseded = pl.col("area_code") != pl.col("council_code")
    label = fmt.display_label(pl.col("label"), pl.col("unit"))
    return [
        pl.when(superseded)
        .then(label + " (returned under the superseded code " + pl.col("area_code") + ")")
        .otherwise(label)
        .alias("indicator_text"),
        fmt.period_text(pl.col("period"), pl.col("period_end")).alias("period_text"),
        pl.when(demo).then(figure + f" ({DEMO})").otherwise(figure).alias("figure_text"),
        pl.when(has_official)
        .then(fmt.figure_text("official_value", "official_status", "unit", "decimals"))
        .otherwise(pl.lit(NO_OFFICIAL))
        .alias("official_text"),
        pl.when(diff.is_not_null())
        .then(sign + fmt.unit_number("difference"))
        .otherwise(pl.lit(fmt.DASH))
        .alias("difference_text"),
        fmt.date_text(pl.col("collected_on")).alias("collected_text"),
    ]


def csv_frame(ret: LocalReturn) -> pl.DataFrame:
    return ret.rows.select(CSV_COLUMNS)


# ---------------------------------------------------------------------------- the markup


def source_html(source: str | None) -> str:
    """A row's source: a link when it is a web address, else its text."""
    if not source:
        return "not given"
    if source.startswith(("https://", "http://")):
        return layout.link(source, source)
    return html.escape(source)


def block(ret: LocalReturn, part: pl.DataFrame, depth: int, councils: bool) -> str:
    """One return's figures for a page: its heading, what they are, a table (a council column
    when ``councils``), and its CSV."""
    csv = html.escape(layout.href(ret.stem, depth).removesuffix(".html") + ".csv", quote=True)
    intro = (
        f"Figures {html.escape(ret.partnership)} collected itself, not published by DfE. They "
        "are shown beside the official statistics and never mixed in: they are not ranked, "
        "banded or counted in neighbour statistics or key findings, and are not in the official "
        f"downloads. {DIFFERENCE}: the local figure minus the official one for the same "
        "indicator, period, date and council, where the official package has one."
    )
    demo = (
        f"<p><strong>{DEMO.capitalize()}:</strong> these figures are synthetic, made to show how "
        "a local return is published; they describe no council.</p>"
        if part["demonstration"].any()
        else ""
    )
    head = ["Council", *HEADINGS] if councils else list(HEADINGS)
    body = []
    for row in part.iter_rows(named=True):
        cells = [row["council"] or row["council_code"]] if councils else []
        cells += [row["indicator_text"] or row["indicator_id"], row["period_text"]]
        cells += [row["figure_text"], row["official_text"], row["difference_text"]]
        collected = " by ".join(t for t in (row["collected_text"], row["collected_by"]) if t)
        first, *rest = (html.escape(str(c or "")) for c in [*cells, collected])
        body.append(
            f'<tr><th scope="row">{first}</th>'
            + "".join(f"<td>{c}</td>" for c in rest)
            + f"<td>{source_html(row['source'])}</td></tr>"
        )
    label = html.escape(f"{ret.heading} (scrolls sideways)", quote=True)
    table = (
        f'<div class="wide" tabindex="0" role="region" aria-label="{label}">'
        f'<table class="index local-table"><caption>{html.escape(ret.heading)}</caption><thead><tr>'
        + "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )
    return (
        f'<p>{intro}</p>{demo}{table}<p class="downloads">Download this return\'s figures: '
        f'<a href="{csv}">CSV ({html.escape(ret.name)})</a></p>'
    )


def section(ret: LocalReturn, part: pl.DataFrame, depth: int, councils: bool) -> fmt.Section:
    return fmt.Section(ret.anchor, ret.heading, (fmt.Html(block(ret, part, depth, councils)),))


def banner(shown: Sequence[LocalReturn], anchor: str | None = None) -> fmt.Html:
    """The note under a page's title: it has local figures, whose, and where (each return's
    section, or ``anchor`` for all of them)."""
    links = " and ".join(
        f'<a href="#{html.escape(anchor or r.anchor, quote=True)}">{html.escape(r.partnership)}</a>'
        + (f" ({DEMO})" if r.demonstration else "")
        for r in shown
    )
    return fmt.Html(
        f'<div class="local-banner" role="note" style="{BANNER_STYLE}"><p><strong>This page '
        f"includes local figures</strong> from a partnership's own return: {links}. They are in "
        "their own section below, beside the official statistics, never ranked or mixed with "
        "them.</p></div>"
    )


# ---------------------------------------------------------------------------- the pages


def decorate(
    ctx: Context, pages: Sequence[fmt.Page], given: Sequence[LocalReturn]
) -> list[fmt.Page]:
    """The pages with each return's block on the profiles and group pages it concerns, and on
    the compare page; unchanged when there is no return."""
    if not given:
        return list(pages)
    profiles = {stem: code for code, stem in navigation.places(ctx).profiles.items()}
    groups = {f"groups/{g.slug}": g.codes for g in ctx.groups.pages}
    out = []
    for page in pages:
        depth = page.stem.count("/")
        if page.stem in profiles:
            out.append(with_local(page, given, [profiles[page.stem]], depth, councils=False))
        elif page.section == "groups" and page.stem in groups:
            out.append(with_local(page, given, list(groups[page.stem]), depth, councils=True))
        elif page.stem == "compare":
            out.append(compare_page(page, given))
        else:
            out.append(page)
    return out


def with_local(
    page: fmt.Page, given: Sequence[LocalReturn], codes: list[str], depth: int, councils: bool
) -> fmt.Page:
    """The page with a section per return that has figures for ``codes`` and the banner."""
    added, shown = [], []
    for ret in given:
        part = ret.rows.filter(pl.col("council_code").is_in(codes))
        if part.is_empty():
            continue
        added.append(section(ret, part, depth, councils))
        shown.append(ret)
    if not added:
        return page
    return replace(page, banner=banner(shown), local=tuple(added))


def compare_page(page: fmt.Page, given: Sequence[LocalReturn]) -> fmt.Page:
    """The compare page's local section: filled by ``compare-local.js`` for the councils
    chosen; without script, each return's CSV."""
    csvs = " · ".join(layout.link(f"{r.stem}.csv", f"{r.partnership} ({r.name})") for r in given)
    markup = (
        "<p>Each return's figures for the councils chosen, with the official figure for the same "
        "indicator, period, date and council and the difference (local minus official). They are never "
        "ranked or mixed with the official figures above.</p>"
        '<div id="local-tables"><p>This part needs JavaScript; every figure is in the CSVs '
        f'below.</p></div><p class="downloads">Every local figure: {csvs}</p>'
        f'<script src="{DATA_FILE}"></script><script src="{SCRIPT_FILE}"></script>'
    )
    part = fmt.Section(COMPARE_ANCHOR, "Local returns", (fmt.Html(markup),))
    return replace(page, banner=banner(given, COMPARE_ANCHOR), local=(part,))


# ---------------------------------------------------------------------------- the files


def data(given: Sequence[LocalReturn]) -> dict[str, Any]:
    """What ``compare-local.js`` needs: each return's heading, CSV and whether it is
    demonstration data; each council's rows (return, indicator, period, figure, official
    figure, difference, collected, source)."""
    cells = [
        "indicator_text",
        "period_text",
        "figure_text",
        "official_text",
        "difference_text",
        "collected",
        "source",
    ]
    per: dict[str, list[list[Any]]] = {}
    for i, ret in enumerate(given):
        frame = ret.rows.with_columns(
            pl.concat_str(
                [pl.col("collected_text"), pl.col("collected_by")],
                separator=" by ",
                ignore_nulls=True,
            ).alias("collected")
        )
        for code, *row in frame.select("council_code", *cells).iter_rows():
            per.setdefault(code, []).append([i, *row])
    return {
        "returns": [[r.heading, f"{r.stem}.csv", r.demonstration] for r in given],
        "rows": per,
        "headings": list(HEADINGS),
    }


def write(root: Path, given: Sequence[LocalReturn]) -> None:
    """Each return's CSV, and the compare page's local data and script (only with returns)."""
    from cscbench.publish import output_names

    if not given:
        return
    for ret in given:
        fmt.write_csv(csv_frame(ret), output_names.safe_file(root, ret.stem, ".csv"))
    body = json.dumps(data(given), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    (root / DATA_FILE).write_text(f"window.{GLOBAL}={body};\n", encoding="utf-8", newline="\n")
    (root / SCRIPT_FILE).write_text(SCRIPT, encoding="utf-8", newline="\n")


SCRIPT = r"""(function () {
  "use strict";
  var L = window.CSCBENCH_LOCAL, C = window.CSCBENCH_COMPARE;
  var box = document.getElementById("local-tables");
  if (!L || !C || !box) return;
  var names = {};
  C.councils.forEach(function (c) { names[c[0]] = [c[1], c[3]]; });
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }
  function source(s) {
    if (!s) return "not given";
    return /^https?:\/\//.test(s) ? '<a href="' + esc(s) + '">' + esc(s) + "</a>" : esc(s);
  }
  function chosen() {
    var seen = {}, out = [];
    decodeURIComponent(location.hash.replace(/^#/, "")).split(",").forEach(function (c) {
      c = c.trim().toUpperCase();
      if (names[c] && !seen[c] && out.length < C.most) { seen[c] = 1; out.push(c); }
    });
    return out;
  }
  function draw() {
    var codes = chosen(), out = [];
    L.returns.forEach(function (r, i) {
      var rows = [];
      codes.forEach(function (c) {
        (L.rows[c] || []).forEach(function (v) {
          if (v[0] !== i) return;
          rows.push('<tr><th scope="row"><a href="' + esc(names[c][1]) + '">' + esc(names[c][0]) +
            "</a></th>" + v.slice(1, 7).map(function (x) { return "<td>" + esc(x || "") + "</td>"; }).join("") +
            "<td>" + source(v[7]) + "</td></tr>");
        });
      });
      if (!rows.length) return;
      out.push('<h3>' + esc(r[0]) + "</h3>" + (r[2] ? "<p><strong>Demonstration data:</strong> " +
        "these figures are synthetic; they describe no council.</p>" : "") +
        '<div class="wide" tabindex="0" role="region" aria-label="' + esc(r[0] + " (scrolls sideways)") + '">' +
        '<table class="index local-table"><thead><tr><th scope="col">Council</th>' +
        L.headings.map(function (h) { return '<th scope="col">' + esc(h) + "</th>"; }).join("") +
        "</tr></thead><tbody>" + rows.join("") + "</tbody></table></div>" +
        '<p class="downloads"><a href="' + esc(r[1]) + '">This return\u2019s figures (CSV)</a></p>');
    });
    box.innerHTML = out.length ? out.join("") :
      "<p>No local figure for the councils chosen.</p>";
  }
  window.addEventListener("hashchange", draw);
  draw();
})();
"""
