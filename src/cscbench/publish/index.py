"""index.html: links to every page, downloads, data periods, sources, licence and citation."""

from __future__ import annotations

import html
from collections.abc import Sequence

import polars as pl

from cscbench.publish import formatting as fmt
from cscbench.publish.context import Context

SECTIONS = (
    ("changes", "What changed in this release"),
    ("headline", "Headline comparison"),
    ("history", "Ofsted history"),
    ("claims", "What councils said vs what the statistics show"),
    ("groups", "Comparison groups"),
    ("regions", "Regions"),
    ("profiles", "Council profiles"),
)
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
    "Spreadsheet safety: in the CSV and XLSX downloads a text cell that starts with =, +, - or @ "
    "gets a leading apostrophe (OWASP CSV-injection guidance) so a spreadsheet shows it as text "
    "instead of running it as a formula. The data package itself keeps the text exactly.",
)


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
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'


def section_html(key: str, heading: str, pages: Sequence[fmt.Page], ctx: Context) -> str:
    mine = sorted((p for p in pages if p.section == key), key=lambda p: (p.sort_key, p.stem))
    if not mine:
        return ""
    parts = [f'<h2 id="{key}">{html.escape(heading)}</h2>']
    if key == "profiles":
        names = ctx.names
        by_region: dict[str, list[fmt.Page]] = {}
        for page in mine:
            by_region.setdefault(names.get(page.meta.get("region", ""), "Other"), []).append(page)
        for region in sorted(by_region):
            items = ", ".join(link(f"{p.stem}.html", p.title) for p in by_region[region])
            parts.append(f"<h3>{html.escape(region)}</h3>\n<p>{items}</p>")
        return "\n".join(parts)
    items = []
    for page in mine:
        note = f" ({html.escape(page.intro[0])})" if not page.tables and page.intro else ""
        items.append(f"<li>{link(page.stem + '.html', page.title)}{note}</li>")
    parts.append("<ul>\n" + "\n".join(items) + "\n</ul>")
    return "\n".join(parts)


def images_html(pages: Sequence[fmt.Page], pngs: set[str]) -> str:
    tables = [t for p in pages for t in p.tables if t.stem in pngs]
    if not tables:
        return (
            '<h2 id="images">Images</h2>\n<p>No PNG images in this build (no Chromium was '
            "available, or publishing ran with --png no).</p>"
        )
    figures = [
        f'<figure><a href="{html.escape(t.stem)}.png"><img src="{html.escape(t.stem)}.png" '
        f'alt="{html.escape(t.alt, quote=True)}" width="480" loading="lazy"></a>'
        f"<figcaption>{html.escape(t.title)}</figcaption></figure>"
        for t in sorted(tables, key=lambda t: t.stem)
    ]
    return '<h2 id="images">Images for reports</h2>\n' + "\n".join(figures)


def sources_html(ctx: Context) -> str:
    rows = []
    for r in ctx.sources.sort("source_id").iter_rows(named=True):
        url = r.get("publication_url")
        where = link(url, "publication") if url and url.startswith("https://") else "not recorded"
        rows.append(
            "<tr>"
            f"<td>{html.escape(r['publisher'] or '')}</td><td>{html.escape(r['title'] or '')}</td>"
            f"<td>{html.escape(r['licence'] or '')}</td><td>{where}</td>"
            "</tr>"
        )
    head = "<tr><th>Publisher</th><th>Publication</th><th>Licence</th><th>Link</th></tr>"
    return (
        '<h2 id="sources">Sources</h2>\n<table class="index">' + head + "".join(rows) + "</table>"
    )


def downloads_html(pages: Sequence[fmt.Page], workbook: str, parquet: Sequence[str]) -> str:
    items = [
        f"<li>{link(workbook, 'All headline, group, region and claims tables (XLSX workbook)')}</li>"
    ]
    items += [f"<li>{link(p, p.rsplit('/', 1)[-1])} (Parquet)</li>" for p in parquet]
    items.append(
        "<li>Every table also as CSV beside its page (a link under each table). The full data "
        "package (CSV with Table Schemas) is in the repository: datapackage.json.</li>"
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


def index_html(
    ctx: Context, pages: Sequence[fmt.Page], pngs: set[str], workbook: str, parquet: Sequence[str]
) -> str:
    title = ctx.package.get("title", "cscbench")
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(ctx.package.get('description', ''))}</p>",
        f"<p>Data package version <strong>{html.escape(ctx.version)}</strong>.</p>",
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
        "<tr><th>Source</th><th>Periods</th></tr>" + periods + "</table>"
    )
    body.append(sources_html(ctx))
    body.append(
        '<h2 id="method">How the comparisons work</h2>\n'
        + "".join(f"<p>{html.escape(m)}</p>" for m in METHOD)
    )
    body.append(cite_html(ctx))
    footer = fmt.footer_html(ctx.version, 0)
    return fmt.document(title, "\n".join(b for b in body if b), footer)
