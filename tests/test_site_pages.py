"""The published site as a reader meets it: charts, links, definitions, navigation, dates.

Fast tier: every page of the session's ``published`` build (no PNG images) is read once
(``pages``) and checked for charts with year labels (the headline page and every profile), links
(every council name in a table leads to its profile; no internal link or anchor is broken),
definitions of every indicator, breadcrumbs, keyboard-reachable scrolling regions, data releases,
the council finder and the key findings. Slow tier: axe-core in Debian's Chromium reports no
serious or critical violation on any page type, at desktop and phone widths, and nothing is
clipped on a phone (the full build's PNG charts are checked in test_publish.py, beside the table
images).
"""

from __future__ import annotations

import html
import os
import re
from functools import cache
from pathlib import Path, PurePosixPath

import polars as pl
import pytest

import cscbench
from cscbench.core.paths import ROOT
from cscbench.publish import formatting as fmt
from cscbench.publish import index, themes

DESCRIPTOR = ROOT / "datapackage.json"
LEEDS = "E08000035"
HREF = re.compile(r'(?:href|src)="([^"]*)"')
ID = re.compile(r'\bid="([^"]+)"')
CELL = re.compile(r"<(th|td)\b[^>]*>(.*?)</\1>", re.S)
TAG = re.compile(r"<[^>]+>")
LINK = re.compile(r'<a href="([^"]+)">')
SVG = re.compile(r'<svg role="img"[^>]*>.*?</svg>', re.S)


@pytest.fixture(scope="module")
def pages(published: Path) -> dict[str, str]:
    """Every HTML page of the published site, by path under the site root."""
    return {
        p.relative_to(published).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(published.rglob("*.html"))
    }


@pytest.fixture(scope="module")
def councils() -> pl.DataFrame:
    areas = cscbench.load("areas", DESCRIPTOR)
    return areas.filter(pl.col("level") == "local_authority", pl.col("status") == "current")


def text(cell: str) -> str:
    return html.unescape(TAG.sub("", cell)).strip()


def resolve(page: str, href: str) -> str:
    """A link's target file under the site root (``page``: the linking page's path)."""
    target = PurePosixPath(page).parent / href
    parts: list[str] = []
    for part in target.parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def profile_pages(pages: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in pages.items() if k.startswith("profiles/")}


# ---------------------------------------------------------------------------- charts


def years_in(svg: str) -> set[str]:
    return set(re.findall(r">((?:19|20)\d\d(?:-\d\d)?)</text>", svg))


def test_headline_page_and_every_profile_have_a_chart_with_year_labels(
    pages: dict[str, str], councils: pl.DataFrame
) -> None:
    headline = pages["headline/leeds-vs-wakefield.html"]
    drawn = SVG.findall(headline)
    assert len(drawn) >= 5  # a chart for each theme with key indicators
    assert all(years_in(svg) and "<title id=" in svg and "<desc id=" in svg for svg in drawn)
    assert {"2017", "2025", "2022-23", "2024-25"} <= set().union(*map(years_in, drawn))
    profiles = profile_pages(pages)
    assert len(profiles) == councils.height
    for path, page in profiles.items():
        (svg,) = SVG.findall(page)
        assert {"2025", "2024-25"} <= years_in(svg), path
        assert 'aria-labelledby="' in svg and 'aria-describedby="' in svg, path


def test_chart_words_name_the_councils_lines(pages: dict[str, str]) -> None:
    """The description a screen reader gets says what each line is and where it ends."""
    page = pages[f"profiles/{LEEDS.lower()}-leeds.html"]
    (desc,) = re.findall(r"<desc id=\"[^\"]+\">(.*?)</desc>", page, re.S)
    words = html.unescape(desc)
    assert "Leeds" in words and "Yorkshire and The Humber" in words and "England" in words
    assert "Caseload (cases per FTE): Leeds from" in words


