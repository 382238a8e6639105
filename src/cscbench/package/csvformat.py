"""The package's files byte for byte: each column as text (shortest round-trip floats, whole numbers
without '.0', ISO dates), RFC 4180 CSV with a quoted header, and the package's licence. Here, not
in ingest, because publish and release write the same format without importing ingest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

# The package's licence; release lists a resource's own licences where its sources differ.
OGL_LICENCE = {
    "name": "OGL-UK-3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "title": "Open Government Licence v3.0",
}


def number_text(column: pl.Expr) -> pl.Expr:
    """A number column's text: shortest round-trip floats, whole numbers without '.0'."""
    values = column.cast(pl.Float64)
    whole = values.is_finite() & (values == values.round(0)) & (values.abs() < 1e15)
    return (
        pl.when(whole)
        .then(values.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(values.cast(pl.String))
    )


def format_column(series: pl.Series, field_type: str) -> pl.Series:
    """Text for one column: shortest round-trip floats, whole numbers without '.0', ISO dates."""
    if field_type == "number":
        return pl.select(number_text(pl.lit(series))).to_series().alias(series.name)
    if field_type == "integer":
        return series.cast(pl.Int64).cast(pl.String)
    if field_type == "date" and series.dtype != pl.String:
        return series.cast(pl.Date).dt.to_string("%Y-%m-%d")
    return series.cast(pl.String)


def to_csv_frame(df: pl.DataFrame, table_schema: dict[str, Any]) -> pl.DataFrame:
    fields = table_schema["fields"]
    missing = [f["name"] for f in fields if f["name"] not in df.columns]
    if missing:
        raise ValueError(f"frame lacks schema columns {missing}")
    return pl.DataFrame([format_column(df[f["name"]], f.get("type", "string")) for f in fields])


def write_csv(df: pl.DataFrame, path: Path) -> None:
    """RFC 4180 CSV, cells quoted only where needed; the header's names are always quoted, so a
    reader that guesses the dialect from the first rows (DuckDB's read_csv_auto) sees the quote
    character even when no early cell needs one."""
    header = ",".join('"' + name.replace('"', '""') + '"' for name in df.columns) + "\n"
    with path.open("wb") as handle:
        handle.write(header.encode("utf-8"))
        df.write_csv(
            handle,
            include_header=False,
            line_terminator="\n",
            null_value="",
            quote_style="necessary",
        )
