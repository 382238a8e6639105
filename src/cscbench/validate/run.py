"""Validate a data package: file checks, then the pandera schemas generated from the Table Schemas.

The fast default engine reads each CSV once as text and runs every check as a polars expression, so a
bad cell is reported with its CSV line and column. Only failing rows reach Python, and at most
``limit`` of them per check and column (the exact count is kept), so a package where every row is
wrong costs no more than a valid one. ``engine="frictionless"`` runs frictionless as well (slower;
used to cross-check) and maps its errors onto the same check ids.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl

from cscbench.core.choices import ENGINES
from cscbench.package import limits
from cscbench.package import schema as sch
from cscbench.package.csvfile import FileProblem, TextTable, read_table
from cscbench.package.descriptor import Entry, missing_resources
from cscbench.package.issue import Issue
from cscbench.package.reader import Package
from cscbench.package.reader import read as read_package
from cscbench.validate.checks import CATALOGUE
from cscbench.validate.report import (
    DEFAULT_LIMIT,
    ENGINE,
    FIRST_DATA_LINE,
    HEADER_LINE,
    MAX_LIMIT,
    Problem,
    Report,
    Tally,
    in_report_order,
)
from cscbench.validate.rules import EXPLAIN, rules_for

ROWS_OPTIONAL = ("announcements", "caveats", "local_indicators")  # may be empty


# ---------------------------------------------------------------------------- headers


def header_problems(
    columns: list[str], table_schema: dict[str, Any], resource: str
) -> list[Problem]:
    """Repeated, missing, extra, renamed and reordered columns, all reported on line 1.

    ``columns`` is the header as written, so a repeated name is reported under that name (polars
    would call the repeat ``name_duplicated_0``). A column whose expected name is absent while an
    unknown name sits at its position is reported once, as renamed, rather than as one missing and
    one extra column.
    """
    expected = [f["name"] for f in table_schema["fields"]]
    repeated = duplicate_columns(columns, resource)
    columns = list(dict.fromkeys(columns))
    missing = [c for c in expected if c not in columns]
    extra = [c for c in columns if c not in expected]
    renamed = {
        columns[i]: name
        for i, name in enumerate(expected)
        if name in missing and i < len(columns) and columns[i] in extra
    }
    problems = repeated + [
        Problem(
            "table.renamed_column",
            resource,
            HEADER_LINE,
            name,
            found,
            f"the header {name!r} in column {columns.index(found) + 1}",
        )
        for found, name in renamed.items()
    ]
    problems += [
        Problem("table.missing_column", resource, HEADER_LINE, c, None, f"a column {c!r}")
        for c in missing
        if c not in renamed.values()
    ]
    problems += [
        Problem(
            "table.extra_column",
            resource,
            HEADER_LINE,
            c,
            c,
            f"only the schema's columns ({', '.join(expected)})",
        )
        for c in extra
        if c not in renamed
    ]
    if not problems and columns != expected:
        problems.append(
            Problem(
                "table.column_order",
                resource,
                HEADER_LINE,
                None,
                ", ".join(columns),
                ", ".join(expected),
            )
        )
    return problems


def duplicate_columns(columns: list[str], resource: str) -> list[Problem]:
    """Each repeat of a header name, reported under that name with both positions."""
    first: dict[str, int] = {}
    problems = []
    for position, name in enumerate(columns, start=1):
        if name in first:
            problems.append(
                Problem(
                    "table.duplicate_column",
                    resource,
                    HEADER_LINE,
                    name,
                    name,
                    f"each column once ({name!r} is column {first[name]} and again column "
                    f"{position})",
                )
            )
        first.setdefault(name, position)
    return problems


# ---------------------------------------------------------------------------- engine


def validate_frame(
    resource: str,
    table_schema: dict[str, Any],
    frames: dict[str, pl.DataFrame],
    tally: Tally,
    skip_rows: pl.Series | Callable[[], pl.Series] | None = None,
) -> None:
    """Run the resource's pandera schema; failures on ``skip_rows`` (malformed rows) are left out.

    ``skip_rows`` may be a function giving them: it is called only if a check fails (the row
    shapes may still be being counted in the background meanwhile).
    """
    frame = frames[resource]
    checks = sch.schema_checks(
        resource, table_schema, frames, rules_for(resource, frames, table_schema)
    )
    failing = sch.failing_checks(checks, frame)  # one pass; usually nothing fails
    if not failing:
        return
    import pandera.polars as pa
    from pandera.config import ValidationDepth, config_context

    model = sch.to_pandera(resource, failing)  # pandera runs, and reports, the failing checks only
    # Data checks must run whatever PANDERA_VALIDATION_DEPTH or PANDERA_VALIDATION_ENABLED say.
    with config_context(validation_enabled=True, validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        try:
            model.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as err:
            errors = err.schema_errors
        else:
            return
    skip_rows = skip_rows() if callable(skip_rows) else skip_rows
    skip = pl.Series("skip", [], dtype=pl.UInt32) if skip_rows is None else skip_rows
    pk = sch.primary_key(table_schema)
    tuples = sch.composite_keys(table_schema, resource)
    for error in errors:
        _add_failures(resource, frame, frames, error, skip, pk, tuples, tally)


def _add_failures(
    resource: str,
    frame: pl.DataFrame,
    frames: dict[str, pl.DataFrame],
    error: Any,
    skip: pl.Series,
    pk: list[str],
    tuples: dict[tuple[str, str], list[str]],
    tally: Tally,
) -> None:
    """Turn one failed check into located problems: failing rows found with polars, not Python.

    A key of several fields (the primary key, a composite foreign key: ``tuples``) is reported at
    its first column with the whole tuple as the value."""
    check_obj = error.check
    check_id, expected = sch.parse_error(getattr(check_obj, "error", None))
    if check_id not in CATALOGUE or error.check_output is None:
        raise RuntimeError(f"unexpected pandera error for {resource}: {error}")
    column = error.schema.name
    failing = (
        error.check_output.select(pl.col("check_output").fill_null(True).not_().alias("bad"))
        .with_row_index("index")
        .filter(pl.col("bad") & ~pl.col("index").is_in(skip.cast(pl.UInt32).implode()))
    )
    if check_id == "table.primary_key":
        failing = _true_duplicates(frame, failing, pk)
    if failing.is_empty():
        return
    index = failing["index"].head(tally.limit)
    rows = frame[index]
    key = pk if check_id == "table.primary_key" else tuples.get((column, expected))
    if key:
        values = rows.select(pl.concat_str(key, separator=", ", ignore_nulls=True)).to_series()
    else:
        values = rows[column]
    explain = EXPLAIN.get(check_id)
    expectations = explain(rows, frames, column) if explain else [expected] * rows.height
    examples = [
        Problem(check_id, resource, int(i) + FIRST_DATA_LINE, column, v, exp)
        for i, v, exp in zip(index.to_list(), values.to_list(), expectations, strict=True)
    ]
    tally.add_examples(examples, failing.height)


def _true_duplicates(frame: pl.DataFrame, failing: pl.DataFrame, pk: list[str]) -> pl.DataFrame:
    """Keep the failing rows whose key values (not just their hash) appear on an earlier row."""
    hashes = frame.select(sch.key_hash(pk).alias("hash")).with_row_index("index")
    suspect = hashes["hash"].gather(failing["index"]).implode()
    candidates = hashes.filter(pl.col("hash").is_in(suspect))["index"]
    first = frame[candidates].select(pl.struct(pk).is_first_distinct()).to_series()
    repeated = candidates.filter(~first).implode()
    return failing.filter(pl.col("index").is_in(repeated))


def issue_problem(issue: Issue) -> Problem:
    """A descriptor or schema problem as a report problem, placed in its file and JSON."""
    return Problem(
        issue.check_id, issue.resource, None, None, issue.value, issue.expected, place=issue.where
    )


def file_problem(p: FileProblem, resource: str) -> Problem:
    """A reader's problem, placed in its resource."""
    return Problem(p.check_id, resource, p.line, p.column, p.value, p.expected)


