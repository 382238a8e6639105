"""Ingest of the DfE/ONS files: row counts against the raw files, spot checks, suppression, codes."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from pinned import WORKFORCE

from cscbench.ingest import ees
from cscbench.ingest.common import Contribution
from cscbench.ingest.registry import default_registry

LEEDS, WAKEFIELD, KIRKLEES = "E08000035", "E08000036", "E08000034"


def raw_rows(path: Path) -> list[dict[str, str]]:
    """Read a raw CSV with the standard library: an independent path from the ingest code."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def raw_cell(rows: list[dict[str, str]], column: str, **where: str) -> str:
    (hit,) = [r for r in rows if all(r[k] == v for k, v in where.items())]
    return hit[column]


def read(raw_dir: Path, source_id: str) -> Contribution:
    """One EES file through the registry-driven reader, as ingest reads it."""
    registry = default_registry()
    source = registry.source(source_id)
    return ees.read(raw_dir / str(source.raw_path), source, registry.of_dataset(source.dataset))


def path_of(raw_dir: Path, source_id: str) -> Path:
    return raw_dir / str(default_registry().source(source_id).raw_path)


CSWW, CLA, CIN, POPULATION = (
    "dfe_csww",
    "dfe_cla",
    "dfe_cin_b1",
    "ons_population_0_17",
)
CSWW_COLUMNS = [str(i.column) for i in default_registry().of_dataset("dfe_csww")]


def obs_value(obs: pl.DataFrame, indicator: str, area: str, period: str) -> dict[str, object]:
    return obs.filter(indicator_id=indicator, area_code=area, period=period).row(0, named=True)


@pytest.fixture(scope="module")
def workforce(raw_dir: Path) -> pl.DataFrame:
    return read(raw_dir, CSWW).observations


def test_workforce_row_count_matches_raw(raw_dir: Path, workforce: pl.DataFrame) -> None:
    rows = raw_rows(path_of(raw_dir, CSWW))
    assert len(rows) == WORKFORCE["rows"]
    assert workforce.height == len(rows) * len(CSWW_COLUMNS)


def test_workforce_spot_checks(raw_dir: Path, workforce: pl.DataFrame) -> None:
    rows = raw_rows(path_of(raw_dir, CSWW))
    for area, period in [(LEEDS, "2025"), (WAKEFIELD, "2018"), ("E92000001", "2025")]:
        level = "National" if area.startswith("E92") else "Local authority"
        key = {"time_period": period, "geographic_level": level}
        if level != "National":
            key["new_la_code"] = area
        for column in ("caseload_fte", "agency_rate_fte", "vacancy_rate_fte", "turnover_rate_fte"):
            row = obs_value(workforce, column, area, period)
            assert row["value"] == float(raw_cell(rows, column, **key))
            assert row["period_end"].isoformat() == f"{period}-09-30"
    assert obs_value(workforce, "caseload_fte", WAKEFIELD, "2018")["value"] == 21.9


def test_workforce_suppression_kept_as_status(raw_dir: Path, workforce: pl.DataFrame) -> None:
    rows = raw_rows(path_of(raw_dir, CSWW))
    symbols = {r[c] for r in rows for c in CSWW_COLUMNS} - {""}
    symbols = {s for s in symbols if not s.replace(".", "", 1).replace("-", "", 1).isdigit()}
    assert symbols == set(workforce["status"].drop_nulls().unique())
    suppressed = workforce.filter(pl.col("status").is_not_null())
    assert suppressed["value"].null_count() == suppressed.height
    assert workforce.filter(pl.col("status").is_null())["value"].null_count() == 0


def test_kirklees_zero_agency_is_published_with_a_note(package_frames: dict) -> None:
    """The registry's figure note (registry/sources.toml) lands on exactly the published zeros."""
    workforce = package_frames["observations"]
    rows = workforce.filter(indicator_id="agency_rate_fte", area_code=KIRKLEES).filter(
        pl.col("period") >= "2021"
    )
    assert rows["period"].to_list() == WORKFORCE["kirklees_zero_agency_periods"]
    assert rows["value"].to_list() == [0.0] * rows.height
    assert rows["note"].null_count() == 0


def test_joint_returns_keep_published_code(workforce: pl.DataFrame) -> None:
    codes = set(workforce["area_code"])
    assert "E09000021 / E09000027" in codes
    assert "E06000061 / E06000062" in codes


def test_code_changes_keep_source_codes(workforce: pl.DataFrame) -> None:
    caseload = workforce.filter(indicator_id="caseload_fte")
    periods = lambda code: sorted(caseload.filter(area_code=code)["period"])  # noqa: E731
    assert periods("E08000016") == [str(y) for y in range(2017, 2025)]  # Barnsley, old code
    assert periods("E08000038") == WORKFORCE["barnsley_new_code_periods"]
    assert periods("E10000002") == ["2017", "2018", "2019"]  # Buckinghamshire CC
    assert periods("E06000060")[0] == "2020"
    assert periods("E10000023")[-1] == "2022" and periods("E06000065")[0] == "2023"  # N Yorks
    assert periods("E10000027")[-1] == "2022" and periods("E06000066")[0] == "2023"  # Somerset


def test_looked_after(raw_dir: Path) -> None:
    obs = read(raw_dir, CLA).observations
    rows = raw_rows(path_of(raw_dir, CLA))
    assert obs.height == len(rows) * 2
    count = obs_value(obs, "cla_31_march_count", LEEDS, "2025")
    raw = raw_cell(
        rows,
        "children_count",
        time_period="2025",
        new_la_code=LEEDS,
        population_type="Children looked after on 31 March each year",
    )
    assert count["value"] == float(raw)
    assert count["period_end"].isoformat() == "2025-03-31"
    assert set(obs["indicator_id"]) == {
        "cla_31_march_count",
        "cla_31_march_rate_per_10k",
        "cla_started_count",
        "cla_started_rate_per_10k",
        "cla_ceased_count",
        "cla_ceased_rate_per_10k",
    }


def test_children_in_need_and_population(raw_dir: Path) -> None:
    obs = read(raw_dir, CIN).observations
    rows = raw_rows(path_of(raw_dir, CIN))
    assert obs.height == len(rows) * len(default_registry().of_dataset("dfe_cin_b1"))
    assert "cin_at31_episodes" in set(obs["indicator_id"])
    assert obs_value(obs, "cin_at31_episodes", LEEDS, "2025")["value"] == float(
        raw_cell(rows, "At31_episodes", time_period="2025", new_la_code=LEEDS)
    )
    pop = read(raw_dir, POPULATION).observations
    assert obs_value(pop, "population_0_17", LEEDS, "2024")["value"] == 176239.0


def test_every_ingest_is_deterministic(raw_dir: Path) -> None:
    for source_id in (CSWW, CLA, CIN, POPULATION):
        assert read(raw_dir, source_id).observations.equals(read(raw_dir, source_id).observations)
