"""index.html: key findings, a council finder, every page, downloads, sources, licence, citation.

The key findings are generated from the package on every publish (never typed in): the headline
pair side by side on caseload, agency, spending and Ofsted, then the councils whose figures moved
most since the previous period. The council finder is a plain list of links (every council, A to
Z, with its other names), which a few lines of script turn into a search box: "Hull" finds
Kingston upon Hull, "Northamptonshire" both of its successors.
"""

from __future__ import annotations

import html
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cscbench.analysis import comparison as compare
from cscbench.core import paths
from cscbench.core.domain import ENGLAND
from cscbench.core.errors import InvalidInputError
from cscbench.core.names import normalise_name
from cscbench.publish import formatting as fmt
from cscbench.publish import headline, layout, navigation
from cscbench.publish.change import change_text, marker_html
from cscbench.publish.context import Context

SECTIONS = (
    ("changes", "What changed in this release"),
    ("headline", "Headline comparison"),
    ("history", "Ofsted history"),
    ("claims", "What councils said vs what the statistics show"),
    ("groups", "Comparison groups"),
    ("regions", "Regions"),
    ("compare", "Compare any councils"),
    ("indicators", "Every council on one indicator"),
)
# The measures readers ask about first (issue 12): the pair's line for each, where the package has it.
PAIR_FINDINGS = ("caseload_fte", "agency_rate_fte", "csc_net_expenditure_per_child_gbp")
MOVERS = 4  # the first ranked headline indicators whose biggest movers are named
METHOD = (
    "Ranks: 1 = best according to the indicator's polarity, among the current councils and joint "
    "returns with a figure for that period; ties share the lowest rank. Bands: A for ranks up to "
    "25% of the ranked count, B to 50%, C to 75%, D beyond. Neutral indicators (counts, rates of "
    "children in care or in need, spending) get neither.",
    "Time series join through each council's series code, so a council whose code changed "
    "(Barnsley and Sheffield in 2024, North Yorkshire and Somerset in 2023, Buckinghamshire in "
    "2020) keeps one line.",
    "Joint returns (North and West Northamptonshire; Kingston upon Thames and Richmond upon "
    "Thames report their workforce together) are ranked as one unit. A member council with no "
    "figure of its own shows the joint figure, marked (joint), and uses it in its comparisons "
    "with its region, England and neighbours and as a neighbour of other councils.",
    "Statistical neighbours: the DfE 2025 model's 10 closest councils; mean and median of those "
    "with a figure, with how many had one. A joint return is one figure: two neighbours that share "
    "it count it once, and a member council is not compared with its own joint return, so the "
    "count is of figures and a footnote names the councils concerned.",
    "Suppressed or missing figures are shown as the publisher's symbol with a footnote, never as "
    "0 and never left blank without a reason.",
    "Charts: every period the package holds; each panel has its own scale, starting at zero; a "
    "council's totals are not set beside its region's or England's.",
    "Spreadsheet safety: in the CSV and XLSX downloads a text cell that starts with =, +, - or @ "
    "gets a leading apostrophe (OWASP CSV-injection guidance) so a spreadsheet shows it as text "
    "instead of running it as a formula. The data package itself keeps the text exactly.",
)
# The finder's search: the same normalisation as cscbench.core.names.normalise_name, in the browser.
SEARCH_SCRIPT = (
    "(function(){var box=document.querySelector('.search');if(!box)return;box.hidden=false;"
    "var q=document.getElementById('q'),items=document.querySelectorAll('#councils li'),"
    "count=document.getElementById('count');"
    "function norm(s){return s.toLowerCase().replace(/&/g,' and ').replace(/[.,'\\u2019()]/g,' ')"
    ".replace(/-/g,' ').replace(/\\s+/g,' ').trim();}"
    "q.addEventListener('input',function(){var t=norm(q.value),n=0;"
    "items.forEach(function(li){var hit=!t||li.getAttribute('data-names').indexOf(t)>=0;"
    "li.hidden=!hit;if(hit)n++;});"
    "count.textContent=t?(n===1?'1 council matches':n+' councils match'):'';});})();"
)


