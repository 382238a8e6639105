"""latest_judgements counts as Ofsted counts "as at" a date, and "published by" as asked.

Ofsted's headline (tests/ofsted/headlines.toml, checked against the raw as-at sheets when the raw
folder is there) is reproduced from the package alone; the cut-offs in registry/ofsted_counts.toml
are checked against each official file's cover sheet.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cscbench
from cscbench.analysis import judgements
from cscbench.core.paths import ROOT
from cscbench.core.series import as_text
from cscbench.ingest.registry import default_registry

HEADLINES = tomllib.loads((ROOT / "tests/ofsted/headlines.toml").read_text(encoding="utf-8"))
GRADES = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement to be good",
    "inadequate": "Inadequate",
}
IDS = [h["as_at"] for h in HEADLINES["headline"]]


def _counts(grades: pl.Series) -> dict[str, int]:
    counts = {key: int((grades == word).sum()) for key, word in GRADES.items()}
    return counts | {"councils": grades.len(), "not_inspected": grades.null_count()}


def _pinned(headline: dict) -> dict[str, int]:
    return {k: headline[k] for k in [*GRADES, "councils", "not_inspected"]}


@pytest.fixture(scope="module")
def frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    return as_text(cscbench.load("inspections")), cscbench.load("areas")


@pytest.mark.parametrize("headline", HEADLINES["headline"], ids=IDS)
def test_package_reproduces_ofsteds_headline(headline: dict, frames) -> None:
    latest = judgements.latest_from(*frames, headline["as_at"])
    assert _counts(latest["grade"]) == _pinned(headline)


def _as_at_sheet(path: Path, sheet: str) -> pl.DataFrame:
    grid = pl.read_excel(
        path, sheet_name=sheet, engine="calamine", has_header=False, infer_schema_length=0
    )
    header = [str(v) if v is not None else "" for v in grid.row(2)]
    return grid.slice(3).rename(dict(zip(grid.columns, header, strict=True)))


@pytest.mark.parametrize("headline", HEADLINES["headline"], ids=IDS)
def test_pinned_headline_is_ofsteds(headline: dict, raw_dir: Path) -> None:
    sheet = _as_at_sheet(raw_dir / "ofsted" / headline["file"], headline["sheet"])
    assert _counts(sheet["Overall effectiveness"]) == _pinned(headline)


def _cover_cut_off(path: Path) -> dt.date:
    """The 'published by' date of the cover's 'Period covered' row for councils' inspections."""
    cover = pl.read_excel(
        path, sheet_name="Cover", engine="calamine", has_header=False, infer_schema_length=0
    )
    for label, text in cover.select(cover.columns[:2]).iter_rows():
        wanted = label and label.startswith("Period covered")
        if wanted and ("local authority" in label.lower() or label.strip() == "Period covered:"):
            found = re.search(r"published by (\d{1,2} \w+ \d{4})", text or "")
            assert found, f"{path.name}: no 'published by' date in {text!r}"
            return dt.datetime.strptime(found[1], "%d %B %Y").date()
    raise AssertionError(f"{path.name}: no 'Period covered' row for local authority inspections")


def test_declared_cut_offs_are_the_covers(raw_dir: Path) -> None:
    registry = default_registry()
    rules = judgements.count_rules()
    assert sorted(str(d) for d in rules) == IDS
    for rule in rules.values():
        path = raw_dir / str(registry.source(rule.source_id).raw_path)
        assert _cover_cut_off(path) == rule.published_by, rule


def test_reports_out_by_the_cut_off_count_later_ones_do_not(frames) -> None:
    latest = judgements.latest_from(*frames, "2025-03-31").filter(
        pl.col("name").is_in(["Blackburn with Darwen", "Dorset", "Surrey", "York", "Wakefield"])
    )
    rows = {r["name"]: r for r in latest.iter_rows(named=True)}
    for name in ("Blackburn with Darwen", "Dorset", "Surrey", "York"):
        published = rows[name]["graded_publication_date"]
        assert dt.date(2025, 4, 1) <= published <= dt.date(2025, 5, 31), name
        assert rows[name]["graded_fieldwork_start"] <= dt.date(2025, 3, 31), name
    assert rows["Wakefield"]["graded_fieldwork_start"] < dt.date(2025, 1, 1)
    later = judgements.latest_from(*frames, "2025-03-31", published_by="2025-07-31")
    wakefield = later.filter(pl.col("name") == "Wakefield").row(0, named=True)
    assert dt.date(2025, 3, 1) <= wakefield["graded_fieldwork_start"] <= dt.date(2025, 3, 31)
    assert wakefield["graded_publication_date"].month == 7


def test_the_late_report_the_2023_file_names_counts(frames) -> None:
    rule = judgements.count_rules()[dt.date(2023, 3, 31)]
    (late,) = rule.included
    latest = judgements.latest_from(*frames, "2023-03-31")
    row = latest.filter(pl.col("area_code") == late.area_code).row(0, named=True)
    assert row["graded_fieldwork_start"] == late.fieldwork_start
    assert row["graded_publication_date"] > rule.published_by


def test_published_by_is_everything_published_then(frames) -> None:
    published = judgements.latest_from(*frames, published_by="2025-03-31")
    assert _counts(published["grade"]) | {"councils": 153} == {
        "outstanding": 33,
        "good": 67,
        "requires_improvement": 34,
        "inadequate": 19,
        "councils": 153,
        "not_inspected": 0,
    }
    assert (published["graded_publication_date"] <= dt.date(2025, 3, 31)).all()


def test_councils_are_those_of_the_date_under_their_codes_then(frames) -> None:
    latest = judgements.latest_from(*frames, "2021-03-31")
    names = set(latest["name"])
    assert {"Northamptonshire", "Cumbria"} <= names
    assert not {"North Northamptonshire", "West Northamptonshire", "Cumberland"} & names
    codes = dict(zip(latest["name"], latest["area_code"], strict=True))
    assert codes["North Yorkshire"] == "E10000023"  # its code then (E06000065 from 2023)
    assert codes["Barnsley"] == "E08000016"
    today = judgements.latest_from(*frames)
    assert today.height == 153
    assert "Cumbria" not in set(today["name"])


@given(day=st.dates(dt.date(2010, 1, 1), dt.date(2026, 12, 31)))
def test_what_counts_is_done_and_out_by_then(day: dt.date, frames) -> None:
    rules = judgements.count_rules()
    cut = rules[day].published_by if day in rules else day
    latest = judgements.latest_from(*frames, day)
    areas = as_text(frames[1])
    existed = areas.filter(
        pl.col("area_code").is_in(latest["area_code"].implode()),
        pl.col("start_date").is_null() | (pl.col("start_date") <= day),
        pl.col("end_date").is_null() | (pl.col("end_date") >= day),
    )
    assert existed.height == latest.height == latest["area_code"].n_unique()
    graded = latest.filter(pl.col("grade").is_not_null())
    done = pl.coalesce("graded_fieldwork_start", "graded_publication_date") <= day
    assert graded.select(done.all()).item()
    assert (graded["graded_publication_date"] <= cut).all() or day in rules


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[count]]\nas_at = "2025-03-31"\npublished_by = "2025-02-01"\n', "on or after"),
        ('[[count]]\nas_at = "31/03/2025"\n', "ISO date"),
        ('[[count]]\nas_at = "2025-03-31"\npublished_by = "2025-06-30"\nfoo = 1\n', "unknown"),
        ("not toml [", "cannot read"),
    ],
)
def test_a_bad_rules_file_is_refused_by_name(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "ofsted_counts.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(judgements.CountRulesError, match=message):
        judgements.count_rules(path)


def test_a_bad_date_is_a_usage_error() -> None:
    with pytest.raises(cscbench.core.errors.UsageError, match="as_at"):
        cscbench.latest_judgements(as_at="31 March 2025")