# ---------------------------------------------------------------------------- links


def test_every_council_name_in_a_table_links_to_its_profile(
    published: Path, pages: dict[str, str], councils: pl.DataFrame
) -> None:
    names = set(councils["name"].to_list())
    checked = 0
    for path, page in pages.items():
        for table in re.findall(r'<table class="gt_table".*?</table>', page, re.S):
            for _, cell in CELL.findall(table):
                if text(cell) not in names:
                    continue
                links = LINK.findall(cell)
                assert links, (path, text(cell))
                target = resolve(path, html.unescape(links[0]))
                assert target.startswith("profiles/") and (published / target).is_file()
                checked += 1
    assert checked > 500  # regions, groups, the headline, claims and Ofsted history


def test_no_internal_link_or_anchor_is_broken(published: Path, pages: dict[str, str]) -> None:
    ids = {path: set(ID.findall(page)) for path, page in pages.items()}
    for path, page in pages.items():
        for href in {html.unescape(h) for h in HREF.findall(page)}:
            if href.startswith(("http://", "https://", "mailto:")):
                continue
            file, _, anchor = href.partition("#")
            target = resolve(path, file) if file else path
            assert (published / target).is_file(), (path, href)
            if anchor and target.endswith(".html"):
                assert anchor in ids[target], (path, href)


def test_every_indicator_label_in_a_profile_links_to_its_page(
    pages: dict[str, str],
) -> None:
    """Each label leads to the indicator's own page (every council ranked), at its definition,
    which links on to the definitions page."""
    page = pages[f"profiles/{LEEDS.lower()}-leeds.html"]
    stubs = re.findall(r'<th [^>]*class="gt_row[^"]*gt_stub[^"]*"[^>]*>(.*?)</th>', page, re.S)
    assert len(stubs) > 50
    assert all(re.search(r'href="\.\./indicators/[a-z0-9_]+\.html#definition"', s) for s in stubs)


def test_definitions_page_covers_every_indicator(pages: dict[str, str]) -> None:
    page = pages["definitions.html"]
    indicators = cscbench.load("indicators", DESCRIPTOR)
    for row in indicators.iter_rows(named=True):
        entry = re.search(rf'<dt id="{row["indicator_id"]}">(.*?)</dd>', page, re.S)
        assert entry, row["indicator_id"]
        words = html.unescape(entry.group(1))
        assert row["label"] in words and (row["definition"] or "") in words
        assert "Periods held:" in words and "Source:" in words
    for theme in indicators["theme"].cast(pl.String).unique():
        assert f'<section id="{themes.anchor(theme)}">' in page


# ---------------------------------------------------------------------------- every page


def test_every_page_has_breadcrumbs_regions_and_its_releases(pages: dict[str, str]) -> None:
    for path, page in pages.items():
        assert '<nav class="crumbs" aria-label="Breadcrumb">' in page, path
        for region in re.findall(r'<div id="[^"]+" class="scroll"[^>]*>', page):
            assert 'tabindex="0" role="region" aria-label="' in region, path
        if '<table class="gt_table"' in page and not path.startswith("changes/"):
            # (the What changed page shows the package's own changes, no publisher's figures)
            assert '<section id="releases"' in page, path
            assert "published " in page or "publication date not recorded" in page, path


def test_profile_links_region_neighbours_and_alphabetical_neighbours(
    published: Path, pages: dict[str, str]
) -> None:
    page = pages[f"profiles/{LEEDS.lower()}-leeds.html"]
    assert 'href="../regions/yorkshire-and-the-humber.html"' in page
    section = page.split('<section id="neighbours">', 1)[1].split("</section>", 1)[0]
    linked = re.findall(r'<a href="\.\./(profiles/[^"]+)">([^<]+)</a>', section)
    assert len(linked) == 10 and all((published / p).is_file() for p, _ in linked)
    assert "Close" in section
    pager = re.search(r'<nav class="pager".*?</nav>', page, re.S).group(0)
    assert "← " in pager and " →" in pager
    for theme in ("workforce", "front_door", "child_protection", "care_leavers", "spending"):
        assert f'id="{themes.anchor(theme)}"' in page


