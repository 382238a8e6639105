"""Read one resource CSV as text, with the file-level checks a CSV parser would paper over.

polars is forgiving where a partner's copy must not be: it pads a short row with nulls, cuts a long
one (when asked to read on) and reads a blank line as an empty row. So every row's field count is
checked too, without a Python loop over rows. A file with no long row (read strictly) whose byte
counts add up is accepted at once (see :func:`rows_add_up`); otherwise the file's lines are
streamed once for their byte length and quote count, and a row of the right width must be exactly
as long as its parsed cells plus separators and quoting (see :func:`bad_rows_by_length`). Only the
rows that fail are looked at again, to say how many fields they have.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import os
import re
import stat
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import BinaryIO

import polars as pl

from cscbench.package import boundary, limits
from cscbench.package.csvrows import (
    FileProblem,
    _describe,
    _end_problem,
    _header,
    _wrong_count,
    bad_rows_by_length,
    field_counts,
    rows_add_up,
)

BOM = codecs.BOM_UTF8
HEAD_BYTES = 1 << 16
NO_ROWS = pl.Series("row", [], dtype=pl.UInt32)


@dataclass
class TextTable:
    """A CSV read as text: the frame (None if unreadable), its problems (at most ``limit`` of
    each check, ``totals`` holding exact counts where there are more), the malformed rows and
    the header as written."""

    frame: pl.DataFrame | None
    problems: list[FileProblem]
    bad_rows: pl.Series = field(default_factory=lambda: NO_ROWS)  # 0-based data-row indices
    totals: dict[str, int] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)  # the names as written, repeats included
    # the row-shape count still running in the background (see :func:`read_table`'s ``defer``)
    pending: Future[Records] | None = None

    def settled(self) -> TextTable:
        """The table with its row-shape problems and bad rows, once their count has finished."""
        if self.pending is None:
            return self
        return with_records(replace(self, pending=None), self.pending.result(), None)

    def settled_rows(self) -> pl.Series:
        """The malformed data rows (0-based), waiting for their count if it is still running."""
        return self.settled().bad_rows


Records = tuple[list[FileProblem], int, pl.Series]  # examples, exact count, bad data rows


def read_table(
    path: Path,
    limit: int,
    max_bytes: int | None = None,
    defer: Executor | None = None,
    known: pl.DataFrame | None = None,
) -> TextTable:
    """Read ``path`` as an all-text frame; report file problems, at most ``limit`` per check.

    The file's type and size are checked with ``os.stat`` before it is opened, so a FIFO, a
    device or a directory is never opened and a file over ``max_bytes`` (default: the
    ``file_bytes`` limit) is never read: each is answered at once with a problem.

    With ``defer``, a file that parsed has its row shapes counted on that executor (a second
    pass over the file, on another core while the caller checks the frame): the table's
    ``pending`` is set, and :meth:`TextTable.settled` gives the finished table.

    ``known`` is the file already read strictly (:func:`parse_csv` with ``ragged`` False, by the
    package object): it is not parsed again.
    """
    bound = limits.from_env().file_bytes if max_bytes is None else max_bytes
    refused = access_problem(path, bound)
    if refused is not None:
        return TextTable(None, [refused])
    head = read_head(path)
    if isinstance(head, FileProblem):
        return TextTable(None, [head])
    if not head.strip(BOM + b" \t\r\n"):
        return TextTable(None, [FileProblem("file.empty", 1, None, None, "a header row")])
    problems = head_problems(head)
    if any(p.check_id == "file.line_endings" and p.value == "CR" for p in problems):
        return TextTable(None, problems)  # one line to polars: its "columns" would be data cells
    if len(head) == HEAD_BYTES and b"\n" not in head:
        return TextTable(None, [_header_too_long()])
    header = raw_header(head)
    crlf = any(p.check_id == "file.line_endings" for p in problems)
    controls, control_count = control_problems(path, limit, header, crlf)
    problems += controls
    frame, reason = (known, None) if known is not None else _read_frame(path, "utf8", ragged=False)
    strict = frame is not None  # so no row is longer than the header
    if frame is None:
        frame, reason = _read_frame(path, "utf8")
    lossy = False
    totals: dict[str, int] = {}
    if frame is None:
        bad_bytes, count = invalid_utf8(path, limit, header)
        if count:
            problems += bad_bytes
            totals["file.encoding"] = count
            lossy = True
            frame, reason = _read_frame(path, "utf8-lossy")
    if control_count > len(controls):
        totals["file.control"] = control_count
    table = TextTable(frame, problems, NO_ROWS, totals, header)
    if defer is not None and frame is not None and not lossy:
        pending = defer.submit(record_problems, path, limit, frame, lossy, strict)
        return replace(table, pending=pending)
    return with_records(table, record_problems(path, limit, frame, lossy, strict), reason)


def with_records(table: TextTable, records: Records, reason: str | None) -> TextTable:
    """``table`` with its row-shape problems; a frame that could not be read at all and shows
    no bad row is one malformed-file problem giving polars' ``reason``."""
    malformed, total, bad_rows = records
    if table.frame is None and not malformed:
        malformed = [FileProblem("file.malformed", None, None, reason, "well-formed CSV rows")]
        total = 1
    totals = {**table.totals, "file.malformed": total} if total else table.totals
    return replace(table, problems=table.problems + malformed, bad_rows=bad_rows, totals=totals)