# ---------------------------------------------------------------------------- key findings


def figure_expr() -> pl.Expr:
    return fmt.figure_text("value", "status", "unit", "decimals")


def name_html(code: str, name: str, profiles: dict[str, str]) -> str:
    """A council's name linked to its profile (from the index, at the site's root)."""
    return layout.link(profiles[code] + ".html", name) if code in profiles else html.escape(name)


def change_html(change: str, direction: str | None) -> str:
    """ "-0.3 since 2024, ✔ better": compare's change and direction, marked in words."""
    if change == fmt.DASH:
        return ""
    marker = marker_html(direction)
    return html.escape(change) + (", " + marker if marker else "")


def pair_line(ctx: Context, indicator: str, profiles: dict[str, str]) -> str | None:
    """ "Caseload (cases per FTE), 30 Sep 2025: Leeds 14.8 (rank 55 of 149, band B; -0.3 since
    2024, better), Wakefield 19.5 (...); England 15.2." for the headline pair, from the latest
    figures, as markup with each name linked to its profile."""
    codes = list(headline.headline_codes(ctx))
    rows = ctx.latest.filter(pl.col("indicator_id") == indicator, pl.col("unit_code").is_in(codes))
    if rows.height != len(codes):
        return None
    order = pl.DataFrame({"unit_code": codes, "_pos": list(range(len(codes)))})
    rows = rows.join(order, on="unit_code").sort("_pos")
    ranked = pl.when(pl.col("rank").is_not_null()).then(
        "rank " + fmt.rank_text() + ", band " + pl.col("band")
    )
    texts = rows.select(
        "unit_code",
        "name",
        figure_expr().alias("figure"),
        pl.coalesce(ranked, pl.lit("")).alias("ranked"),
        change_text().alias("change"),
        "change_direction",
        fmt.period_text(pl.col("period"), pl.col("period_end")).alias("when"),
    )
    parts = []
    for code, name, figure, ranked_, change, direction, _ in texts.iter_rows():
        inside = [html.escape(ranked_)] if ranked_ else []
        if moved := change_html(change, direction):
            inside.append(moved)
        bracket = f" ({'; '.join(inside)})" if inside else ""
        parts.append(f"{name_html(code, name, profiles)} {html.escape(figure)}{bracket}")
    england = ctx.comparator_rows([ENGLAND], (indicator,)).join(
        ctx.meta, on="indicator_id", how="left"
    )
    tail = ""
    if england.height and england["value"][0] is not None:
        tail = "; England " + html.escape(england.select(figure_expr()).item())
    label = ctx.short_labels.get(indicator, indicator)
    return (
        f"{html.escape(label)}, {html.escape(texts['when'][0])}: " + ", ".join(parts) + tail + "."
    )


def ofsted_line(ctx: Context, profiles: dict[str, str]) -> str | None:
    if not ctx.has("inspections"):
        return None
    rows = headline.ofsted_rows(ctx, list(headline.headline_codes(ctx)))
    parts = [
        f"{name_html(c, a, profiles)} {html.escape(f)}"
        for c, a, f in rows.select("unit_code", "area", "figure").iter_rows()
    ]
    return "Ofsted, latest overall effectiveness judgement: " + "; ".join(parts) + "."


# ---------------------------------------------------------------------------- biggest movers


class FindingsConfigError(InvalidInputError, ValueError):
    """The key findings' rules file (config/findings.toml) is malformed."""


@dataclass(frozen=True)
class SmallBase:
    """A ``[[movers.small_base]]`` rule: the movers of ``indicators`` leave out a council whose
    ``base`` (those indicators summed) is below ``below`` or unpublished in either period."""

    indicators: tuple[str, ...]
    base: tuple[str, ...]
    below: float
    base_label: str


def small_base_rules(path: Path) -> list[SmallBase]:
    """The rules of ``path`` (none when there is no such file)."""
    if not path.is_file():
        return []
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FindingsConfigError(f"{path}: not valid TOML: {exc}") from exc
    entries = config.get("movers", {}).get("small_base", [])
    if not isinstance(entries, list):
        raise FindingsConfigError(f"{path}: use [[movers.small_base]] entries")
    return [small_base_rule(path, n, e) for n, e in enumerate(entries, start=1)]


