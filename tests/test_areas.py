"""Areas: reorganisations, joint returns, name lookup."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cscbench.core.names import NameMatchError, normalise_name
from cscbench.ingest.areas import match_names


@pytest.fixture(scope="module")
def areas(package_frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return package_frames["areas"]


def row(areas: pl.DataFrame, code: str) -> dict[str, object]:
    return areas.filter(area_code=code).row(0, named=True)


def test_counts(areas: pl.DataFrame) -> None:
    current = areas.filter(status="current")
    assert current.filter(level="local_authority").height == 153
    assert current.filter(level="regional").height == 9
    assert current.filter(level="sub_regional").height == 2
    assert current.filter(level="national").height == 1
    assert areas.filter(level="joint_return").height == 2


@pytest.mark.parametrize(
    ("old", "new", "end"),
    [
        ("E10000002", "E06000060", "2020-03-31"),  # Buckinghamshire
        ("E10000023", "E06000065", "2023-03-31"),  # North Yorkshire
        ("E10000027", "E06000066", "2023-03-31"),  # Somerset
        ("E08000016", "E08000038", "2024-03-31"),  # Barnsley
        ("E08000019", "E08000039", "2024-03-31"),  # Sheffield
        ("E08000020", "E08000037", "2013-03-31"),  # Gateshead (DfE's C4 to 2019)
        ("E06000048", "E06000057", "2013-03-31"),  # Northumberland (DfE's C4 to 2019)
    ],
)
def test_superseded_codes_continue_their_series(
    areas: pl.DataFrame, old: str, new: str, end: str
) -> None:
    before, after = row(areas, old), row(areas, new)
    assert before["status"] == "superseded"
    assert before["successor_code"] == new
    assert before["series_code"] == new == after["series_code"]
    assert before["end_date"] == dt.date.fromisoformat(end)
    assert after["start_date"] == dt.date.fromisoformat(end) + dt.timedelta(days=1)
    assert before["old_la_code"] == after["old_la_code"]


@pytest.mark.parametrize(
    ("code", "successors"),
    [
        ("E10000021", "E06000061|E06000062"),  # Northamptonshire
        ("E10000006", "E06000063|E06000064"),  # Cumbria
        ("E10000009", "E06000059|E06000058"),  # Dorset County Council
        ("E06000028", "E06000058"),  # Bournemouth
        ("E06000029", "E06000058"),  # Poole
    ],
)
def test_abolished_councils(areas: pl.DataFrame, code: str, successors: str) -> None:
    r = row(areas, code)
    assert r["status"] == "abolished"
    assert r["successor_code"] == successors
    assert r["series_code"] is None


def test_joint_returns(areas: pl.DataFrame) -> None:
    r = row(areas, "E09000021 / E09000027")
    assert r["level"] == "joint_return"
    assert r["member_codes"] == "E09000021|E09000027"
    assert r["region_code"] == "E12000007"
    assert row(areas, "E06000061 / E06000062")["member_codes"] == "E06000061|E06000062"


def test_london_boroughs_sit_in_london_with_their_sub_region(areas: pl.DataFrame) -> None:
    r = row(areas, "E09000021")
    assert r["region_code"] == "E12000007" and r["sub_region_code"] == "E13000002"


def test_name_lookup(areas: pl.DataFrame) -> None:
    names = pl.Series(
        [
            "Hull",
            "Kingston upon Hull, City of",
            "LEEDS",
            "Wakefield Council",
            "England (all councils)",
        ]
    )
    assert match_names(names, areas, "test").to_list() == [
        "E06000010",
        "E06000010",
        "E08000035",
        "E08000036",
        "E92000001",
    ]


def test_dorset_needs_a_date(areas: pl.DataFrame) -> None:
    with pytest.raises(NameMatchError, match="ambiguous"):
        match_names(pl.Series(["Dorset"]), areas, "test")
    dates = pl.Series([dt.date(2012, 6, 1), dt.date(2024, 6, 1)])
    assert match_names(pl.Series(["Dorset", "Dorset"]), areas, "test", dates).to_list() == [
        "E10000009",
        "E06000059",
    ]


def test_unmatched_name_is_an_error_naming_the_row(areas: pl.DataFrame) -> None:
    with pytest.raises(NameMatchError, match=r"row 2: 'Gotham' -> no area has this name"):
        match_names(pl.Series(["Leeds", "Gotham"]), areas, "press")


@given(st.text(alphabet="abcdefghij &,.'-", min_size=1, max_size=30))
def test_normalised_names_ignore_case_punctuation_and_spacing(name: str) -> None:
    variants = [name, name.upper(), f"  {name} ", name.replace("&", " and ")]
    keys = {pl.select(normalise_name(pl.lit(v))).item() for v in variants}
    assert len(keys) == 1


def test_a_name_out_of_its_dates_says_when_it_was_in_use(areas: pl.DataFrame) -> None:
    with pytest.raises(NameMatchError, match=r"'Cumbria' -> none in use on 2025-01-01.*E10000006"):
        match_names(pl.Series(["Cumbria"]), areas, "press", pl.Series([dt.date(2025, 1, 1)]))