def access_problem(path: Path, max_bytes: int) -> FileProblem | None:
    """Why ``path`` must not be read, from ``os.stat`` alone (:func:`boundary.check_file`)."""
    refused = boundary.check_file(path, max_bytes)
    return None if refused is None else refusal_problem(refused)


def refusal_problem(refused: boundary.Refusal) -> FileProblem:
    return FileProblem(refused.check_id, None, None, refused.value, refused.expected)


def _unreadable(exc: OSError) -> FileProblem:
    return refusal_problem(boundary.unreadable(exc.strerror or type(exc).__name__))


def _header_too_long() -> FileProblem:
    return FileProblem(
        "file.malformed",
        1,
        None,
        f"no line break in the first {limits.human_size(HEAD_BYTES)}",
        "a header line (real headers are well under 1 KiB)",
    )


def read_head(path: Path) -> bytes | FileProblem:
    """The first bytes, read through a descriptor checked again with ``fstat``: a file swapped
    for a FIFO after the ``stat`` check can neither block (O_NONBLOCK) nor be read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return _unreadable(exc)
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            return refusal_problem(boundary.not_regular(mode))
        try:
            return handle.read(HEAD_BYTES)
        except OSError as exc:
            return _unreadable(exc)


def raw_header(head: bytes) -> list[str]:
    """The header's names exactly as written (polars renames a repeated one ``x_duplicated_0``)."""
    text = head.removeprefix(BOM).decode("utf-8", "replace")
    try:
        return next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        return []


def parse_csv(source: Path | BinaryIO, encoding: str, ragged: bool) -> pl.DataFrame:
    """The one place a resource CSV becomes a frame (``validate`` and the package object both
    read through it): text columns, a byte-order mark dropped from the first name; with
    ``ragged`` a long row is cut (and counted separately), else it is an error."""
    frame = pl.read_csv(source, infer_schema=False, truncate_ragged_lines=ragged, encoding=encoding)
    frame = frame.rename({c: c.removeprefix("\ufeff") for c in frame.columns})
    # A quoted empty string ("") is as missing as an empty cell (Table Schema's missingValues).
    return frame.with_columns(pl.all().replace("", None))