def small_base_rule(path: Path, number: int, entry: object) -> SmallBase:
    where = f"{path}: [[movers.small_base]] entry {number}"
    if not isinstance(entry, dict):
        raise FindingsConfigError(f"{where}: expected a table")
    lists = {}
    for key in ("indicators", "base"):
        value = entry.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise FindingsConfigError(f"{where}: {key} must be a non-empty list of indicator ids")
        lists[key] = tuple(value)
    below = entry.get("below")
    if isinstance(below, bool) or not isinstance(below, int | float) or below <= 0:
        raise FindingsConfigError(f"{where}: below must be a positive number, got {below!r}")
    label = entry.get("base_label")
    if not isinstance(label, str) or not label.strip():
        raise FindingsConfigError(f"{where}: base_label must name the base in words")
    return SmallBase(lists["indicators"], lists["base"], float(below), label.strip())


def number_words(value: float) -> str:
    return f"{value:g}"


def rules_text(rules: Sequence[SmallBase], ids: Sequence[str]) -> str:
    """Which figures the movers leave out, in words, for the rules that cover ``ids``."""
    parts = ["figures flagged in the package's caveats"]
    seen: list[str] = []
    for rule in rules:
        if set(rule.indicators) & set(ids):
            text = f"councils with fewer than {number_words(rule.below)} {rule.base_label}"
            if text not in seen:
                seen.append(text)
    if seen:
        parts.append(" or ".join(seen) + " in either period (or no such figure)")
    return "Left out: " + " and ".join(parts) + ", so a swing on a tiny base does not lead."


def small_bases(ctx: Context, rules: Sequence[SmallBase]) -> pl.DataFrame:
    """(indicator, council, period) whose figure is on a base below its rule's line, or on no
    published base: the rows the movers leave out."""
    frames = []
    for rule in rules:
        base = (
            ctx.grid.filter(
                pl.col("indicator_id").is_in(list(rule.base)),
                pl.col("basis").fill_null(compare.OWN) == compare.OWN,
            )
            .group_by("unit_code", "period")
            .agg(
                pl.col("value").sum().alias("base"),
                (pl.col("value").is_not_null().sum() == len(set(rule.base))).alias("complete"),
            )
            .filter(~pl.col("complete") | (pl.col("base") < rule.below))
            .select("unit_code", "period")
        )
        covered = pl.DataFrame({"indicator_id": list(rule.indicators)})
        frames.append(covered.join(base, how="cross"))
    if not frames:
        return pl.DataFrame(
            schema={"indicator_id": pl.String, "unit_code": pl.String, "period": pl.String}
        )
    return pl.concat(frames).unique()


def movers(
    ctx: Context, rules: Sequence[SmallBase] = (), profiles: dict[str, str] | None = None
) -> list[str]:
    """For the first ranked headline indicators: the councils whose figure rose and fell most
    since the previous period, as markup with each name linked; flagged figures and (``rules``)
    small bases in either period are left out."""
    profiles = profiles or {}
    ids = mover_ids(ctx)
    moved = ctx.latest.filter(
        pl.col("level") == "local_authority",
        pl.col("indicator_id").is_in(ids),
        pl.col("value").is_not_null(),
        pl.col("previous_value").is_not_null(),
        pl.col("basis").fill_null(compare.OWN) == compare.OWN,
        ~pl.col("flagged").fill_null(False),
        ~pl.col("previous_flagged").fill_null(False),
    )
    small = small_bases(ctx, rules)
    moved = moved.join(small, on=["indicator_id", "unit_code", "period"], how="anti").join(
        small.rename({"period": "previous_period"}),
        on=["indicator_id", "unit_code", "previous_period"],
        how="anti",
    )
    before = fmt.with_unit(
        fmt.number_text(pl.col("previous_value"), pl.col("decimals")), pl.col("unit")
    )
    moved = moved.with_columns((" (" + before + " to " + figure_expr() + ")").alias("_text")).sort(
        "indicator_id", "unit_code"
    )
    lines = []
    for indicator in ids:
        rows = moved.filter(pl.col("indicator_id") == indicator)
        if rows.height < 2:
            continue
        rise = rows.sort(pl.col("change"), "name", descending=[True, False]).row(0, named=True)
        fall = rows.sort("change", "name").row(0, named=True)
        since = rows["previous_period"][0]
        label = ctx.short_labels.get(indicator, indicator)
        said = [
            name_html(r["unit_code"], r["name"], profiles)
            + html.escape(r["_text"])
            + (", " + marker_html(r["change_direction"]) if r["change_direction"] else "")
            for r in (rise, fall)
        ]
        lines.append(
            f"{html.escape(label)}: the biggest rise since {html.escape(since)} was {said[0]}, "
            f"the biggest fall {said[1]}."
        )
    return lines


