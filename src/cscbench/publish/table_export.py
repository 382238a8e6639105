"""A table's data as it is downloaded (CSV, and the workbook's sheets), split from formatting.

Text cells are neutralised against spreadsheet formulas and numbers written as the package writes
them; each column is one polars expression, so a table's export is one pass over its frame.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl


def neutralise(text: pl.Expr) -> pl.Expr:
    """OWASP CSV-injection guidance: a text cell starting with = + - @ gets a leading apostrophe.

    Spreadsheets then show it as text instead of evaluating it; the data package keeps the text
    exactly. Numeric columns are untouched (a negative number is not a formula).
    """
    return text.str.replace(r"^([=+\-@\t\r])", "'$1")


def _export_columns(frame: pl.DataFrame, numbers: bool) -> list[pl.Expr]:
    """Each text or enum column as neutralised text, and (``numbers``) each float column as the
    package writes numbers: one expression a column, so a table's export is one polars pass."""
    from cscbench.package.csvformat import number_text as package_number

    out = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Enum | pl.Categorical):
            out.append(neutralise(pl.col(name).cast(pl.String)))
        elif dtype == pl.String:
            out.append(neutralise(pl.col(name)))
        elif numbers and dtype == pl.Float64:
            out.append(package_number(pl.col(name)))
    return out


def export_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """A table's data ready for CSV/XLSX: enums as text, every text cell neutralised."""
    columns = _export_columns(frame, numbers=False)
    return frame.with_columns(columns) if columns else frame


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """A table's data as CSV; numbers as the package writes them (85, not 85.0)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = _export_columns(frame, numbers=True)
    out = frame.with_columns(columns) if columns else frame
    out.write_csv(path, line_terminator="\n", date_format="%Y-%m-%d")