def _read_frame(
    path: Path, encoding: str, ragged: bool = True
) -> tuple[pl.DataFrame | None, str | None]:
    """The whole file as text columns (short rows padded, long rows cut: counted separately);
    with ``ragged`` False a long row is an error instead."""
    try:
        return parse_csv(path, encoding, ragged), None
    except (pl.exceptions.PolarsError, OSError) as exc:
        return None, (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def head_problems(head: bytes) -> list[FileProblem]:
    """A byte-order mark, and CRLF or CR-only line endings (judged from the first line ending:
    a header ended by a bare CR means old Mac line endings, and the file is one line to a CSV
    reader)."""
    problems: list[FileProblem] = []
    if head.startswith(BOM):
        problems.append(FileProblem("file.bom", 1, None, "EF BB BF", "no byte-order mark"))
    cr, lf = head.find(b"\r"), head.find(b"\n")
    if cr >= 0 and (lf < 0 or cr < lf) and head[cr + 1 : cr + 2] != b"\n":
        problems.append(FileProblem("file.line_endings", 1, None, "CR", "LF line endings"))
        return problems
    crlf = head.find(b"\r\n")
    if crlf >= 0:
        line = head.count(b"\n", 0, crlf) + 1
        problems.append(FileProblem("file.line_endings", line, None, "CRLF", "LF line endings"))
    return problems


# Bytes no CSV of the contract holds: NUL (a padded or binary file), and a carriage return that
# does not end a line (a bare CR, which some readers take as a line end and others keep in the
# value). Found with mmap.find (memchr), so a clean file costs two scans at memory speed.
CONTROL_BYTES = {
    b"\x00": ("NUL byte (0x00)", "text without NUL bytes (a padded or binary file?)"),
    b"\r": ("carriage return (0x0D)", "no carriage return: LF ('\\n') alone ends a line"),
}


def control_problems(
    path: Path, limit: int, header: list[str], crlf: bool
) -> tuple[list[FileProblem], int]:
    """NUL bytes and carriage returns, each on its line and column: (the first ``limit``, the
    exact count). With CRLF line endings (already reported once) only a CR not before LF counts."""
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return [], 0
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            wanted = [b for b in CONTROL_BYTES if view.find(b) >= 0]
            if not wanted:
                return [], 0
            data = view[:]
    hits: list[int] = []
    total = 0
    for byte in wanted:
        count = data.count(byte) - (data.count(b"\r\n") if byte == b"\r" and crlf else 0)
        total += count
        start = data.find(byte)
        while start >= 0 and len(hits) < limit * len(wanted):
            if not (byte == b"\r" and crlf and data[start + 1 : start + 2] == b"\n"):
                hits.append(start)
            start = data.find(byte, start + 1)
    found: list[FileProblem] = []
    line, last = 1, 0
    for position in sorted(hits)[:limit]:  # lines counted once, from one hit to the next
        line += data.count(b"\n", last, position)
        last = position
        found.append(_control_at(data, position, line, header))
    return found, total


def _control_at(data: bytes, position: int, line: int, header: list[str]) -> FileProblem:
    """One control byte as a problem: its line, its column (fields counted outside quotes)."""
    start = data.rfind(b"\n", 0, position) + 1
    prefix = data[start:position]
    column = None
    if len(prefix) <= LONG_LINE:
        index = _field_index(prefix.decode("utf-8", "replace"))
        column = header[index] if index < len(header) else None
    value, expected = CONTROL_BYTES[data[position : position + 1]]
    return FileProblem("file.control", line, column, value, expected)


# A byte that is not UTF-8, after decoding with "surrogateescape" (which maps it to U+DC80-U+DCFF).
ESCAPED = re.compile("[\udc80-\udcff]")
LONG_LINE = 1 << 16  # past this many characters into a line, its column is not worked out


@dataclass
class _Cursor:
    """Where a block of decoded text starts: its line and the text of that line before it."""

    line: int = 1
    prefix: str = ""
    prefix_known: bool = True


def invalid_utf8(
    path: Path, limit: int, header: list[str], block: int = 1 << 24
) -> tuple[list[FileProblem], int]:
    """Every byte that is not UTF-8: (the first ``limit``, located; the exact count).

    Decoding is done block by block in C with "surrogateescape", which turns each bad byte into
    one lone surrogate, so the count is a length difference and only the examples are located in
    Python (line by counting newlines, column from the line's text before the byte).
    """
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    examples: list[FileProblem] = []
    total = 0
    cursor = _Cursor()
    with path.open("rb") as handle:
        for chunk in chain(iter(lambda: handle.read(block), b""), [b""]):
            text = decoder.decode(chunk, final=not chunk)
            bad = len(text) - len(text.encode("utf-8", "ignore").decode("utf-8"))
            if bad and len(examples) < limit:
                examples += _locate(text, cursor, header, limit - len(examples))
            total += bad
            _advance(text, cursor)
    return examples, total


def _locate(text: str, cursor: _Cursor, header: list[str], wanted: int) -> list[FileProblem]:
    """The first ``wanted`` bad bytes of a decoded block, on their line and column."""
    found: list[FileProblem] = []
    line, last = cursor.line, 0
    for match in ESCAPED.finditer(text):
        position = match.start()
        line += text.count("\n", last, position)
        last = position
        start = text.rfind("\n", 0, position) + 1
        known = cursor.prefix_known if start == 0 else True
        prefix = (cursor.prefix if start == 0 else "") + text[start:position]
        column = None
        if known and len(prefix) <= LONG_LINE:
            index = _field_index(prefix)
            column = header[index] if index < len(header) else None
        byte = ord(match.group()) - 0xDC00
        found.append(FileProblem("file.encoding", line, column, f"byte 0x{byte:02X}", "UTF-8 text"))
        if len(found) == wanted:
            break
    return found


def _advance(text: str, cursor: _Cursor) -> None:
    """Move the cursor past a block: count its lines, keep the unfinished last line's text."""
    newlines = text.count("\n")
    tail = text[text.rfind("\n") + 1 :]
    if newlines:
        cursor.line += newlines
        cursor.prefix, cursor.prefix_known = tail, True
    else:
        cursor.prefix += tail
    if len(cursor.prefix) > LONG_LINE:
        cursor.prefix, cursor.prefix_known = "", False


def _field_index(prefix: str) -> int:
    """Which field a position in a line falls in: commas outside quotes before it (the text
    between an even number of quotes is outside; a doubled quote toggles twice)."""
    return sum(part.count(",") for part in prefix.split('"')[::2])


def record_problems(
    path: Path, limit: int, frame: pl.DataFrame | None, lossy: bool = False, strict: bool = False
) -> tuple[list[FileProblem], int, pl.Series]:
    """Rows whose field count differs from the header's, an unclosed quote, a missing final
    newline: (at most ``limit`` examples, exact count, 0-based indices of the bad data rows).

    ``strict``: ``frame`` was read with long rows an error, so :func:`rows_add_up` may accept it.
    """
    if strict and frame is not None and not lossy and rows_add_up(path, frame):
        return [], 0, NO_ROWS
    header = frame.columns if frame is not None else _header(path)
    fast = None if frame is None or lossy else bad_rows_by_length(path, frame)
    if fast is not None:
        lines, bad = fast
        examples = _describe(path, bad.head(limit), len(header), header)
        open_at_end = False
    else:
        counts = field_counts(path, lossy)
        lines, open_at_end = counts.records, counts.open_quote_at_end
        wrong = counts.bad.filter(pl.col("record") > 0)
        if open_at_end:
            wrong = wrong.filter(pl.col("record") != lines - 1)
        bad = (wrong["record"] - 1).cast(pl.UInt32)
        examples = [
            _wrong_count(int(r), int(f), bool(e), counts.header_fields, header)
            for r, f, e in wrong.head(limit).select("record", "fields", "empty").iter_rows()
        ]
    total = bad.len()
    end = _end_problem(path, lines, open_at_end)
    if end is not None and not (bad.len() and int(bad[-1]) == lines - 2):
        bad = pl.concat([bad, pl.Series("row", [lines - 2], dtype=pl.UInt32)])
        total += 1
        if len(examples) < limit:
            examples.append(end)
    return examples, total, bad.rename("row")