def mover_ids(ctx: Context) -> list[str]:
    """The first :data:`MOVERS` headline indicators with a polarity (neutral ones have no
    better or worse)."""
    ranked = ctx.indicators.filter(pl.col("polarity").cast(pl.String) != compare.NEUTRAL)
    return [i for i in ctx.headline if i in set(ranked["indicator_id"].to_list())][:MOVERS]


def findings_html(ctx: Context, findings: Path | None = None) -> str:
    profiles = navigation.places(ctx).profiles
    lines = []
    if headline.headline_gap(ctx) is None:
        lines += [line for i in PAIR_FINDINGS if (line := pair_line(ctx, i, profiles))]
        if (line := ofsted_line(ctx, profiles)) is not None:
            lines.append(line)
    rules = small_base_rules(findings or paths.default_findings())
    moved = movers(ctx, rules, profiles)
    if not lines and not moved:
        return ""
    pair = headline.headline_title(ctx, " and ")
    parts = ['<section id="findings"><h2>Key findings</h2>']
    if lines:
        parts.append(f"<h3>{html.escape(pair)}</h3><ul class='findings'>")
        parts += [f"<li>{line}</li>" for line in lines]
        parts.append("</ul>")
    if moved:
        parts.append("<h3>Biggest movers, all councils</h3><ul class='findings'>")
        parts += [f"<li>{line}</li>" for line in moved]
        parts.append("</ul>")
        parts.append(f"<p class='note'>{html.escape(rules_text(rules, mover_ids(ctx)))}</p>")
    parts.append(
        "<p class='note'>Generated from the package on every publish; each council's profile "
        "has the detail and the caveats. Better or worse: by the indicator's polarity.</p></section>"
    )
    return "\n".join(parts)


# ---------------------------------------------------------------------------- finding a council


def finder_html(ctx: Context, pages: Sequence[fmt.Page]) -> str:
    """Every council with a profile, A to Z, with its other names: plain links that a search box
    filters where script runs."""
    built = {p.stem for p in pages}
    rows = navigation.other_names(ctx).filter(pl.col("stem").is_in(list(built)))
    keys = rows.select(
        pl.concat_list(pl.col("name"), pl.col("others"))
        .list.eval(normalise_name(pl.element()))
        .list.join("|")
        .alias("keys")
    )["keys"].to_list()
    items = []
    for (name, stem, others), key in zip(
        rows.select("name", "stem", "others").iter_rows(), keys, strict=True
    ):
        also = f' <span class="aka">also {html.escape(", ".join(others))}</span>' if others else ""
        items.append(
            f'<li data-names="{html.escape(key, quote=True)}">'
            f"{layout.link(stem + '.html', name)}{also}</li>"
        )
    return (
        '<section id="find"><h2>Find a council</h2>'
        '<div class="search" hidden><label for="q">Type any of a council\'s names</label> '
        '<input id="q" type="search" autocomplete="off" aria-describedby="count"> '
        '<span id="count" role="status"></span></div>'
        f"<p>Every council's profile ({len(items)}), A to Z, with the other names it is known by "
        "(short, former and press names).</p>"
        f'<ul class="councils" id="councils">{"".join(items)}</ul></section>'
    )


# ---------------------------------------------------------------------------- the rest


