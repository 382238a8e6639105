"""The published page's parts: tables, charts, markup, sections and pages (split from formatting).

Plain frozen dataclasses every page builder fills and :mod:`cscbench.publish.layout` writes; the
great-tables object a table carries is built with :mod:`cscbench.publish.gt_helpers`.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

import polars as pl
from great_tables import GT


@dataclass(frozen=True)
class Table:
    """One published table: the great-tables object and the tidy data behind it (for CSV/XLSX).

    A table listed in its page's ``tables`` is exported (CSV, and PNG or a workbook sheet where
    asked); one that only appears in a page's sections is shown, and its download line points to
    the exported table that holds the same figures (``download``).
    """

    stem: str  # path under the site root without suffix, e.g. "headline/leeds-vs-wakefield"
    title: str
    subtitle: str
    gt: GT | None  # None: an export only, its figures shown by the page's other tables
    data: pl.DataFrame
    png: bool = False
    sheet: str | None = None  # sheet name in the XLSX workbook, if it goes there
    page: str = ""  # the stem of the page that shows it (publish sets it)
    download: str | None = None  # the exported table whose CSV holds a shown-only table's figures
    html: str | None = None  # its HTML, rendered ahead of writing (layout.prerender)

    @property
    def alt(self) -> str:
        """Alt text for the image: what the table shows and where the same figures are, named
        relative to the image (a table's page is not always named after the table)."""
        folder = posixpath.dirname(self.stem) or "."
        csv = posixpath.relpath(self.stem, folder) + ".csv"
        page = posixpath.relpath(self.page or self.stem, folder) + ".html"
        return (
            f"Table: {self.title}. {self.subtitle} "
            f"The same figures are in {csv} and on the web page {page}."
        )


@dataclass(frozen=True)
class Chart:
    """One chart: a Vega-Altair specification rendered to SVG (in the page) and PNG (beside it),
    and the figures it draws (its CSV)."""

    stem: str  # path under the site root without suffix, e.g. "profiles/e08000035-leeds-trends"
    title: str
    description: str  # for screen readers: what the lines show, first and latest figures
    spec: dict
    data: pl.DataFrame
    svg: str | None = None  # rendered (publish fills it in)
    png: bool = False  # a PNG was written beside it
    figures: str = ""  # every figure drawn, period by period (markup: chart_words.figures_html)
    phone: str | None = None  # the panels one under another for a phone (chart_render.phone_html)


@dataclass(frozen=True)
class Html:
    """Markup built by cscbench with every text escaped, placed in a page as is."""

    text: str


@dataclass(frozen=True)
class Section:
    """A part of a page with its own heading (and anchor): tables, charts, markup."""

    id: str
    heading: str
    parts: tuple[Table | Chart | Html, ...] = ()
    intro: tuple[str, ...] = ()


@dataclass(frozen=True)
class Page:
    """One HTML page: breadcrumbs, a heading, plain-text paragraphs, then its sections (or, for a
    page without sections, its tables one after another) and the data releases it shows."""

    stem: str
    title: str
    section: str
    tables: tuple[Table, ...] = ()
    intro: tuple[str, ...] = ()
    sort_key: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    sections: tuple[Section, ...] = ()
    crumbs: tuple[tuple[str, str], ...] = ()  # (stem under the site root, text), home first
    blocks: tuple[Html, ...] = ()  # after the intro: page navigation and the like
    releases: Html | None = None  # which release of each source the page shows
    banner: Html | None = None  # under the title: the page shows local figures (local.py)
    local: tuple[Section, ...] = ()  # after the official figures: local returns (local.py)

    @property
    def charts(self) -> tuple[Chart, ...]:
        return tuple(p for s in self.sections for p in s.parts if isinstance(p, Chart))

    @property
    def shown(self) -> tuple[Table, ...]:
        """Every table a reader sees, in page order."""
        if not self.sections:
            return self.tables
        return tuple(p for s in self.sections for p in s.parts if isinstance(p, Table))
