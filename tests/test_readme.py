"""Every README example runs as written: the Python blocks in order in one namespace (as a reader
pastes them into one session), the SQL block in DuckDB from the package's folder; the polars,
pandas and DuckDB answers to the same question agree. The README documents the two commands."""

from __future__ import annotations

import re

import duckdb
import pandas as pd
import polars as pl
import pytest
from pinned import WORKFORCE

import cscbench
from cscbench.core.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
# The README's worked answer (latest caseloads), pinned in tests/fixtures/releases.toml.
EXPECTED = [
    (r["name"], r["period"], r["period_end"], r["value"])
    for r in WORKFORCE["readme_latest_caseload"]
]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


@pytest.fixture(scope="module")
def namespace() -> dict[str, object]:
    names: dict[str, object] = {}
    for number, block in enumerate(_blocks("python"), start=1):
        exec(compile(block, f"README.md python block {number}", "exec"), names)
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
    (sql,) = _blocks("sql")
    monkeypatch.chdir(cscbench.package_dir())
    assert duckdb.sql(sql).fetchall() == EXPECTED


def test_readme_has_the_two_commands() -> None:
    assert "make          # main job" in README and "make test" in README