def periods_covered(ctx: Context) -> list[tuple[str, str]]:
    """(source title, first to last period) for observations, inspections and announcements."""
    obs = (
        ctx.frames["observations"]
        .group_by("source_id")
        .agg(pl.col("period").min().alias("first"), pl.col("period").max().alias("last"))
    )
    rows = obs.join(ctx.sources.select("source_id", "title"), on="source_id").sort(
        "title", "source_id"
    )
    out = [
        (t, f if f == la else f"{f} to {la}")
        for t, f, la in rows.select("title", "first", "last").iter_rows()
    ]
    if ctx.has("inspections") and ctx.frames["inspections"].height:
        dates = ctx.frames["inspections"]["publication_date"]
        out.append(
            (
                "Ofsted inspections (publication dates)",
                f"{dates.min():%b %Y} to {dates.max():%b %Y}",
            )
        )
    if ctx.has("announcements") and ctx.frames["announcements"].height:
        dates = ctx.frames["announcements"]["date"]
        out.append(
            (
                "Council announcements and press reports (claims)",
                f"{dates.min():%Y} to {dates.max():%Y}",
            )
        )
    return out


def link(href: str, text: str) -> str:
    return layout.link(href, text)


def section_html(key: str, heading: str, pages: Sequence[fmt.Page], ctx: Context) -> str:
    mine = sorted((p for p in pages if p.section == key), key=lambda p: (p.sort_key, p.stem))
    if not mine:
        return ""
    parts = [f'<h2 id="{key}">{html.escape(heading)}</h2>']
    items = []
    for page in mine:
        note = f" ({html.escape(page.intro[0])})" if not page.tables and page.intro else ""
        items.append(f"<li>{link(page.stem + '.html', page.title)}{note}</li>")
    parts.append("<ul>\n" + "\n".join(items) + "\n</ul>")
    return "\n".join(parts)


def images_html(pages: Sequence[fmt.Page], pngs: set[str]) -> str:
    """The PNG images for reports: every table image and the headline page's charts (each
    profile's chart image is linked from its page)."""
    tables = [t for p in pages for t in p.tables if t.stem in pngs]
    drawn = [(c, p.stem) for p in pages if p.section == "headline" for c in p.charts if c.png]
    if not tables and not drawn:
        return (
            '<h2 id="images">Images</h2>\n<p>No PNG images in this build (publishing ran with '
            "--png no, or no Chromium was available for the tables).</p>"
        )
    shown = [(t.stem, t.alt, t.title) for t in tables]
    shown += [(c.stem, chart_alt(c, page), c.title) for c, page in drawn]
    figures = [
        f'<figure class="image"><a href="{html.escape(stem)}.png"><img src="{html.escape(stem)}.png" '
        f'alt="{html.escape(alt, quote=True)}" width="480" loading="lazy"></a>'
        f"<figcaption>{html.escape(title)}</figcaption></figure>"
        for stem, alt, title in sorted(shown)
    ]
    return '<h2 id="images">Images for reports</h2>\n' + "\n".join(figures)


def chart_alt(chart: fmt.Chart, page: str) -> str:
    """A chart image's alt text: what it shows and where its figures and words are."""
    folder = chart.stem.rsplit("/", 1)[0]
    name = chart.stem.rsplit("/", 1)[-1]
    on = page.rsplit("/", 1)[-1] if page.rsplit("/", 1)[0] == folder else page
    return (
        f"Chart: {chart.title}. The figures drawn are in {name}.csv; the chart is described in "
        f"words on the web page {on}.html."
    )


def sources_html(ctx: Context) -> str:
    rows = []
    for r in ctx.sources.sort("source_id").iter_rows(named=True):
        url = r.get("publication_url")
        where = link(url, "publication") if url and url.startswith("https://") else "not recorded"
        when = r.get("published")
        rows.append(
            "<tr>"
            f"<td>{html.escape(r['publisher'] or '')}</td><td>{html.escape(r['title'] or '')}</td>"
            f"<td>{html.escape(f'{when:%-d %b %Y}' if when else 'not recorded')}</td>"
            f"<td>{html.escape(r['licence'] or '')}</td><td>{where}</td>"
            "</tr>"
        )
    head = (
        "<tr><th scope='col'>Publisher</th><th scope='col'>Publication</th>"
        "<th scope='col'>Published</th><th scope='col'>Licence</th><th scope='col'>Link</th></tr>"
    )
    return (
        '<h2 id="sources">Sources</h2>\n<div class="wide" tabindex="0" role="region" '
        'aria-label="Sources (scrolls sideways)"><table class="index">'
        + head
        + "".join(rows)
        + "</table></div>"
    )


