"""The pages of issue 18 on the built site: each indicator's ranking, compare.html and search.

Fast tier (the session's ``published`` build): every indicator has a page that lists every
current council, ranks exactly the councils with an unflagged figure of their own, shows flagged
figures with their caveat, matches :func:`cscbench.load`, and has a CSV beside it; the definitions
page links each indicator's page; compare-data.js and search-index.js hold the package's values and
every name a council is known by. Slow tier (Debian's Chromium, offline): compare.html shows the
councils its address names with the package's values, type-ahead adds a council and the address
follows, search finds "Bradford Council" and "Kirklees Council" from a profile, the ranking filters
and sorts, and axe-core reports no serious or critical violation at 1280 and 390 px.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_site_pages import driver, serious_violations  # noqa: F401  (driver: a fixture)

import cscbench
from cscbench.analysis import comparison
from cscbench.core.paths import ROOT
from cscbench.publish import compare_page, navigation, output_names, search
from cscbench.publish.indicator_pages import DIRECTIONS, change_text

DESCRIPTOR = ROOT / "datapackage.json"
LEEDS, WAKEFIELD, BRADFORD, KIRKLEES = "E08000035", "E08000036", "E08000032", "E08000034"
TEXT = dict.fromkeys(("period", "previous_period", "region_code", "status", "basis"), pl.String)
ROW = re.compile(r'<tr data-region="[^"]*">(.*?)</tr>', re.S)
CELL = re.compile(r"<(th|td)\b[^>]*>(.*?)</\1>", re.S)
TAG = re.compile(r"<[^>]+>")


def text(cell: str) -> str:
    return html.unescape(TAG.sub("", cell)).strip()


def script_global(path: Path) -> object:
    """The JSON a ``window.NAME=...;`` script file assigns."""
    body = path.read_text(encoding="utf-8")
    assert body.startswith("window.") and body.endswith(";\n")
    return json.loads(body.split("=", 1)[1][:-2])


@pytest.fixture(scope="module")
def indicators() -> pl.DataFrame:
    return cscbench.load("indicators", DESCRIPTOR).with_columns(
        pl.col(pl.Enum, pl.Categorical).cast(pl.String)
    )


@pytest.fixture(scope="module")
def councils() -> set[str]:
    areas = cscbench.load("areas", DESCRIPTOR)
    current = areas.filter(pl.col("level") == "local_authority", pl.col("status") == "current")
    return set(current["area_code"].to_list())


@pytest.fixture(scope="module")
def observations() -> pl.DataFrame:
    return cscbench.load("observations", DESCRIPTOR).with_columns(
        pl.col(pl.Enum, pl.Categorical).cast(pl.String)
    )


@pytest.fixture(scope="module")
def latest() -> pl.DataFrame:
    """The comparison grid at each indicator's latest period, straight from the package."""
    names = ("areas", "indicators", "observations", "statistical_neighbours", "caveats")
    inputs = comparison.Inputs(*(cscbench.load(n, DESCRIPTOR) for n in names))
    return comparison.latest(comparison.compare(inputs))


# ---------------------------------------------------------------------------- indicator pages


def test_every_indicator_page_ranks_every_council_with_a_figure(
    published: Path, indicators: pl.DataFrame, councils: set[str], observations: pl.DataFrame
) -> None:
    checked = 0
    for meta in indicators.iter_rows(named=True):
        stem = navigation.indicator_stem(meta["indicator_id"])
        assert stem == f"indicators/{meta['indicator_id']}"
        page = (published / f"{stem}.html").read_text(encoding="utf-8")
        csv = pl.read_csv(
            published / f"{stem}.csv", schema_overrides=TEXT, infer_schema_length=None
        )
        assert set(csv["area_code"]) == councils, stem
        rows = ROW.findall(page)
        assert len(rows) == len(councils), stem
        own = csv.filter(pl.col("basis").fill_null("own") == "own")
        rankable = pl.col("value").is_not_null() & ~pl.col("flagged")
        if meta["polarity"] == "neutral":
            assert csv["rank"].null_count() == csv.height, stem
        else:
            assert own.filter(rankable != pl.col("rank").is_not_null()).is_empty(), stem
        # flagged figures: shown with their caveat, unranked
        for row in csv.filter(pl.col("flagged")).iter_rows(named=True):
            shown = next(r for r in rows if f"/{row['area_code'].lower()}-" in r)
            cells = [text(c[1]) for c in CELL.findall(shown)]
            unranked = "—" if meta["polarity"] == "neutral" else "not ranked"
            assert cells[0] == unranked and row["caveat"] in cells[-1], (stem, row)
            checked += 1
        # the figures are the package's: each council's own observation at the latest period
        joined = own.drop_nulls("value").join(
            observations.select(
                "area_code", "indicator_id", "period", pl.col("value").alias("raw")
            ),
            on=["area_code", "indicator_id", "period"],
        )
        assert joined.height >= 0.9 * own.drop_nulls("value").height, stem
        tolerance = 0.5 * 10.0 ** -meta["decimals"] + 1e-9
        off = joined.filter((pl.col("value") - pl.col("raw")).abs() > tolerance)
        assert off.is_empty(), (stem, off.head())
    assert checked > 0  # the package flags some figures (Isles of Scilly's small bases...)


