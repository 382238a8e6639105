"""Every CSV row's field count checked against the header, without a second parse: polars pads a
short row and cuts a long one, so the rows are counted in the raw bytes (memory-mapped) and only a
file whose counts do not add up is read line by line to name the rows. Also home of
:class:`FileProblem`, the file-level problem both modules report.
"""

from __future__ import annotations

import mmap
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import polars as pl

# Quoted segments, including doubled quotes inside them ("a ""b"" c" is two adjacent segments).
QUOTED = r'"[^"]*"'


@dataclass(frozen=True)
class FileProblem:
    """A file-level problem: a check id, the line a person sees (header = 1), and what was expected."""

    check_id: str
    line: int | None
    column: str | None
    value: str | None
    expected: str


def _end_problem(path: Path, lines: int, open_at_end: bool) -> FileProblem | None:
    if lines < 2:
        return None
    if open_at_end:
        return FileProblem(
            "file.malformed",
            lines,
            None,
            None,
            "a closing quote (a quoted field runs on to the end of the file)",
        )
    if not _ends_with_newline(path):
        return FileProblem(
            "file.malformed",
            lines,
            None,
            None,
            "a newline at the end of the last line (the file may have been cut off)",
        )
    return None


def rows_add_up(path: Path, frame: pl.DataFrame) -> bool:
    """Whether every data row has the header's field count, judged from whole-file counts alone
    (False: not shown, so the rows are checked line by line, which also locates the bad ones).

    polars keeps every byte of a record in its cells except quotes, the commas it splits on, the
    newline ending it and CRs. So with no CR in the file, the data records' bytes (the file less
    its header line and one newline per row) less their quotes, minus the cells' bytes less their
    quotes, is the sum over rows of (fields - 1), which is at most rows * (width - 1) because the
    frame was read with a row longer than the header an error; equality means no row is short
    (a blank line is one field). A newline inside a quoted cell is cell content, so records may
    span lines. The cells' quotes (written doubled in quoted cells) are taken as 0, which can only
    make the total short: a file with quotes in its cells is left to the line-by-line check.
    Needs a quote-free header line (so it ends at the first newline), a final newline and two
    columns or more (with one, a blank line has the right field count).
    """
    if frame.width < 2:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return False
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
            return False
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            header_end = view.find(b"\n")
            if (
                header_end < 0
                or view[-1:] != b"\n"
                or view.find(b'"', 0, header_end) >= 0
                or view.find(b"\r") >= 0
            ):
                return False
            quotes = _occurrences(view, b'"', header_end)
    records = info.st_size - (header_end + 1) - frame.height - quotes
    cells = frame.select(pl.sum_horizontal(pl.col(frame.columns).str.len_bytes().sum())).item()
    return bool(records - (cells or 0) == frame.height * (frame.width - 1))


def _occurrences(view: mmap.mmap, byte: bytes, start: int, hops: int = 1 << 14) -> int:
    """How often ``byte`` occurs in ``view`` from ``start``: hop from one to the next (a fast
    search) while it is rare, then count the rest a block at a time."""
    count, at = 0, view.find(byte, start)
    while at >= 0 and count < hops:
        count, at = count + 1, view.find(byte, at + 1)
    block = 1 << 20
    if at >= 0:
        count += sum(view[i : i + block].count(byte) for i in range(at, len(view), block))
    return count


def bad_rows_by_length(path: Path, frame: pl.DataFrame) -> tuple[int, pl.Series] | None:
    """Data rows whose field count is wrong, found from line lengths (None: use the exact count).

    A line with exactly as many fields as the header is as long as its parsed cells, plus a comma
    between each two, plus its quote characters, minus the quotes that are cell content (written
    doubled, parsed once). A row with fewer fields lacks commas; polars cut a longer one, so its
    line is longer. Holds whenever each record is one line (lines = rows + header).
    """
    stats = (
        pl.scan_lines(path)
        .select(
            pl.col("line").str.len_bytes().alias("length"),
            pl.col("line").str.count_matches('"', literal=True).alias("quotes"),
        )
        .collect(engine="streaming")
    )
    if stats.height != frame.height + 1:
        return None
    data = stats.slice(1).with_columns(
        frame.select(
            pl.sum_horizontal(pl.col(c).str.len_bytes().fill_null(0) for c in frame.columns)
        )
        .to_series()
        .alias("cells")
    )
    quoted = data.with_row_index("row").filter(pl.col("quotes") > 0)["row"]
    inner = frame[quoted].select(
        pl.sum_horizontal(
            pl.col(c).str.count_matches('"', literal=True).fill_null(0) for c in frame.columns
        )
    )
    content_quotes = (
        pl.zeros(frame.height, dtype=pl.UInt32, eager=True)
        .scatter(quoted, inner.to_series().cast(pl.UInt32))
        .alias("inner")
    )
    expected = pl.col("cells") + (frame.width - 1) + pl.col("quotes") - pl.col("inner")
    bad = (
        data.with_columns(content_quotes)
        .with_row_index("row")
        .filter(pl.col("length").cast(pl.Int64) != expected.cast(pl.Int64))["row"]
    )
    return stats.height, bad


