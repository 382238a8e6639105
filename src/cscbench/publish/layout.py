"""Page templates: the HTML document, breadcrumbs, sections, tables, charts, and the stylesheet.

Every page needs nothing from outside the site (no external CSS, fonts or scripts): the index
carries a few lines of script for its finder, whose list works without it, and every page loads the
site search's two script files from the site root (its box stays hidden without script). The stylesheet is written for a
desktop, a 390 px phone and A4 paper:

* a table wider than the screen scrolls sideways inside its own region, which the keyboard can
  reach (``tabindex="0"``, ``role="region"`` and a name), while its first column stays in view
  (sticky) and its title, group headings and notes stay within the screen's width: their text is
  wrapped in a ``pin`` element that sticks to the region's left edge and is never wider than the
  screen, so nothing is clipped;
* a chart keeps a readable size and scrolls the same way on a phone;
* printed, navigation and download links are left out, regions stop scrolling and sections do not
  break inside a figure or a row.

great-tables writes each table's HTML; :func:`table_html` adds the scrolling region and the pins to
that HTML (great-tables 1.1's markup: the classes named in ``PINNED``) and nothing else.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from cscbench.publish import formatting as fmt
from cscbench.publish import gtspeed

HOME = "Home"
SITE_NAME = "cscbench"
# Cells whose text spans the whole table: title, subtitle, group headings, notes and footnotes.
# A cell's tag is read up to its (first) class attribute without backtracking (possessive): every
# body cell is tried and fails, and backtracking through each made this a third of writing pages.
PINNED = re.compile(
    r'(<(td|th)\b(?:[^>c]++|c(?!lass="))*+\bclass="[^"]*?\b(?:gt_title|gt_subtitle'
    r'|gt_group_heading|gt_sourcenote|gt_footnote)\b[^"]*"[^>]*>)(.*?)(</\2>)',
    re.S,
)
WRAPPER = re.compile(r'<div id="([^"]+)" style="')

STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0 auto;"
    "max-width:80rem;padding:0 1rem 1rem;line-height:1.45;color:#1a1a1a;background:#fff}"
    "a{color:#1d4e89}a:hover{color:#0b2545}"
    ":focus-visible{outline:3px solid #b35806;outline-offset:2px}"
    ".skip{position:absolute;left:-100vw}.skip:focus{left:1rem;top:.5rem;background:#fff;"
    "padding:.25rem .5rem}"
    ".crumbs ol{list-style:none;display:flex;flex-wrap:wrap;gap:.2rem .4rem;padding:0;"
    "margin:1rem 0 0;font-size:.9rem}.crumbs li+li::before{content:'›';margin-right:.4rem;"
    "color:#595959}"
    "h1{font-size:clamp(1.5rem,5vw,2.1rem);line-height:1.2;margin:.6rem 0 .8rem;"
    "overflow-wrap:anywhere}h2{font-size:1.35rem;margin:2rem 0 .6rem;padding-top:.6rem;"
    "border-top:2px solid #d9d9d9}h3{font-size:1.1rem;margin:1.2rem 0 .4rem}"
    "p,li,dd{overflow-wrap:anywhere}section{margin:1.2rem 0}"
    ".lead{font-size:1.05rem;max-width:50rem}"
    ".toc{font-size:.95rem}.toc ul{display:flex;flex-wrap:wrap;gap:.2rem 1rem;list-style:none;"
    "padding:0;margin:.3rem 0}"
    ".pager{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem;font-size:.95rem;"
    "margin:.6rem 0}"
    ".downloads,.releases,.note,footer{font-size:.9rem}"
    "footer{border-top:1px solid #ccc;margin-top:2rem;padding-top:.5rem}"
    ".scroll{overflow-x:auto;max-width:100%}"
    ".scroll .gt_table{margin-left:0!important;margin-right:0!important}"
    ".scroll .gt_stub,.scroll .gt_col_headings th:first-child{position:sticky;left:0;z-index:1;"
    "background:#fff}"
    ".scroll .gt_table a{color:#1d4e89}"
    ".scroll td[headers$='-period'],.scroll td[headers$='-rank']{white-space:nowrap}"
    ".pin{display:block;position:sticky;left:.3rem;max-width:calc(100vw - 3.5rem);"
    "white-space:normal}"
    "figure{margin:1rem 0}figcaption{font-size:.95rem;margin:.3rem 0}"
    ".chart .frame{overflow-x:auto;max-width:100%}"
    ".chart svg{display:block;width:100%;max-width:56rem;min-width:34rem;height:auto}"
    ".chart details{font-size:.9rem;max-width:56rem}"
    ".chart .phone{display:none}.chart .phone svg.panel{min-width:0;max-width:30rem}"
    ".legend{list-style:none;padding:0;font-size:.9rem}.legend li{margin:.2rem 0}"
    ".chart .legend svg{display:inline;width:auto;min-width:0;vertical-align:middle}"
    "table.index{border-collapse:collapse}table.index td,table.index th{border-bottom:1px solid "
    "#ddd;padding:.2rem .6rem;text-align:left;vertical-align:top}"
    ".wide{overflow-x:auto;max-width:100%}"
    "dl.defs dt{font-weight:bold;margin-top:1rem}dl.defs dd{margin:0 0 0 1rem}"
    ".findings li{margin:.25rem 0}.aka{color:#595959;font-size:.85rem}"
    ".councils{columns:16rem auto;padding-left:1.2rem}.councils li{break-inside:avoid}"
    "figure.image{display:inline-block;margin:.5rem;vertical-align:top;max-width:30rem}"
    "figure.image img{max-width:100%;max-height:24rem;object-fit:cover;object-position:top;"
    "border:1px solid #ddd}"
    ".site-search{margin:.6rem 0 0;font-size:.95rem}.site-search input{max-width:100%;"
    "width:22rem;font:inherit}.hits{margin:.3rem 0;padding-left:1.2rem}.hits:empty{display:none}"
    ".tools{margin:.5rem 0}.tools select,.tools input,.tools button{font:inherit}"
    "table.ranking th button.sort{font:inherit;font-weight:bold;background:none;border:0;"
    "padding:0;color:#1d4e89;text-decoration:underline;cursor:pointer;text-align:left}"
    "table.ranking caption{text-align:left;font-weight:bold}table.ranking td{white-space:nowrap}"
    "table.ranking td:last-child{white-space:normal;min-width:18rem}"
    "table.ranking .sort,table.ranking.js .label{display:none}table.ranking.js .sort{display:inline}"
    ".dir.better{color:#1a7f37}.dir.worse{color:#b42318}.spark{vertical-align:middle}"
    ".compare-table td,.compare-table th{white-space:nowrap}.compare-table td:last-child"
    "{white-space:normal;min-width:11rem}#choices ul{list-style:none;padding:0;"
    "display:flex;flex-wrap:wrap;gap:.3rem}#picked{padding-left:1.2rem}"
    "@media (max-width:40rem){body{padding:0 .6rem .6rem}h2{font-size:1.2rem}"
    ".chart .phone{display:block}.chart .frame{position:absolute;width:1px;height:1px;"
    "overflow:hidden;clip-path:inset(50%)}}"
    "@media print{@page{size:A4;margin:12mm}"
    "body{max-width:none;padding:0;font-size:10pt;color:#000}"
    ".skip,.crumbs,.toc,.pager,.downloads,.search,.site-search,.tools,details{display:none}"
    "a,.scroll .gt_table a{color:inherit;text-decoration:none}"
    ".scroll,.chart .frame,.wide{overflow:visible}"
    ".scroll .gt_stub,.scroll .gt_col_headings th:first-child,.pin{position:static}"
    ".pin{max-width:none}.chart svg{min-width:0;max-width:100%}"
    ".scroll .gt_table{font-size:8pt!important;width:100%!important}"
    "h2,h3{break-after:avoid}figure,tr,dt,dd,li{break-inside:avoid}"
    "section{break-inside:auto}h2{border-top:0}}"
)


# ---------------------------------------------------------------------------- links


def up(depth: int) -> str:
    return "../" * depth


def href(stem: str, depth: int, anchor: str = "") -> str:
    """A link from a page ``depth`` folders down to the page ``stem`` (``""``: the index)."""
    target = f"{stem}.html" if stem else "index.html"
    return up(depth) + target + (f"#{anchor}" if anchor else "")


def link(target: str, text: str) -> str:
    """An escaped link (``target`` as given, already relative to the page)."""
    return f'<a href="{html.escape(target, quote=True)}">{html.escape(text)}</a>'


# ---------------------------------------------------------------------------- tables


def table_html(table: fmt.Table) -> str:
    """great-tables' HTML, in a scrolling region the keyboard can reach, with its full-width
    cells pinned to the screen (see the module's docstring)."""
    raw = table.html if table.html is not None else gtspeed.html(table.gt)
    pinned = PINNED.sub(lambda m: f'{m[1]}<span class="pin">{m[3]}</span>{m[4]}', raw)
    name = html.escape(f"Table: {table.title} (scrolls sideways)", quote=True)
    return WRAPPER.sub(
        lambda m: (
            f'<div id="{m[1]}" class="scroll" tabindex="0" role="region" '
            f'aria-label="{name}" style="'
        ),
        pinned,
        count=1,
    )


def rendered(table: fmt.Table, done: dict[int, str]) -> fmt.Table:
    """The table with its HTML, rendered once per great-tables object (``done``: id -> HTML)."""
    if table.gt is None or table.html is not None:
        return table
    if id(table.gt) not in done:
        done[id(table.gt)] = gtspeed.html(table.gt)
    return replace(table, html=done[id(table.gt)])


def prerender(pages: Sequence[fmt.Page], done: dict[int, str] | None = None) -> list[fmt.Page]:
    """The pages with every table's HTML rendered now (great-tables' part of the work, so it can
    run while the charts render in their worker processes), each table once: a table listed in a
    page's tables and shown in one of its sections shares its great-tables object, and a table
    rendered before (``done``, see :func:`rendered`) is not rendered again."""
    done = {} if done is None else done
    out = []
    for page in pages:
        tables = tuple(rendered(t, done) for t in page.tables)
        sections = tuple(
            replace(
                s,
                parts=tuple(rendered(p, done) if isinstance(p, fmt.Table) else p for p in s.parts),
            )
            for s in page.sections
        )
        out.append(replace(page, tables=tables, sections=sections))
    return out


def downloads(table: fmt.Table, exported: dict[str, fmt.Table], depth: int) -> str:
    """ "Download this table: CSV · image (PNG)", or where a shown-only table's figures are."""
    own = exported.get(table.stem)
    source = own or exported.get(table.download or "")
    if source is None:
        return ""
    target = href(source.stem, depth).removesuffix(".html")
    links = [f'<a href="{html.escape(target, quote=True)}.csv">CSV</a>']
    if own is not None and own.png:
        links.append(f'<a href="{html.escape(target, quote=True)}.png">image (PNG)</a>')
    what = "this table" if own is not None else "these figures (with the page's other tables)"
    return f'<p class="downloads">Download {what}: {" · ".join(links)}</p>'


# ---------------------------------------------------------------------------- charts


def chart_html(chart: fmt.Chart, depth: int) -> str:
    """The chart's SVG (an image with a name and description) in a figure, with its caption, the
    description in words for everyone, and its CSV and PNG."""
    target = html.escape(href(chart.stem, depth).removesuffix(".html"), quote=True)
    links = [f'<a href="{target}.csv">CSV</a>']
    if chart.png:
        links.append(f'<a href="{target}.png">image (PNG)</a>')
    name = html.escape(f"Chart: {chart.title} (scrolls sideways)", quote=True)
    return (
        '<figure class="chart">'
        f'<div class="frame" tabindex="0" role="region" aria-label="{name}">{chart.svg or ""}</div>'
        f"{chart.phone or ''}"
        f"<figcaption>{html.escape(chart.title)}</figcaption>"
        f"<details><summary>The chart in words</summary><p>{html.escape(chart.description)}</p>"
        f"</details>{chart.figures}"
        f'<p class="downloads">The figures drawn: {" · ".join(links)}</p>'
        "</figure>"
    )


# ---------------------------------------------------------------------------- pages


def crumbs_html(crumbs: Iterable[tuple[str, str]], title: str, depth: int) -> str:
    """Breadcrumbs: the index, the page's parents, then the page itself (not a link)."""
    items = [f"<li>{link(href('', depth), HOME)}</li>"]
    for stem, text in crumbs:
        stem, _, anchor = stem.partition("#")
        items.append(f"<li>{link(href(stem, depth, anchor), text)}</li>")
    items.append(f'<li aria-current="page">{html.escape(title)}</li>')
    return f'<nav class="crumbs" aria-label="Breadcrumb"><ol>{"".join(items)}</ol></nav>'


def section_html(
    section: fmt.Section, exported: dict[str, fmt.Table], depth: int, level: int = 2
) -> str:
    body = [f'<section id="{html.escape(section.id, quote=True)}">']
    body.append(f"<h{level}>{html.escape(section.heading)}</h{level}>")
    body += [f"<p>{html.escape(p)}</p>" for p in section.intro]
    for part in section.parts:
        if isinstance(part, fmt.Table):
            body += [table_html(part), downloads(part, exported, depth)]
        elif isinstance(part, fmt.Chart):
            body.append(chart_html(part, depth))
        else:
            body.append(part.text)
    body.append("</section>")
    return "\n".join(b for b in body if b)


def page_html(page: fmt.Page, depth: int, version: str) -> str:
    """A complete, self-contained HTML page."""
    exported = {t.stem: t for t in page.tables}
    body = [f"<h1>{html.escape(page.title)}</h1>"]
    if page.banner is not None:
        body.append(page.banner.text)
    body += [f'<p class="lead">{html.escape(p)}</p>' for p in page.intro]
    body += [b.text for b in page.blocks]
    if page.sections:
        body += [section_html(s, exported, depth) for s in page.sections]
    else:
        for table in page.tables:
            label = html.escape(table.title, quote=True)
            body += [
                f'<section aria-label="{label}">',
                table_html(table),
                downloads(table, exported, depth),
                "</section>",
            ]
    body += [section_html(s, exported, depth) for s in page.local]
    if page.releases is not None:
        body.append(page.releases.text)
    header = crumbs_html(page.crumbs, page.title, depth)
    return document(page.title, "\n".join(body), footer_html(version, depth), header, depth=depth)


def search_html(depth: int) -> str:
    """The site search box (see :mod:`cscbench.publish.search`): hidden until its script runs,
    results listed as links below it, their count announced."""
    return (
        f'<form id="site-search" class="site-search" role="search" data-root="{up(depth)}" hidden>'
        '<label for="site-q">Search the site</label> '
        '<input id="site-q" type="search" autocomplete="off" aria-describedby="site-said" '
        'placeholder="A council, indicator, region or group"> '
        '<span id="site-said" class="note" role="status" aria-live="polite"></span>'
        '<ul id="site-hits" class="hits"></ul></form>'
    )


def search_scripts(depth: int) -> str:
    return (
        f'<script src="{up(depth)}search-index.js"></script>'
        f'<script src="{up(depth)}search.js"></script>\n'
    )


def document(
    title: str, body: str, footer: str, header: str = "", script: str = "", depth: int = 0
) -> str:
    """The HTML document around a page's body: language, viewport, title, the stylesheet, and
    the site search box in the header (its scripts last)."""
    tail = (f"<script>{script}</script>\n" if script else "") + search_scripts(depth)
    header += search_html(depth)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)} · {SITE_NAME}</title>\n"
        f"<style>{STYLE}</style>\n"
        "</head>\n<body>\n"
        '<a class="skip" href="#main">Skip to the content</a>\n'
        f"<header>{header}</header>\n"
        f'<main id="main">\n{body}\n</main>\n<footer>{footer}</footer>\n{tail}</body>\n</html>\n'
    )


def footer_html(version: str, depth: int) -> str:
    return (
        f"<p>{html.escape(fmt.OGL)} "
        f'<a href="{fmt.OGL_URL}">Open Government Licence v3.0</a>. '
        f"Built from the cscbench data package version {html.escape(version)}. "
        f'How to cite: see <a href="{href("", depth, "cite")}">the index</a>; every indicator '
        f'is defined on <a href="{href("definitions", depth)}">the definitions page</a>.</p>'
    )
