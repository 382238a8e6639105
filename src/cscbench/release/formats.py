"""The release's other formats beside the CSVs: one Parquet file per resource (dates as timestamps,
so pandas reads datetimes) and a DuckDB database with every table typed from its Table Schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from cscbench.analysis.loader import load
from cscbench.package import reader as package_object
from cscbench.package.schema import primary_key
from cscbench.release.diff import Package

DUCKDB = "cscbench.duckdb"


PARQUET_DIR = "parquet"
PARQUET_TIME_UNIT = "us"  # dates in Parquet: timestamps at midnight, so pandas gets datetime64


DUCKDB_TYPES = {"number": "DOUBLE", "integer": "BIGINT", "date": "DATE", "boolean": "BOOLEAN"}


def write_parquet(
    descriptor: Path | package_object.Package, package: Package, folder: Path
) -> dict[str, Path]:
    """Each resource typed as :func:`cscbench.load` types it, except that dates are stored as
    timestamps at midnight: pandas reads a Parquet date as Python objects but a timestamp as
    ``datetime64`` (DuckDB and polars read either; the DuckDB database keeps DATE)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in package.frames:
        path = folder / f"{name}.parquet"
        parquet_frame(load(name, descriptor)).write_parquet(path)  # a Package: no CSV read
        out[name] = path
    return out


def parquet_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its Date columns as Datetime (microseconds, no time zone)."""
    return frame.with_columns(pl.col(pl.Date).cast(pl.Datetime(PARQUET_TIME_UNIT)))


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def duckdb_type(field: dict[str, Any]) -> str:
    """The column type: DOUBLE numbers, DATE dates, ENUM for a string with allowed values."""
    enum = field.get("constraints", {}).get("enum")
    kind = field.get("type", "string")
    if enum and kind == "string":
        return "ENUM(" + ", ".join(_literal(str(v)) for v in enum) + ")"
    return DUCKDB_TYPES.get(kind, "VARCHAR")


def create_table_sql(name: str, schema: dict[str, Any]) -> str:
    key = primary_key(schema)
    columns = [
        f"{_quoted(f['name'])} {duckdb_type(f)}" + (" NOT NULL" if f["name"] in key else "")
        for f in schema["fields"]
    ]
    if key:
        columns.append("PRIMARY KEY (" + ", ".join(_quoted(c) for c in key) + ")")
    return f"CREATE TABLE {_quoted(name)} (\n  " + ",\n  ".join(columns) + "\n)"


def write_duckdb(
    path: Path, package: Package, parquet: dict[str, Path], descriptions: dict[str, str]
) -> None:
    """One table per resource, with its types, primary key and descriptions as comments."""
    import duckdb

    with duckdb.connect(str(path)) as con:
        for name, schema in package.schemas.items():
            con.execute(create_table_sql(name, schema))
            con.read_parquet(str(parquet[name])).insert_into(_quoted(name))
            if descriptions.get(name):
                con.execute(f"COMMENT ON TABLE {_quoted(name)} IS {_literal(descriptions[name])}")
            for f in schema["fields"]:
                if f.get("description"):
                    column = f"{_quoted(name)}.{_quoted(f['name'])}"
                    con.execute(f"COMMENT ON COLUMN {column} IS {_literal(f['description'])}")
        con.execute("CHECKPOINT")