def _describe(path: Path, rows: pl.Series, width: int, header: list[str]) -> list[FileProblem]:
    """How many fields each of a few bad rows has (their lines are read again, streaming)."""
    if rows.is_empty():
        return []
    lines = (
        pl.scan_lines(path)
        .with_row_index("line_index")
        .filter(pl.col("line_index").is_in((rows + 1).implode()))
        .select(
            "line_index",
            (pl.col("line").str.replace_all(QUOTED, "").str.count_matches(",", literal=True) + 1)
            .cast(pl.Int64)
            .alias("fields"),
            (pl.col("line").str.len_bytes() == 0).alias("empty"),
        )
        .collect(engine="streaming")
        .sort("line_index")
    )
    return [_wrong_count(int(i), int(f), bool(e), width, header) for i, f, e in lines.iter_rows()]


def _header(path: Path) -> list[str]:
    try:
        return pl.read_csv(path, n_rows=0, infer_schema=False, encoding="utf8-lossy").columns
    except pl.exceptions.ComputeError:
        return []


def _wrong_count(
    record: int, fields: int, empty: bool, expected: int, header: list[str]
) -> FileProblem:
    """A malformed record (0 = header) as a problem on its spreadsheet line."""
    line = record + 1
    if empty:
        return FileProblem(
            "file.malformed", line, None, "an empty line", f"{expected} fields like the header"
        )
    if fields < expected:
        column = header[fields] if fields < len(header) else None
        return FileProblem(
            "file.malformed",
            line,
            column,
            f"{fields} fields",
            f"{expected} fields like the header (the row stops before column {column!r})",
        )
    return FileProblem(
        "file.malformed", line, None, f"{fields} fields", f"{expected} fields like the header"
    )


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"


@dataclass(frozen=True)
class RecordCounts:
    """Field counts per CSV record, reduced to what the checks need."""

    header_fields: int
    records: int  # including the header
    open_quote_at_end: bool
    bad: pl.DataFrame  # record (0 = header), fields, empty: records whose count differs


def field_counts(path: Path, lossy: bool = False) -> RecordCounts:
    """Count each record's fields from the raw lines, keeping only the records that are off.

    The exact, slower path, for files the length check cannot take (a quoted field spanning
    lines, an unreadable CSV, invalid UTF-8).

    A line starts inside a quoted field when the lines before it hold an odd number of quotes;
    such lines continue the record above. Quote-free lines (nearly all) are counted directly;
    the rest are joined per record and their quoted segments removed before counting commas.
    """
    line = pl.col("line")
    lines = _lines(path, lossy)
    if lines.is_empty():
        return RecordCounts(0, 0, False, pl.DataFrame())
    stats = lines.select(
        line.str.count_matches('"', literal=True).cast(pl.Int64).alias("quotes"),
        (line.str.count_matches(",", literal=True) + 1).cast(pl.Int64).alias("fields"),
        (line.str.len_bytes() == 0).alias("empty"),
    )
    if stats["quotes"].sum() == 0:
        counted = stats.select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("record"), "fields", "empty"
        )
        expected = int(counted["fields"][0])
        return RecordCounts(
            expected, lines.height, False, counted.filter(pl.col("fields") != expected)
        )
    odd = (pl.col("quotes") % 2 == 1).cast(pl.Int64)
    inside = (odd.cum_sum() - odd) % 2 == 1
    marked = stats.with_row_index("i").with_columns(
        inside.alias("inside"), ((~inside).cast(pl.Int64).cum_sum() - 1).alias("record")
    )
    plain = marked.filter((pl.col("quotes") == 0) & ~pl.col("inside")).select(
        "record", "fields", "empty"
    )
    special = marked.filter((pl.col("quotes") > 0) | pl.col("inside"))
    quoted = (
        special.select("record", lines["line"].gather(special["i"]).alias("line"))
        .group_by("record", maintain_order=True)
        .agg(line.str.join("\n"))
        .select(
            "record",
            (line.str.replace_all(QUOTED, "").str.count_matches(",", literal=True) + 1)
            .cast(pl.Int64)
            .alias("fields"),
            pl.lit(False).alias("empty"),
        )
    )
    counted = pl.concat([plain, quoted])
    expected = int(counted.filter(pl.col("record") == 0)["fields"][0])
    bad = counted.filter(pl.col("fields") != expected).sort("record")
    open_end = bool(stats["quotes"].sum() % 2 == 1)
    return RecordCounts(expected, int(marked["record"][-1]) + 1, open_end, bad)


def _lines(path: Path, lossy: bool) -> pl.DataFrame:
    """Physical lines without their line ending; invalid UTF-8 is replaced only if ``lossy``."""
    try:
        return pl.read_lines(path)
    except pl.exceptions.ComputeError:
        if not lossy:
            raise
    text = path.read_bytes().decode("utf-8", "replace").removesuffix("\n")
    return pl.DataFrame({"line": text.split("\n")}).with_columns(
        pl.col("line").str.strip_suffix("\r")
    )
