"""Profiles against each statistical neighbour, Ofsted visits, change markers, movers and charts
on a phone (issue 18), checked on the session's ``published`` build against ``load()``.

Every profile names each neighbour's figure on every headline indicator (the package's latest
value, flagged figures with their caveat), lists every Ofsted visit its council had, and marks
each change better or worse as the indicator's polarity says (worked out here from the values,
not read from compare); the index's biggest movers leave out flagged figures and small bases by
the declared rule and link every name. The phone layout of the charts is checked in Chromium in
test_site_pages.py (slow tier).
"""

from __future__ import annotations

import html
import re
import tomllib
from functools import cache
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pinned import WORKFORCE

import cscbench
from cscbench.analysis.comparison import Inputs, build, latest
from cscbench.core.paths import ROOT
from cscbench.publish import findings
from cscbench.publish import formatting as fmt

DESCRIPTOR = ROOT / "datapackage.json"
BRADFORD, CITY_OF_LONDON = "E08000032", "E09000001"
TAG = re.compile(r"<[^>]+>")
ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
CELL = re.compile(r"<(th|td)\b[^>]*>(.*?)</\1>", re.S)
FLAG = re.compile(r"\s*\(flagged, note \d+\)$")


def text(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(TAG.sub("", markup))).strip()


def section(page: str, sid: str) -> str:
    return page.split(f'<section id="{sid}">', 1)[1].split("</section>", 1)[0]


def body_rows(markup: str) -> list[list[str]]:
    """The cells' text of every row of the first table body in ``markup``."""
    body = markup.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[text(c) for _, c in CELL.findall(row)] for row in ROW.findall(body)]


@pytest.fixture(scope="module")
def profiles(published: Path) -> dict[str, str]:
    """council code -> its profile page."""
    return {
        p.name.split("-", 1)[0].upper(): p.read_text(encoding="utf-8")
        for p in sorted((published / "profiles").glob("*.html"))
    }


@cache
def frames() -> dict[str, pl.DataFrame]:
    names = ("areas", "indicators", "observations", "statistical_neighbours", "caveats")
    return {n: cscbench.load(n, DESCRIPTOR) for n in names}


@cache
def latest_grid() -> pl.DataFrame:
    f = frames()
    grid = build(
        Inputs(
            f["areas"],
            f["indicators"],
            f["observations"],
            f["statistical_neighbours"],
            f["caveats"],
        )
    ).grid
    meta = f["indicators"].select(
        "indicator_id", "unit", "decimals", pl.col("polarity").cast(pl.String).alias("pol")
    )
    return latest(grid).join(meta, on="indicator_id")


@cache
def headline_ids() -> list[str]:
    ind = frames()["indicators"].filter(pl.col("headline_order").is_not_null())
    return ind.sort("headline_order", "indicator_id")["indicator_id"].to_list()


def test_every_profile_names_each_neighbours_figures(profiles: dict[str, str]) -> None:
    """Each neighbour's row carries its latest figure on every headline indicator, as the
    package has it; a flagged figure is marked and its caveat is in the notes below."""
    f = frames()
    series = dict(f["areas"].select("area_code", "series_code").iter_rows())
    names = dict(f["areas"].select("area_code", "name").iter_rows())
    grid = latest_grid().filter(pl.col("indicator_id").is_in(headline_ids()))
    shown = grid.with_columns(
        (fmt.figure_text("value", "status", "unit", "decimals") + fmt.joint_tag()).alias("t")
    )
    expected = {
        (u, i): (t, c)
        for u, i, t, c in shown.select("unit_code", "indicator_id", "t", "caveat").iter_rows()
    }
    pairs = f["statistical_neighbours"].with_columns(
        pl.col(pl.Categorical, pl.Enum).cast(pl.String)
    )
    checked = 0
    for code, page in profiles.items():
        mine = pairs.filter(pl.col("area_code").replace_strict(series, default=None) == code)
        part = section(page, "neighbours")
        rows = body_rows(part)
        assert len(rows) == mine.height + 1, code  # the council itself, then its neighbours
        assert rows[0][1] == names[code]
        for rank, nb in mine.sort("rank").select("rank", "neighbour_code").iter_rows():
            row = rows[rank]
            nb_code = series[nb]
            assert row[0] == str(rank) and row[1] == names[nb_code], (code, rank)
            for n, indicator in enumerate(headline_ids()):
                figure, caveat = expected[(nb_code, indicator)]
                assert FLAG.sub("", row[3 + n]) == figure, (code, nb_code, indicator)
                assert (FLAG.search(row[3 + n]) is not None) == (caveat is not None)
                if caveat is not None:
                    assert html.escape(caveat, quote=False) in part
                checked += 1
    assert checked > 10_000


def test_a_neighbours_ofsted_grade_and_profile_link(profiles: dict[str, str]) -> None:
    """Leeds' neighbours table links every neighbour to its profile and gives its grade."""
    part = section(profiles["E08000035"], "neighbours")
    rows = body_rows(part)
    assert all(r[-1] for r in rows) and rows[0][-1].startswith("Outstanding")
    assert len(re.findall(r'<a href="\.\./profiles/[^"]+\.html">', part)) == len(rows) - 1


