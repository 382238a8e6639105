"""Every example of the analysts' guide (docs/analysts.md) runs as written: the Python blocks in
order in one namespace (as a reader pastes them into one session), the SQL blocks in DuckDB from
the package's folder; the polars, pandas and DuckDB answers to the same question agree, and the
readers with their default settings give what the page says."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pandas as pd
import polars as pl
import pytest
from pinned import WORKFORCE

import cscbench
from cscbench.core.paths import ROOT

GUIDE = (ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")
# The guide's worked answer (latest caseloads), pinned in tests/fixtures/releases.toml.
EXPECTED = [
    (r["name"], r["period"], r["period_end"], r["value"])
    for r in WORKFORCE["readme_latest_caseload"]
]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE, re.S)


@pytest.fixture(scope="module")
def namespace() -> dict[str, object]:
    names: dict[str, object] = {}
    for number, block in enumerate(_blocks("python"), start=1):
        exec(compile(block, f"docs/analysts.md python block {number}", "exec"), names)
    return names


def test_python_examples_run(namespace: dict[str, object]) -> None:
    caseload = namespace["caseload"]
    assert isinstance(caseload, pl.DataFrame)
    assert caseload.columns == ["period", "Leeds", "Wakefield"]
    assert namespace["hull"]["area_code"] == "E06000010"  # type: ignore[index]
    assert namespace["newer_ungraded"].height > 0  # type: ignore[attr-defined]


def test_polars_answer(namespace: dict[str, object]) -> None:
    latest = namespace["latest_caseload"]
    assert isinstance(latest, pl.DataFrame)
    assert latest.rows() == EXPECTED


def test_pandas_answer_has_the_same_values_and_types(namespace: dict[str, object]) -> None:
    frame = namespace["caseload_pd"]
    assert isinstance(frame, pd.DataFrame)
    rows = [(n, p, e.date(), v) for n, p, e, v in frame.itertuples(index=False)]
    assert rows == EXPECTED
    observations = namespace["observations"]
    assert isinstance(observations, pd.DataFrame)
    assert observations["period"].dtype == "string"
    assert observations["value"].dtype == "Float64"
    assert pd.api.types.is_datetime64_any_dtype(observations["period_end"])
    assert observations["value"].isna().sum() == cscbench.load("observations")["value"].null_count()


def test_duckdb_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    (sql,) = [block for block in _blocks("sql") if "QUALIFY" in block]
    monkeypatch.chdir(cscbench.package_dir())
    assert duckdb.sql(sql).fetchall() == EXPECTED


def test_pandas_defaults_give_numbers_text_and_dates(namespace: dict[str, object]) -> None:
    """pandas' read_csv with no arguments: values are numbers, periods text, dates after
    to_datetime, as the page says."""
    plain = namespace["plain"]
    assert isinstance(plain, pd.DataFrame)
    assert pd.api.types.is_float_dtype(plain["value"])
    assert set(plain["period"].dropna().map(type).unique()) == {str}
    assert pd.api.types.is_datetime64_any_dtype(plain["period_end"])
    assert len(plain) == cscbench.load("observations").height


def test_duckdb_defaults_give_typed_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB's read_csv_auto with no arguments: the page's query runs, its dates are dates."""
    blocks = [block for block in _blocks("sql") if "read_csv_auto" in block]
    assert blocks, "the guide shows read_csv_auto with its defaults"
    monkeypatch.chdir(cscbench.package_dir())
    for sql in blocks:
        rows = duckdb.sql(sql).fetchall()
        assert [row[0] for row in rows] == ["agency_rate_fte", "caseload_fte"]
        assert all(isinstance(row[2], date) for row in rows)