def downloads_html(pages: Sequence[fmt.Page], workbook: str, parquet: Sequence[str]) -> str:
    items = [
        f"<li>{link(workbook, 'All headline, group, region and claims tables (XLSX workbook)')}</li>"
    ]
    items += [f"<li>{link(p, p.rsplit('/', 1)[-1])} (Parquet)</li>" for p in parquet]
    items.append(
        "<li>Every table and chart also as CSV beside its page (a link under each). The full "
        "data package (CSV with Table Schemas) is in the repository: datapackage.json.</li>"
    )
    return '<h2 id="downloads">Downloads</h2>\n<ul>\n' + "\n".join(items) + "\n</ul>"


def cite_html(ctx: Context) -> str:
    title = ctx.package.get("title", "cscbench")
    who = ", ".join(c.get("title", "") for c in ctx.package.get("contributors", [])) or "cscbench"
    text = f"{who}. {title}. Data package version {ctx.version}."
    return (
        '<h2 id="cite">How to cite</h2>\n'
        f"<p>{html.escape(text)} Citation metadata: CITATION.cff in the repository.</p>\n"
        f"<p>{html.escape(fmt.OGL)} "
        f"{link(fmt.OGL_URL, 'Open Government Licence v3.0')}. Council announcements are "
        "summarised claims with a link to each source page; no text of those pages is reproduced.</p>"
    )


def contents_html(pages: Sequence[fmt.Page]) -> str:
    present = {p.section for p in pages}
    items = [("findings", "Key findings"), ("find", "Find a council")]
    items += [(k, h) for k, h in SECTIONS if k in present]
    items += [("images", "Images"), ("downloads", "Downloads"), ("sources", "Sources")]
    links = "".join(f'<li><a href="#{k}">{html.escape(h)}</a></li>' for k, h in items)
    definitions = link(f"{navigation.DEFINITIONS}.html", "Definitions of every indicator")
    return (
        f'<nav class="toc" aria-label="On this page"><ul>{links}<li>{definitions}</li></ul></nav>'
    )


def index_html(
    ctx: Context, pages: Sequence[fmt.Page], pngs: set[str], workbook: str, parquet: Sequence[str]
) -> str:
    title = ctx.package.get("title", "cscbench")
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="lead">{html.escape(ctx.package.get("description", ""))}</p>',
        f"<p>Data package version <strong>{html.escape(ctx.version)}</strong>.</p>",
        contents_html(pages),
        findings_html(ctx),
        finder_html(ctx, pages),
    ]
    body += [section_html(key, heading, pages, ctx) for key, heading in SECTIONS]
    body.append(images_html(pages, pngs))
    body.append(downloads_html(pages, workbook, parquet))
    periods = "".join(
        f"<tr><td>{html.escape(s)}</td><td>{html.escape(p)}</td></tr>"
        for s, p in periods_covered(ctx)
    )
    body.append(
        '<h2 id="periods">Data periods covered</h2>\n<table class="index">'
        "<tr><th scope='col'>Source</th><th scope='col'>Periods</th></tr>" + periods + "</table>"
    )
    body.append(sources_html(ctx))
    body.append(
        '<h2 id="method">How the comparisons work</h2>\n'
        + "".join(f"<p>{html.escape(m)}</p>" for m in METHOD)
    )
    body.append(cite_html(ctx))
    footer = layout.footer_html(ctx.version, 0)
    header = '<nav class="crumbs" aria-label="Breadcrumb"><ol><li aria-current="page">Home</li></ol></nav>'
    return layout.document(
        title, "\n".join(b for b in body if b), footer, header, script=SEARCH_SCRIPT
    )
