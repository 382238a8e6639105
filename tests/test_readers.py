"""Everyday readers with their default settings (issue 21): DuckDB's ``read_csv_auto`` and pandas'
``read_csv`` read every CSV of the committed package whole and with the types its Table Schema
declares, and pandas and DuckDB read the release's Parquet files with dates as dates.

DuckDB guesses the dialect and the types from a sample at the start of the file; the package's
CSV writer quotes the header (so the quote character is seen) and observations are ordered
council by council (so a financial year "2023-24" is met among the years "2024")."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from cscbench.core.paths import ROOT
from cscbench.release.cut import write_parquet
from cscbench.release.diff import read_package

DESCRIPTOR = ROOT / "datapackage.json"
RESOURCES = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))["resources"]
DUCKDB_INTEGERS = {"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT"}
DUCKDB_TYPES = {
    "string": {"VARCHAR"},
    "integer": DUCKDB_INTEGERS,
    "number": DUCKDB_INTEGERS | {"DOUBLE", "FLOAT"},
    "date": {"DATE"},
    "boolean": {"BOOLEAN"},
}


def fields(resource: dict[str, Any]) -> dict[str, str]:
    schema = json.loads((ROOT / resource["schema"]).read_text(encoding="utf-8"))
    return {f["name"]: f.get("type", "string") for f in schema["fields"]}


def rows(resource: dict[str, Any]) -> int:
    with (ROOT / resource["path"]).open("rb") as handle:
        return sum(1 for _ in handle) - 1  # no cell holds a line break


@pytest.mark.parametrize("resource", RESOURCES, ids=[r["name"] for r in RESOURCES])
def test_duckdb_read_csv_auto_reads_every_csv_with_its_types(resource: dict[str, Any]) -> None:
    path = ROOT / resource["path"]
    with duckdb.connect() as con:
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv_auto('{path}')")
        relation = con.table("t")
        types = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
        counts = ", ".join(f'count("{name}")' for name in types)
        count, *filled = con.sql(f"SELECT count(*), {counts} FROM t").fetchall()[0]
    empty = {name for name, n in zip(types, filled, strict=True) if n == 0}
    declared = fields(resource)
    assert list(types) == list(declared)
    wrong = {
        name: (kind, types[name])
        for name, kind in declared.items()
        if types[name] not in DUCKDB_TYPES[kind]
        and not (name in empty and types[name] == "VARCHAR")
    }
    assert wrong == {}, f"{resource['name']}: declared vs read_csv_auto's type"
    assert count == rows(resource)


@pytest.mark.parametrize("resource", RESOURCES, ids=[r["name"] for r in RESOURCES])
def test_pandas_read_csv_reads_every_csv_with_its_types(resource: dict[str, Any]) -> None:
    """Text columns hold text only (never a mix of numbers and text), numbers are numbers; dates
    are text, as pandas leaves every date unless asked (``parse_dates``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a DtypeWarning (mixed types) fails the test
        frame = pd.read_csv(ROOT / resource["path"])
    assert list(frame.columns) == list(fields(resource)) and len(frame) == rows(resource)
    for name, kind in fields(resource).items():
        column = frame[name]
        if column.isna().all():
            continue
        if kind in ("integer", "number"):
            assert pd.api.types.is_numeric_dtype(column), (resource["name"], name, column.dtype)
        elif not isinstance(column.dtype, pd.StringDtype):  # a string dtype holds text only
            kinds = set(column.dropna().map(type).unique())
            assert kinds == {str}, (resource["name"], name, kinds)


@pytest.fixture(scope="module")
def parquet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_parquet(DESCRIPTOR, read_package(DESCRIPTOR), tmp_path_factory.mktemp("pq"))


@pytest.mark.parametrize("resource", RESOURCES, ids=[r["name"] for r in RESOURCES])
def test_the_release_parquet_reads_in_pandas_and_duckdb_with_dates_as_dates(
    resource: dict[str, Any], parquet: dict[str, Path]
) -> None:
    path = parquet[resource["name"]]
    frame = pd.read_parquet(path)
    with duckdb.connect() as con:
        relation = con.sql(f"SELECT * FROM read_parquet('{path}')")
        types = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
        assert len(relation.fetchall()) == rows(resource) == len(frame)
    for name, kind in fields(resource).items():
        if kind == "date":
            assert pd.api.types.is_datetime64_dtype(frame[name]), (name, frame[name].dtype)
            assert types[name].startswith("TIMESTAMP"), (name, types[name])
        elif kind in ("integer", "number"):
            assert pd.api.types.is_numeric_dtype(frame[name]), (name, frame[name].dtype)
            assert types[name] in DUCKDB_TYPES[kind], (name, types[name])
        elif kind == "string" and not isinstance(frame[name].dtype, pd.StringDtype):
            assert set(frame[name].dropna().map(type).unique()) <= {str}, name
