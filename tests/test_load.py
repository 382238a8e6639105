"""The analyst's loader: dtypes and name lookup on the committed package."""

from __future__ import annotations

import polars as pl
import pytest

import cscbench
from cscbench.core.names import NameMatchError


def test_resources_listed() -> None:
    names = cscbench.resources()
    for name in ("areas", "indicators", "observations", "statistical_neighbours", "sources"):
        assert name in names


def test_observation_dtypes() -> None:
    obs = cscbench.load("observations")
    assert obs.schema["value"] == pl.Float64
    assert obs.schema["period_end"] == pl.Date
    assert isinstance(obs.schema["status"], pl.Enum)
    assert (
        obs.filter(indicator_id="caseload_fte", area_code="E08000036", period="2018")[
            "value"
        ].item()
        == 21.9
    )


def test_enum_columns_in_areas_and_indicators() -> None:
    assert isinstance(cscbench.load("areas").schema["level"], pl.Enum)
    assert isinstance(cscbench.load("indicators").schema["polarity"], pl.Enum)
    assert cscbench.load("statistical_neighbours").schema["rank"] == pl.Int64


def test_find_area() -> None:
    assert cscbench.find_area("Hull")["area_code"] == "E06000010"
    assert cscbench.find_area("Barnsley")["area_code"] == "E08000038"
    assert cscbench.find_area("Dorset")["area_code"] == "E06000059"
    with pytest.raises(NameMatchError):
        cscbench.find_area("Gotham")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("E08000035", "E08000035"),  # GSS code
        (" e08000036 ", "E08000036"),  # case and spaces do not matter
        ("E08000016", "E08000016"),  # a superseded code is its own row (series_code says where)
        ("383", "E08000035"),  # DfE's old 3-digit code for Leeds
        ("370", "E08000038"),  # Barnsley's 370 is under both codes: the current one wins
        ("E06000061 / E06000062", "E06000061 / E06000062"),  # a joint return as published
    ],
)
def test_find_area_by_code(query: str, code: str) -> None:
    assert cscbench.find_area(query)["area_code"] == code


@pytest.mark.parametrize(
    ("query", "suggested"),
    [("Wakefeild", "'Wakefield'"), ("Leds", "'Leeds'"), ("Kingston", "'Kingston upon Thames'")],
)
def test_find_area_suggests_close_names(query: str, suggested: str) -> None:
    with pytest.raises(NameMatchError, match="did you mean") as error:
        cscbench.find_area(query)
    assert suggested in str(error.value)


def test_find_area_unknown_code_says_so() -> None:
    with pytest.raises(NameMatchError, match="no area has the code 'E99999999'"):
        cscbench.find_area("E99999999")


def test_unknown_resource() -> None:
    with pytest.raises(KeyError, match="no resource 'nope'"):
        cscbench.load("nope")