def test_every_ofsted_visit_is_listed_on_its_profile(profiles: dict[str, str]) -> None:
    """Bradford's monitoring visits of 12 July 2024 and 13 March 2025, and every visit in the
    package on its council's profile."""
    rows = body_rows(section(profiles[BRADFORD], "visits"))  # newest fieldwork first
    assert [r[0] for r in rows[:2]] == ["13 Mar 2025", "12 Jul 2024"]
    assert [r[3] for r in rows[:2]] == ["Children in care", "Achieving permanence"]
    assert rows[2][2] == "from 27 Feb 2024" and rows[-1][2] == "from 27 Jul 2022"
    f = frames()
    series = dict(f["areas"].select("area_code", "series_code").iter_rows())
    visits = cscbench.load("inspections", DESCRIPTOR).filter(pl.col("judgement") == "visit")
    per_council: dict[str, int] = {}
    for area in visits["area_code"].cast(pl.String).to_list():
        per_council[series[area]] = per_council.get(series[area], 0) + 1
    for code, page in profiles.items():
        part = section(page, "visits")
        listed = len(body_rows(part)) if "<tbody>" in part else 0
        assert listed == per_council.get(code, 0), code
    assert sum(per_council.values()) == visits.height >= 60


def direction(change: float, polarity: str) -> str:
    if change == 0:
        return "no change"
    up_is_good = polarity == "high_is_good"
    return "better" if (change > 0) == up_is_good else "worse"


def test_change_markers_agree_with_polarity(profiles: dict[str, str]) -> None:
    """The summary at the top of every profile: better/worse as the polarity says, worked out
    here from the two figures; none for neutral indicators or flagged figures."""
    grid = latest_grid().filter(pl.col("indicator_id").is_in(headline_ids()))
    marked = 0
    for code, page in profiles.items():
        rows = body_rows(section(page, "latest-change"))
        mine = grid.filter(pl.col("unit_code") == code).sort(
            pl.col("indicator_id").replace_strict({i: n for n, i in enumerate(headline_ids())})
        )
        assert len(rows) == mine.height
        for row, r in zip(rows, mine.iter_rows(named=True), strict=True):
            shown = row[4].split(" ", 1)[-1] if row[4][:1] in "✔✖=" else None
            flagged = r["flagged"] or bool(r["previous_flagged"])
            if (
                r["value"] is None
                or r["previous_value"] is None
                or r["pol"] == "neutral"
                or flagged
            ):
                assert shown is None, (code, r["indicator_id"], row)
            else:
                assert shown == direction(r["value"] - r["previous_value"], r["pol"]), (code, row)
                marked += 1
    assert marked > 500


def test_movers_leave_out_flagged_and_small_bases_and_link_every_name(
    published: Path, profiles: dict[str, str]
) -> None:
    page = (published / "index.html").read_text(encoding="utf-8")
    findings = section(page, "findings")
    rule = tomllib.loads((ROOT / "config" / "findings.toml").read_text(encoding="utf-8"))
    below = rule["movers"]["small_base"][0]["below"]
    assert f"fewer than {below} FTE social workers" in text(findings)
    movers = findings.split("Biggest movers", 1)[1]
    assert "City of London" not in movers and "Isles of Scilly" not in movers
    items = re.findall(r"<li>(.*?)</li>", findings, re.S)
    assert len(items) >= 6
    for item in items:
        links = re.findall(r'<a href="(profiles/[^"]+)">', item)
        assert len(links) >= 2 and all((published / h).is_file() for h in links), item
    # the figures that would lead without the rule are left out by it
    grid = latest_grid().filter(pl.col("indicator_id") == "turnover_rate_fte")
    city = grid.filter(pl.col("unit_code") == CITY_OF_LONDON).row(0, named=True)
    pinned = WORKFORCE["city_of_london_turnover"]
    assert (city["previous_value"], city["value"]) == (pinned["previous"], pinned["latest"])


@given(below=st.one_of(st.integers(max_value=0), st.booleans(), st.text("abc", max_size=3)))
def test_a_bad_small_base_rule_is_refused_with_its_entry(tmp_path_factory, below) -> None:
    path = tmp_path_factory.mktemp("f") / "findings.toml"
    value = f'"{below}"' if isinstance(below, str) else str(below).lower()
    path.write_text(
        "[[movers.small_base]]\nindicators = ['a']\nbase = ['b']\n"
        f"below = {value}\nbase_label = 'x'\n",
        encoding="utf-8",
    )
    with pytest.raises(findings.FindingsConfigError, match="entry 1: below must be"):
        findings.small_base_rules(path)


@given(below=st.integers(min_value=1, max_value=10_000))
def test_the_rule_is_said_with_its_own_line(below: int) -> None:
    rule = findings.SmallBase(
        ("caseload_fte",), ("inpost_fte",), float(below), "FTE social workers"
    )
    said = findings.rules_text([rule], ["caseload_fte"])
    assert f"fewer than {below} FTE social workers" in said
    assert "fewer than" not in findings.rules_text([rule], ["other"])


def test_flagged_figures_are_not_drawn_and_the_chart_says_so(published: Path) -> None:
    """Issue 21: Wakefield's referrals of 2014-16 (flagged "check") no longer set the panel's
    scale: the chart leaves them out, its words name them, its CSV keeps them as flagged_value."""
    data = pl.read_csv(
        published / "headline" / "leeds-vs-wakefield-front-door-trend.csv", infer_schema=False
    )
    wakefield = data.filter(
        pl.col("area_code") == "E08000036",
        pl.col("indicator_id") == "referral_rate_per_10k",
        pl.col("kind") == "council",
    )
    left_out = wakefield.filter(pl.col("flagged_value").is_not_null())
    assert left_out["period"].to_list() == ["2014", "2015", "2016"]
    assert left_out["value"].null_count() == 3
    drawn = wakefield.filter(pl.col("value").is_not_null())["value"].cast(pl.Float64)
    assert drawn.max() < 1100  # the scale is set by the figures drawn
    page = (published / "headline" / "leeds-vs-wakefield.html").read_text(encoding="utf-8")
    assert "Flagged figures are not drawn" in page and "(flagged: not drawn)" in page
