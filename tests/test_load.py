"""The analyst's loader: dtypes and name lookup on the committed package."""

from __future__ import annotations

import polars as pl
import pytest

import cscbench
from cscbench.names import NameMatchError


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


def test_unknown_resource() -> None:
    with pytest.raises(KeyError, match="no resource 'nope'"):
        cscbench.load("nope")