def test_index_finds_a_council_by_any_name_without_script(
    pages: dict[str, str], councils: pl.DataFrame
) -> None:
    page = pages["index.html"]
    items = re.findall(r'<li data-names="([^"]*)"><a href="([^"]+)">([^<]+)</a>', page)
    assert len(items) == councils.height
    hull = [(keys, href) for keys, href, name in items if "hull" in keys.split("|")]
    assert hull == [(hull[0][0], "profiles/e06000010-kingston-upon-hull-city-of.html")]
    assert "<script>" in page and index.SEARCH_SCRIPT in page and 'id="q"' in page


def test_index_key_findings_come_from_the_package(pages: dict[str, str]) -> None:
    page = html.unescape(pages["index.html"])
    obs = cscbench.load("observations", DESCRIPTOR).filter(
        pl.col("indicator_id") == "caseload_fte", pl.col("area_code") == LEEDS
    )
    latest = obs.sort("period_end")["value"][-1]
    findings = page.split('<section id="findings">', 1)[1].split("</section>", 1)[0]
    assert f"Leeds {latest:.1f} (rank " in html.unescape(TAG.sub("", findings))
    assert "Biggest movers" in findings and "the biggest rise since" in findings


def test_alt_text_names_the_page_that_shows_the_table() -> None:
    """A table shown on another page's name (the ratings table is on the claims page)."""
    frame = pl.DataFrame({"a": [1]})
    table = fmt.Table("claims/ratings-vs-ofsted", "T", "S.", None, frame, page="claims/claims-x")
    assert table.alt.endswith("in ratings-vs-ofsted.csv and on the web page claims-x.html.")


# ---------------------------------------------------------------------------- slow tier


CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
PAGE_TYPES = (
    "index.html",
    "headline/leeds-vs-wakefield.html",
    f"profiles/{LEEDS.lower()}-leeds.html",
    "regions/yorkshire-and-the-humber.html",
    "groups/west-yorkshire.html",
    "claims/claims-vs-statistics.html",
    "ofsted/leeds-and-wakefield-history.html",
    "definitions.html",
)


@cache
def browser_paths() -> tuple[Path, Path] | None:
    return (CHROMIUM, CHROMEDRIVER) if CHROMIUM.is_file() and CHROMEDRIVER.is_file() else None


