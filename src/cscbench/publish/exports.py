"""The site's downloads besides each table's CSV (written with its page): every package resource as
Parquet and every table in one XLSX workbook, both deterministic (no wall-clock time inside)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.publish import formatting as fmt
from cscbench.publish import workbook

WORKBOOK = "data/cscbench-tables.xlsx"
PARQUET_DIR = "data/parquet"
FIXED_TIME = dt.datetime(2000, 1, 1)  # workbook metadata: no wall-clock time in outputs
# Numbers as stored (polars would show floats to 3 decimals); the web pages show them rounded.
UNROUNDED = {pl.Float64: "General", pl.Float32: "General"}
SHEET_FORBIDDEN = "[]:*?/\\"
SHEET_LENGTH = 31
RESERVED_SHEETS = {"history", "readme"}  # Excel reserves History; README is the first sheet
RESOURCE_FILE = re.compile(r"[a-z0-9][a-z0-9_-]*")  # a resource name kept as its Parquet file name


def write_parquet(root: Path, frames: dict[str, pl.DataFrame]) -> list[str]:
    """Every package resource as Parquet, typed as :func:`cscbench.load` returns it.

    A resource's name comes from the package: one that is not a plain name (letters, digits,
    ``_`` and ``-``) is written under its slug, so ``../../../PWNED`` becomes ``pwned.parquet``
    inside the site.
    """
    folder = root / PARQUET_DIR
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted(frames)
    written = []
    files = fmt.distinct(
        [n if RESOURCE_FILE.fullmatch(n) else fmt.slug(n) or "resource" for n in names]
    )
    for name, file in zip(names, files, strict=True):
        frames[name].write_parquet(folder / f"{file}.parquet", statistics=False)
        written.append(f"{PARQUET_DIR}/{file}.parquet")
    return written


def write_workbook(
    path: Path,
    tables: Sequence[fmt.Table],
    readme: Sequence[str],
    sheets: Sequence[workbook.Sheet] = (),
) -> None:
    """One XLSX: a README sheet, one sheet per table, then ``sheets`` (the profiles); text cells
    neutralised (see fmt.neutralise).

    Each table goes in with polars' ``write_excel`` into our own xlsxwriter workbook, whose
    ``strings_to_formulas=False`` makes every text cell a string cell (xlsxwriter applies it to
    table data too), on top of the apostrophe from :func:`fmt.export_frame`. The fixed creation
    time makes the file byte-identical across runs.
    """
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": FIXED_TIME, "title": "cscbench published tables"})
    sheet = book.add_worksheet("README")
    for row, line in enumerate(readme):
        sheet.write_string(row, 0, _neutral(line))
    used = {"readme"}
    for table in tables:
        name = _sheet_name(table.sheet or table.stem, used)
        fmt.export_frame(table.data).write_excel(
            workbook=book,
            worksheet=name,
            dtype_formats=UNROUNDED,
            header_format={"bold": True},
            freeze_panes=(1, 0),
        )
    for extra in sheets:
        write_sheet(book, extra, _sheet_name(extra.name, used))
    book.close()


def write_sheet(book: Any, sheet: workbook.Sheet, name: str) -> None:
    """A wide sheet: the frame (numbers as numbers), then its text cells and cell comments."""
    fmt.export_frame(sheet.frame).write_excel(
        workbook=book,
        worksheet=name,
        dtype_formats=UNROUNDED,
        header_format={"bold": True},
        freeze_panes=(1, sheet.frozen_columns),
    )
    cells = book.get_worksheet_by_name(name)
    for row, col, text in sheet.texts.iter_rows():
        cells.write_string(row + 1, col, _neutral(text))
    for row, col, text in sheet.comments.iter_rows():
        cells.write_comment(row + 1, col, text)


def _neutral(text: str) -> str:
    return pl.select(fmt.neutralise(pl.lit(text))).item()


def _sheet_name(wanted: str, used: set[str]) -> str:
    """A sheet name Excel accepts, unique ignoring case: at most 31 UTF-16 units, none of
    ``[]:*?/\\`` or control characters, no apostrophe at either end, not Excel's reserved
    "History"; a repeat gets " 2", " 3"... (a region called "'Yorkshire" or "A/B" still publishes)."""
    cleaned = "".join(" " if c in SHEET_FORBIDDEN or not c.isprintable() else c for c in wanted)
    base = _trim(" ".join(cleaned.split()), SHEET_LENGTH) or "sheet"
    if base.lower() in RESERVED_SHEETS:
        base = f"{base} table"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" {n}"
        name, n = _trim(base, SHEET_LENGTH - len(suffix)) + suffix, n + 1
    used.add(name.lower())
    return name


def _trim(text: str, units: int) -> str:
    """``text`` cut to ``units`` UTF-16 code units (Excel's measure; never half a character),
    without apostrophes or spaces at either end."""
    out, size = [], 0
    for char in text.strip("' "):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > units:
            break
        out.append(char)
    return "".join(out).strip("' ")
