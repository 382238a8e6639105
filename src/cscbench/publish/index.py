"""index.html: key findings, a council finder, every page, downloads, sources, licence, citation.

The key findings are generated from the package on every publish (never typed in): the headline
pair side by side on caseload, agency, spending and Ofsted, then the councils whose figures moved
most since the previous period. The council finder is a plain list of links (every council, A to
Z, with its other names), which a few lines of script turn into a search box: "Hull" finds
Kingston upon Hull, "Northamptonshire" both of its successors.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import polars as pl

from cscbench.core.names import normalise_name
from cscbench.publish import formatting as fmt
from cscbench.publish import layout, navigation
from cscbench.publish.context import Context
from cscbench.publish.findings import findings_html

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