def read_resources(
    entries: list[Entry],
    tally: Tally,
    max_bytes: int | None = None,
    defer: Executor | None = None,
    known: dict[str, pl.DataFrame] | None = None,
) -> tuple[dict[str, pl.DataFrame], dict[str, TextTable]]:
    """Read every resource as text with its file and header checks; keep the ones fit to check.

    Returns the frames fit to check and every table read; with ``defer`` a table's row shapes
    may still be being counted (:func:`add_row_shapes` adds them once done). ``known``: files
    the package object has read already (strictly), not parsed again."""
    frames: dict[str, pl.DataFrame] = {}
    tables: dict[str, TextTable] = {}
    for entry in entries:
        name = entry.name
        table = read_table(entry.path, tally.limit, max_bytes, defer, (known or {}).get(name))
        tables[name] = table
        add_file_problems(name, table, tally)  # those known now; the row shapes may follow
        if table.frame is None:
            continue
        written = table.header if len(table.header) == table.frame.width else table.frame.columns
        header = header_problems(written, entry.schema, name)
        tally.extend(header)
        if table.frame.height == 0 and name not in ROWS_OPTIONAL:
            tally.add(
                Problem("file.no_rows", name, FIRST_DATA_LINE, None, None, "at least one data row")
            )
        if not header:
            frames[name] = table.frame
    return frames, tables


def add_row_shapes(resource: str, table: TextTable, tally: Tally) -> None:
    """The row-shape problems of a table read with ``defer``, once counted."""
    if table.pending is not None:
        done = table.settled()
        add_file_problems(
            resource,
            dataclasses.replace(done, problems=done.problems[len(table.problems) :]),
            tally,
        )