def test_leeds_caseload_row_reads_as_the_package(published: Path, latest: pl.DataFrame) -> None:
    page = (published / "indicators/caseload_fte.html").read_text(encoding="utf-8")
    leeds = next(r for r in ROW.findall(page) if "e08000035-leeds.html" in r)
    cells = [text(c[1]) for c in CELL.findall(leeds)]
    grid = latest.filter(pl.col("unit_code") == LEEDS, pl.col("indicator_id") == "caseload_fte")
    row = grid.row(0, named=True)
    assert cells[0] == f"{row['rank']} of {row['ranked_count']}"
    assert cells[1] == "Leeds" and cells[2] == "Yorkshire and The Humber"
    assert cells[3] == f"{row['value']:.1f}" and cells[5] == row["band"]
    assert cells[4].endswith(f"since {row['previous_period']}")


def test_definitions_page_links_every_indicator_page(
    published: Path, indicators: pl.DataFrame
) -> None:
    page = (published / "definitions.html").read_text(encoding="utf-8")
    for indicator_id in indicators["indicator_id"]:
        assert f'href="indicators/{indicator_id}.html"' in page, indicator_id
        target = (published / f"indicators/{indicator_id}.html").read_text(encoding="utf-8")
        assert f'href="../definitions.html#{indicator_id}"' in target
        assert 'id="definition"' in target


@given(
    change=st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
    direction=st.sampled_from([None, *DIRECTIONS]),
    decimals=st.integers(0, 3),
)
def test_change_text_gives_the_sign_and_the_direction(
    change: float | None, direction: str | None, decimals: int
) -> None:
    frame = pl.DataFrame(
        {
            "change": [change],
            "change_direction": [direction],
            "decimals": [decimals],
            "previous_period": ["2024"],
        },
        schema_overrides={"change": pl.Float64, "change_direction": pl.String},
    )
    said = frame.select(change_text()).item()
    if change is None:
        assert said == "—"
        return
    assert said.endswith(" since 2024")
    assert said.startswith("+") == (change > 0) and not said.startswith("+-")
    if direction is not None:
        assert f"({DIRECTIONS[direction]})" in said
    else:
        assert "(" not in said


@given(st.text(max_size=40))
def test_an_indicator_page_name_is_always_a_safe_output_name(indicator_id: str) -> None:
    assert output_names.SAFE_STEM.fullmatch(navigation.indicator_stem(indicator_id))


# ---------------------------------------------------------------------------- compare and search data


def test_compare_data_holds_the_package_values(
    published: Path, indicators: pl.DataFrame, latest: pl.DataFrame
) -> None:
    data = script_global(published / compare_page.DATA_FILE)
    decimals = dict(indicators.select("indicator_id", "decimals").iter_rows())
    ids = [i[0] for i in data["indicators"]]
    grid = latest
    assert ids and len(data["councils"]) == 153
    for code in (LEEDS, WAKEFIELD, BRADFORD):
        for i, indicator in enumerate(ids):
            cell = dict(zip(compare_page.CELLS, data["cells"][code][i], strict=True))
            row = grid.filter(pl.col("unit_code") == code, pl.col("indicator_id") == indicator)
            value = row["value"][0]
            assert (cell["value"] is None) == (value is None)
            if value is not None:  # as shown: at the indicator's decimals
                tolerance = 0.5 * 10.0 ** -decimals[indicator] + 1e-9
                assert abs(cell["value"] - value) <= tolerance, (code, indicator)
            assert cell["change_direction"] == row["change_direction"][0]
    names = {c[0]: c[4] for c in data["councils"]}
    assert "city of bradford" in names[BRADFORD] and "e08000032" in names[BRADFORD]


