"""A downloaded file before it replaces anything: its temporary name beside the target, the leftovers
of a killed run, and the checks of its content (not a web page, a readable archive, rows that
parse, not much smaller than the file it replaces).
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import os
import re
import secrets
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cscbench.ingest.parsers import parse_file
from cscbench.ingest.registry import Registry, Source

HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml", b"<!--")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
ARCHIVE_SUFFIXES = (".ods", ".xlsx", ".zip")
TEMP_MARK = ".fetch"  # temporary names: .<file name>.<random>.fetch<suffix>


class FetchError(Exception):
    """One file could not be fetched; the message names the file and what was expected."""


def _looks_like_html(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(HTML_STARTS)


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
    except OSError:
        return False


@contextlib.contextmanager
def _temporary(target: Path) -> Iterator[tuple[Path, BinaryIO]]:
    """A temporary file beside ``target`` (same folder, so the final move is a rename), flocked
    while this run lives so a later run can tell it from a killed run's leftover, created with
    the umask's modes (0644 under 022, like any file the user writes) and removed unless it was
    moved into place. It keeps the suffix, so readers recognise the format."""
    while True:
        path = target.with_name(f".{target.name}.{secrets.token_hex(4)}{TEMP_MARK}{target.suffix}")
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if _same_file(fd, path):  # not removed by another run's cleanup between the two calls
            break
        os.close(fd)
    handle = os.fdopen(fd, "w+b")
    try:
        yield path, handle
    finally:
        handle.close()
        path.unlink(missing_ok=True)  # gone already when it was moved into place


def is_temporary(path: Path) -> bool:
    """Whether ``path`` is named like a fetch's temporary file."""
    return bool(re.match(rf"^\..+\.[0-9a-z_]+{re.escape(TEMP_MARK)}", path.name))


def clean_leftovers(raw_dir: Path) -> list[Path]:
    """Remove temporary files that killed fetches left in the raw folder: those whose lock is
    free (the kernel dropped it when the process died). A live run's file stays."""
    removed = []
    if not raw_dir.is_dir():
        return removed
    for path in sorted(raw_dir.rglob(f".*{TEMP_MARK}*")):
        if not is_temporary(path) or path.is_symlink() or not path.is_file():
            continue
        try:
            fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if _same_file(fd, path):
                path.unlink()
                removed.append(path)
        except OSError:  # held by a live run (BlockingIOError), or not ours to remove
            pass
        finally:
            os.close(fd)
    return removed


def _nul_offset(path: Path) -> int | None:
    offset = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            at = block.find(b"\0")
            if at >= 0:
                return offset + at
            offset += len(block)
    return None


def _archive_problem(path: Path) -> str | None:
    """Why a zip-based workbook is not whole: its end record must end the file (nothing padded
    after it, nothing cut off) and every member's CRC must check."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - (1 << 16) - 22))
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return "it is not a whole zip archive (no end record: truncated or padded)"
    (comment,) = struct.unpack("<H", tail[at + 20 : at + 22])
    if at + 22 + comment != len(tail):
        return f"{len(tail) - at - 22 - comment:,} bytes follow the archive's end record (padded)"
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        return f"it is not a readable zip archive ({exc})"
    return f"member {bad!r} fails its CRC check" if bad else None


def _rows_problem(path: Path) -> str | None:
    """Why a CSV's rows are not whole: it must parse with no row longer than the header, and its
    last line must have the header's number of fields (a download cut short ends mid-row, which
    a CSV reader would otherwise pad with empty cells)."""
    import polars as pl

    try:
        header = pl.read_csv(path, infer_schema=False, n_rows=0, encoding="utf8").columns
        pl.read_csv(path, infer_schema=False, truncate_ragged_lines=False, encoding="utf8")
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"its rows are not whole CSV records ({first[:200]})"
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - (1 << 16)))
        last = handle.read().rstrip(b"\r\n").rsplit(b"\n", 1)[-1]
    text = last.decode("utf-8", "replace")
    if text.count('"') % 2 == 0:  # (an odd count: the end of a quoted multi-line field)
        fields = len(next(csv.reader([text]), []))
        if fields != len(header):
            return (
                f"its last line has {fields} field(s) where the header has {len(header)} "
                "(truncated?)"
            )
    return None


def content_problem(path: Path, source: Source) -> str | None:
    """Why a downloaded file cannot be the data file it claims to be, before its reader runs:
    an HTML page, NUL bytes in text, an incomplete CSV or a truncated or padded workbook."""
    suffix = Path(str(source.raw_path)).suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head:
        return "the file is empty"
    if suffix not in (".html", ".htm") and _looks_like_html(head):
        return "it is an HTML page, not the data file"
    if suffix in TEXT_SUFFIXES:
        at = _nul_offset(path)
        if at is not None:
            return f"it holds a NUL byte at byte {at:,} (padded or not text)"
        return _rows_problem(path)
    if suffix in ARCHIVE_SUFFIXES:
        return _archive_problem(path)
    return None


# A publisher's new release of a file adds a year or revises figures; it does not lose half of
# it. A file cut at a row boundary is whole CSV, so only its size gives it away.
SHRINK_LIMIT = 0.5


def shrink_problem(path: Path, source: Source) -> str | None:
    """Why a new file smaller than half the release it replaces is refused (cut short at a row
    boundary, or the wrong file); a maintainer who has checked it takes it with `cscbench ingest
    --accept-new-raw` after putting it in place by hand."""
    recorded = getattr(source, "bytes", None)
    size = path.stat().st_size
    if not isinstance(recorded, int) or recorded <= 0 or size >= recorded * SHRINK_LIMIT:
        return None
    return (
        f"it is {size:,} bytes where the release it replaces was {recorded:,}: less than half, "
        "so probably cut short at a row boundary (if the publisher really shrank it, check it, "
        "put it in place by hand and run `cscbench ingest --accept-new-raw`)"
    )


def _count_rows(parsed: object) -> int:
    """Rows a reader returned (frames, contributions or tuples of them)."""
    if isinstance(parsed, tuple | list):
        return sum(_count_rows(p) for p in parsed)
    height = getattr(parsed, "height", None)
    if isinstance(height, int):
        return height
    observations = getattr(parsed, "observations", None)
    return _count_rows(observations) if observations is not None else 0


def check_new_file(path: Path, source: Source, registry: Registry) -> None:
    """Accept a changed file only if it has the shape of its kind and its reader parses it to
    at least one row; else FetchError naming the file (nothing is recorded)."""
    name = Path(str(source.raw_path)).name
    problem = content_problem(path, source) or shrink_problem(path, source)
    if problem:
        raise FetchError(f"{source.raw_path}: the new file is refused: {problem}; not accepted")
    try:
        parsed = parse_file(path, source, registry)
    except Exception as exc:  # any reader failure means: not accepted (message names the file)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FetchError(
            f"{source.raw_path}: the new file could not be read by its reader "
            f"({source.reader}): {first.replace(path.name, name)}; not accepted"
        ) from exc
    if _count_rows(parsed) < 1:
        raise FetchError(
            f"{source.raw_path}: its reader ({source.reader}) found no rows in the new file; "
            "not accepted"
        )