def add_file_problems(resource: str, table: TextTable, tally: Tally) -> None:
    """A file's problems, each check with its exact count where the reader kept only examples."""
    by_check: dict[str, list[Problem]] = {}
    for p in table.problems:
        by_check.setdefault(p.check_id, []).append(file_problem(p, resource))
    for check_id, examples in by_check.items():
        tally.add_examples(examples, max(table.totals.get(check_id, 0), len(examples)))


def check_resources(
    entries: list[Entry],
    tally: Tally,
    max_bytes: int | None,
    known: dict[str, pl.DataFrame] | None = None,
) -> dict[str, pl.DataFrame]:
    """Read and check every resource. A file's row shapes (a second, streamed pass over it) are
    counted on a second thread while the frames are checked, so the two share the cores; a
    failing check waits for them (its malformed rows are left out)."""
    schemas = {e.name: e.schema for e in entries}
    with ThreadPoolExecutor(1, thread_name_prefix="cscbench-rows") as background:
        frames, tables = read_resources(entries, tally, max_bytes, background, known)
        for name in frames:
            validate_frame(name, schemas[name], frames, tally, tables[name].settled_rows)
        for name, table in tables.items():
            add_row_shapes(name, table, tally)
    return frames


# ---------------------------------------------------------------------------- bytes and hash


def file_facts(path: Path, algorithm: str) -> tuple[int, str]:
    """The file's size and digest, read once in chunks (the boundary has bounded its size)."""
    digest = hashlib.new(algorithm)
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def integrity_problems(entries: list[Entry]) -> list[Problem]:
    """``file.bytes`` and ``file.hash`` where the descriptor declares them and the file differs:
    a release's files as released, or a problem naming the file, what was declared and found."""
    problems = []
    for entry in entries:
        declared = entry.declared
        if declared is None or not entry.path.is_file():
            continue  # a missing file is reported as file.missing
        size, digest = file_facts(entry.path, declared.algorithm or "sha256")
        place = declared.file
        if declared.bytes is not None and size != declared.bytes:
            problems.append(
                Problem(
                    "file.bytes",
                    entry.name,
                    None,
                    None,
                    f"{size:,} bytes",
                    f"{declared.bytes:,} bytes, as datapackage.json declares",
                    place=place,
                )
            )
        if declared.digest is not None and digest != declared.digest:
            problems.append(
                Problem(
                    "file.hash",
                    entry.name,
                    None,
                    None,
                    f"{declared.algorithm}:{digest}",
                    f"{declared.hash}, as datapackage.json declares",
                    place=place,
                )
            )
    return problems


def validate_package(
    descriptor: Path | Package,
    engine: str = ENGINE,
    limit: int = DEFAULT_LIMIT,
    max_bytes: int | None = None,
    allow_remote: bool = False,
    required: tuple[str, ...] | None = None,
) -> Report:
    """Validate every resource; ``engine`` is cscbench (fast), frictionless or both.

    ``descriptor`` is a ``datapackage.json`` or the package already read from one
    (:func:`cscbench.package.reader.read`: ``allow_remote`` is then its own). The descriptor and
    its Table Schemas are checked first (:mod:`cscbench.package.descriptor`): only resources whose file
    passed the package boundary and whose schema is usable are read, by either engine. ``limit``
    caps the examples kept per engine, check, resource and column (counts stay exact; capped at
    MAX_LIMIT). ``max_bytes`` bounds each resource file (default: the ``file_bytes`` limit).
    ``allow_remote`` fetches URL paths instead of refusing them. ``required``: the resources the
    package must list (default: a cscbench package's).

    The report's ``package`` is the package validated; when it is valid, it holds the frames
    read here, so whoever goes on to use it reads no CSV again.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    chosen = limits.from_env()
    if max_bytes is not None:
        chosen = dataclasses.replace(chosen, file_bytes=max_bytes)
    given = isinstance(descriptor, Package)
    package = descriptor if given else read_package(Path(descriptor), allow_remote, chosen)
    checked = package.plan
    tally = Tally(min(limit, MAX_LIMIT))
    try:
        tally.extend(issue_problem(i) for i in checked.issues)
        frames: dict[str, pl.DataFrame] = {}
        if engine in ("cscbench", "both"):
            missing = (
                missing_resources(checked, required=required)
                if required
                else missing_resources(checked)
            )
            tally.extend(issue_problem(i) for i in missing)
            tally.extend(integrity_problems(checked.entries))
            known = {
                e.name: package.text(e.name) for e in checked.entries if package.has_text(e.name)
            }
            frames = check_resources(checked.entries, tally, chosen.file_bytes, known)
        if engine in ("frictionless", "both") and checked.entries:
            from cscbench.validate.frictionless_engine import frictionless_problems

            tally.extend(frictionless_problems(checked.entries, chosen))
    finally:
        if not given:
            package.close()
    problems = in_report_order(tally.problems, list(checked.order))
    if not problems:
        package.keep_texts(frames)
    counts = {n: f.height for n, f in frames.items()}
    return Report(problems, counts, tally.counts, package)