def test_search_index_covers_every_page_and_every_name(published: Path) -> None:
    entries = script_global(published / search.INDEX_FILE)
    urls = {e[1] for e in entries}
    built = {p.relative_to(published).as_posix() for p in published.rglob("*.html")}
    assert urls == built
    bradford = next(e for e in entries if e[1].startswith("profiles/e08000032-"))
    assert bradford[0] == "Bradford" and "city of bradford" in bradford[3]
    caseload = next(e for e in entries if e[1] == "indicators/caseload_fte.html")
    assert caseload[2] == "Indicator"
    profile = (published / "profiles/e08000035-leeds.html").read_text(encoding="utf-8")
    assert 'src="../search-index.js"' in profile and 'id="site-search"' in profile


# ---------------------------------------------------------------------------- in Chromium


@pytest.mark.slow
def test_compare_page_shows_the_councils_in_its_address(published: Path, driver) -> None:  # noqa: F811
    data = script_global(published / compare_page.DATA_FILE)
    driver.set_window_size(1280, 900)
    driver.get((published / "compare.html").as_uri() + f"#{LEEDS},{WAKEFIELD}")
    rows = driver.find_elements("css selector", "table.compare-table tbody tr")
    assert len(rows) == 2 * len(data["indicators"])
    first = driver.find_elements("css selector", "table.compare-table")[0]
    shown = {
        r.get_attribute("data-code"): r.find_element("css selector", "td").text
        for r in first.find_elements("css selector", "tbody tr")
    }
    assert set(shown) == {LEEDS, WAKEFIELD}
    for code, figure in shown.items():
        assert figure == data["cells"][code][0][0]
    # type-ahead: a council by another of its names, then the address follows
    box = driver.find_element("id", "add")
    box.send_keys("City of Bradford\n")
    assert driver.execute_script("return location.hash") == f"#{LEEDS},{WAKEFIELD},{BRADFORD}"
    assert "Bradford added." in driver.find_element("id", "picked-said").text
    assert len(driver.find_elements("css selector", "table.compare-table tbody tr")) == 3 * len(
        data["indicators"]
    )
    box.send_keys("Kirklees Council\n")
    assert driver.execute_script("return location.hash").endswith(f",{KIRKLEES}")
    driver.find_element("css selector", f'#picked button[data-code="{LEEDS}"]').click()
    assert driver.execute_script("return location.hash") == f"#{WAKEFIELD},{BRADFORD},{KIRKLEES}"


@pytest.mark.slow
def test_search_finds_councils_by_their_everyday_names(published: Path, driver) -> None:  # noqa: F811
    driver.set_window_size(1280, 900)
    driver.get((published / "profiles/e08000035-leeds.html").as_uri())
    box = driver.find_element("id", "site-q")
    for typed, stem in (("Bradford Council", "e08000032-"), ("Kirklees Council", "e08000034-")):
        box.clear()
        box.send_keys(typed)
        hits = driver.find_elements("css selector", "#site-hits a")
        assert hits and f"profiles/{stem}" in hits[0].get_attribute("href"), typed
        assert (
            published / hits[0].get_attribute("href").removeprefix(published.as_uri() + "/")
        ).is_file()


@pytest.mark.slow
def test_indicator_page_filters_by_region_and_sorts(published: Path, driver) -> None:  # noqa: F811
    from selenium.webdriver.support.ui import Select

    driver.set_window_size(1280, 900)
    driver.get((published / "indicators/caseload_fte.html").as_uri())
    Select(driver.find_element("id", "region")).select_by_visible_text("Yorkshire and The Humber")
    visible = [
        r for r in driver.find_elements("css selector", "#ranking tbody tr") if r.is_displayed()
    ]
    assert len(visible) == 15 and "15 councils shown" in driver.find_element("id", "shown").text
    driver.find_element("css selector", 'th[data-key="council"] button').click()
    names = [r.find_element("css selector", "th").text for r in visible]
    ordered = [
        r.find_element("css selector", "th").text
        for r in driver.find_elements("css selector", "#ranking tbody tr")
        if r.is_displayed()
    ]
    assert ordered == sorted(names)


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_serious_violation_on_the_new_pages(
    published: Path,
    driver,  # noqa: F811
    width: int,
) -> None:
    driver.set_window_size(width, 900)
    found = {}
    for page in (f"compare.html#{LEEDS},{WAKEFIELD},{BRADFORD}", "indicators/caseload_fte.html"):
        file, _, anchor = page.partition("#")
        driver.get((published / file).as_uri() + (f"#{anchor}" if anchor else ""))
        driver.find_element("id", "site-q").send_keys("Kirklees")  # the search results too
        if bad := serious_violations(driver):
            found[page] = bad
    assert not found