@pytest.fixture(scope="module")
def driver():
    """Debian's chromium through its chromedriver, both paths given, offline: Selenium Manager
    never runs (so never downloads a driver)."""
    if browser_paths() is None:
        message = (
            "chromium and chromium-driver are needed (apt-get install chromium chromium-driver)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    # axe-core runs as an asynchronous script: on two shared cores a long page can take longer
    # than Selenium's default 30 s; the test asserts what axe finds, never how fast
    browser.set_script_timeout(600)
    yield browser
    browser.quit()


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_serious_or_critical_violation(published: Path, driver, width: int) -> None:
    driver.set_window_size(width, 900)
    found = {}
    for page in PAGE_TYPES:
        driver.get((published / page).as_uri())
        if bad := serious_violations(driver):
            found[page] = bad
    assert not found


def serious_violations(driver) -> list[tuple[str, str, int]]:
    """axe-core's serious and critical violations on the page the browser shows: (rule, impact,
    how many elements)."""
    from axe_core_python.selenium import Axe

    return [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in Axe().run(driver)["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.slow
def test_phone_width_clips_no_title_or_note(published: Path, driver) -> None:
    """At 390 px every table's title, group headings and notes fit the screen (their text is
    pinned), and the first column stays in view when the table scrolls sideways."""
    driver.set_window_size(390, 900)
    driver.get((published / f"profiles/{LEEDS.lower()}-leeds.html").as_uri())
    width = driver.execute_script("return document.documentElement.clientWidth")
    overflow = driver.execute_script(
        "return [...document.querySelectorAll('.pin')]"
        ".filter(e => e.getBoundingClientRect().right > arguments[0] + 1).length",
        width,
    )
    assert overflow == 0
    region = driver.find_element("css selector", ".scroll")
    stub = driver.find_element("css selector", ".scroll .gt_stub")
    before = stub.location["x"]
    driver.execute_script("arguments[0].scrollLeft = 400", region)
    assert abs(stub.rect["x"] - before) < 2  # sticky: the first column did not move


def test_a_chart_is_an_accessible_image_and_is_reused_only_for_the_same_content(
    tmp_path: Path,
) -> None:
    """One tiny chart rendered by one worker: an image with its title and words, its inner
    ids prefixed; written as the previous site's file, it is reused for the same content only."""
    from dataclasses import replace

    from cscbench.publish import chart_render

    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": [{"period": "2024", "value": 1}, {"period": "2025", "value": 2}]},
        "mark": "line",
        "encoding": {"x": {"field": "period", "type": "ordinal"}, "y": {"field": "value"}},
    }
    chart = fmt.Chart("t/tiny-trend", "Tiny <chart>", "Rises from 1 to 2.", spec, pl.DataFrame())
    ((stem, (svg, png)),) = chart_render.render([chart], png=False).items()
    assert stem == "t/tiny-trend" and png is None
    assert svg.startswith('<svg role="img" aria-labelledby="t-tiny-trend-title"')
    assert '<title id="t-tiny-trend-title">Tiny &lt;chart&gt;</title>' in svg
    assert "graphics-symbol" not in svg and ">2025</text>" in svg
    (tmp_path / "t").mkdir()
    (tmp_path / "t/tiny-trend.svg").write_text(svg, encoding="utf-8")
    with chart_render.Rendering([chart], png=False, previous=tmp_path) as again:
        assert again.done == {stem: (svg, None)} and not again.procs and again.fonts is None
    changed = replace(chart, description="Rises from 1 to 3.")
    with chart_render.Rendering([changed], png=False, previous=tmp_path) as other:
        assert not other.done and len(other.procs) == 1 and other.fonts is not None
        fonts = other.fonts
    assert not fonts.exists()  # the workers' font folder is removed


@pytest.mark.slow
def test_chart_panels_stack_with_axis_text_of_11_px_on_a_phone(published: Path, driver) -> None:
    """At 390 px the trend chart's panels are one under another, each at least as wide as its
    drawing, so its 10 px axis labels show at 11 CSS px or more."""
    driver.set_window_size(390, 900)
    driver.get((published / "profiles/e08000036-wakefield.html").as_uri())
    found = driver.execute_script(
        """
        const panels = [...document.querySelectorAll('#trends .phone svg.panel')];
        const svg = document.querySelector('#trends .frame svg');
        const sizes = [...svg.querySelectorAll('.role-axis-label text')]
            .map(t => parseFloat(t.getAttribute('font-size')));
        return {
            lefts: panels.map(p => Math.round(p.getBoundingClientRect().left)),
            tops: panels.map(p => p.getBoundingClientRect().top),
            scales: panels.map(p => p.getBoundingClientRect().width / p.viewBox.baseVal.width),
            font: Math.min(...sizes),
            page: document.documentElement.scrollWidth,
            hidden: svg.closest('.frame').getBoundingClientRect().width,
        };
        """
    )
    assert len(found["lefts"]) == 8 and len(set(found["lefts"])) == 1  # one column
    assert found["tops"] == sorted(found["tops"])
    assert min(found["scales"]) * found["font"] >= 11
    assert found["page"] <= 390 and found["hidden"] <= 1  # nothing off-screen sideways
