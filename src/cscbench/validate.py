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
import math
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl

from cscbench import limits
from cscbench import schema as sch
from cscbench.checks import CATALOGUE
from cscbench.choices import ENGINES
from cscbench.csvfile import FileProblem, TextTable, read_table
from cscbench.descriptor import Entry, Issue, missing_resources
from cscbench.domain import GRADE_SCALES, REFORM_DATE, grade_scale
from cscbench.package_object import Package
from cscbench.package_object import read as read_package
from cscbench.report import (
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

ROWS_OPTIONAL = ("announcements", "caveats", "local_indicators")  # may be empty
PUBLISHED_SYMBOLS_WITH_VALUE = ("computed",)
# What a browser would take for markup (the WHATWG tokenizer's tag-open state): "<" followed by a
# letter (a start tag, closed or not: "<svg/onload=...", "<img src=x onerror=..."), by "/" (an end
# tag, or a bogus comment that hides text), by "!" (a comment, doctype or CDATA) or by "?".
# "< 5", "a <> b", "<= 3" and "<3" stay text in a browser too. A "javascript:" URL in free text is
# text, shown escaped; URL columns are held to https?:// by their schema patterns, and the pages
# link https URLs only.
HTML = r"<[A-Za-z/!?]"


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


# ---------------------------------------------------------------------------- resource rules

Rules = dict[str, list[sch.Check]]  # column -> row rules reported at that column
# Per-row expectations for a check whose bound depends on the row: (rows, frames, column) -> texts.
Explain = Callable[[pl.DataFrame, dict[str, pl.DataFrame], str], list[str]]


def _mapping(frame: pl.DataFrame | None, key: str, value: str) -> dict[str, Any]:
    if frame is None or key not in frame.columns or value not in frame.columns:
        return {}
    return dict(zip(frame[key].to_list(), frame[value].to_list(), strict=True))


def _bounds(frames: dict[str, pl.DataFrame], column: str) -> dict[str, float]:
    out = {}
    for k, v in _mapping(frames.get("indicators"), "indicator_id", column).items():
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            continue
    return out


def observation_rules(frames: dict[str, pl.DataFrame]) -> Rules:
    units = _mapping(frames.get("indicators"), "indicator_id", "unit")
    value = sch.typed(pl.col("value"), "finite")
    ind = pl.col("indicator_id")
    low = ind.replace_strict(_bounds(frames, "min_value"), default=None, return_dtype=pl.Float64)
    high = ind.replace_strict(_bounds(frames, "max_value"), default=None, return_dtype=pl.Float64)
    unit = ind.replace_strict(units, default=None, return_dtype=pl.String)
    percent_ok = (unit != "percent") | value.is_between(0, 100)  # reads the value once
    range_ok = (unit == "percent") | value.is_between(
        low.fill_null(-math.inf), high.fill_null(math.inf)
    )
    extremes = _SharedExtremes()
    period = pl.col("period")
    start = period.str.slice(0, 4).cast(pl.Int32, strict=False)
    period_end = sch.typed(pl.col("period_end"), "date")
    financial = period.str.contains("-")
    end_year = pl.when(financial).then(start + 1).otherwise(start)
    fy_ok = ~financial | ((period_end.dt.month() == 3) & (period_end.dt.day() == 31))
    # judged only where the period itself is real (obs.period reports the others once)
    end_ok = ~period_rule() | ((period_end.dt.year() == end_year) & fy_ok)
    status = pl.col("status")
    return {
        "period": [period_check()],
        "value": [
            sch.row_check(
                "obs.value_or_status",
                "a value, or a status saying why there is none (both are empty)",
                pl.col("value").is_not_null() | status.is_not_null(),
            ),
            sch.row_check(
                "obs.percent_range",
                "a percentage from 0 to 100",
                percent_ok,
                proof=lambda frame: extremes(frame).select(percent_ok.fill_null(True).all()),
            ),
            sch.row_check(
                "obs.indicator_range",
                "a value within the indicator's min_value and max_value",
                range_ok,
                proof=lambda frame: extremes(frame).select(range_ok.fill_null(True).all()),
            ),
        ],
        "status": [
            sch.row_check(
                "obs.value_or_status",
                "an empty status when a value is given (only 'computed' may go with a value)",
                pl.col("value").is_null()
                | status.is_null()
                | status.is_in(PUBLISHED_SYMBOLS_WITH_VALUE),
            )
        ],
        "period_end": [
            sch.row_check(
                "obs.period_end",
                "a period_end in the period's final year (31 March for a financial year)",
                end_ok,
                # a few dozen distinct (period, period_end) pairs: judge those, not every row
                # (a group-by on the pair costs less than a unique over two columns)
                proof=lambda frame: (
                    frame.group_by("period", "period_end")
                    .len()
                    .select(end_ok.fill_null(True).all())
                ),
            )
        ],
    }


class _SharedExtremes:
    """The two range proofs of one query read one group-by (polars runs two identical plans
    twice, cached or not): the extremes of the last frame asked for, computed once."""

    def __init__(self) -> None:
        self.last: tuple[pl.LazyFrame, pl.LazyFrame] | None = None

    def __call__(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        if self.last is None or self.last[0] is not frame:
            self.last = (frame, _extremes(frame).collect(engine="in-memory").lazy())
        return self.last[1]


def _extremes(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Each indicator's lowest and highest finite value, as rows of (indicator_id, value).

    A rule ``value within bounds(indicator)`` holds on every row exactly when it holds on these,
    and a package has a few thousand indicators to a million rows: the range rules' proof. Rows
    are grouped by runs of one indicator (ingest writes them sorted by it), which is cheaper than
    hashing the ids; unsorted rows only make more, smaller runs.
    """
    runs = (
        frame.select(
            "indicator_id",
            sch.typed(pl.col("value"), "finite").alias("value"),
            pl.col("indicator_id").rle_id().alias("run"),
        )
        .group_by("run")
        .agg(
            pl.col("indicator_id").first(),
            pl.col("value").min().alias("low"),
            pl.col("value").max().alias("high"),
        )
    )
    return pl.concat(
        [runs.select("indicator_id", pl.col(side).alias("value")) for side in ("low", "high")]
    )


# A period as the schema's pattern writes it (``\d``, which also matches non-ASCII digits), and
# as the contract means it: ASCII digits.
PERIOD_SHAPE = r"^\d{4}(-\d{2})?$"
PERIOD_ASCII = r"^[0-9]{4}(-[0-9]{2})?$"


def period_rule() -> pl.Expr:
    """A period the schema's pattern accepts must also be real: ASCII digits, and a financial
    year's second part the next year ("2017-18", "1999-00"; not "2017-99"). Periods the pattern
    rejects are left to field.pattern, so one bad cell is reported once."""
    period = pl.col("period")
    start = period.str.slice(0, 4).cast(pl.Int32, strict=False)
    second = period.str.slice(5, 2).cast(pl.Int32, strict=False)
    real = period.str.contains(PERIOD_ASCII) & (
        ~period.str.contains("-") | (second == (start + 1) % 100)
    )
    return ~period.str.contains(PERIOD_SHAPE) | real


def period_check() -> sch.Check:
    """obs.period reads the period alone, so it is judged on the few distinct periods."""
    return sch.check(
        "obs.period",
        "a year (YYYY) or a financial year YYYY-YY whose YY is the following year",
        lambda _: period_rule().fill_null(True),
        ignore_nulls=False,
        per_value=True,
    )


def _explain_period(rows: pl.DataFrame, frames: dict[str, pl.DataFrame], column: str) -> list[str]:
    """Name the financial year a period like 2017-99 was probably meant to be."""
    out = []
    for period in rows["period"].to_list():
        head = period[:4]
        if head.isascii() and head.isdigit() and "-" in period:
            year = int(head)
            out.append(f"{year}-{(year + 1) % 100:02d} for the financial year starting in {year}")
        else:
            out.append("a year (YYYY) or a financial year YYYY-YY, in ASCII digits")
    return out


def _explain_range(rows: pl.DataFrame, frames: dict[str, pl.DataFrame], column: str) -> list[str]:
    lows, highs = _bounds(frames, "min_value"), _bounds(frames, "max_value")

    def one(indicator: str) -> str:
        low, high = lows.get(indicator), highs.get(indicator)
        span = " and ".join(
            s
            for s in (
                f">= {low:g}" if low is not None else "",
                f"<= {high:g}" if high is not None else "",
            )
            if s
        )
        return f"{span} for {indicator} (its min_value/max_value in indicators)"

    return [one(i) for i in rows["indicator_id"].to_list()]


def _explain_period_end(
    rows: pl.DataFrame, frames: dict[str, pl.DataFrame], column: str
) -> list[str]:
    out = []
    for period in rows["period"].to_list():
        if period and "-" in period:
            out.append(f"{int(period[:4]) + 1}-03-31 for the financial year {period}")
        else:
            out.append(f"a date in {period} for the period {period}")
    return out


def area_rules(frames: dict[str, pl.DataFrame]) -> Rules:
    codes = frames["areas"]["area_code"].drop_nulls().unique().implode()

    def listed_ok(column: str) -> pl.Expr:
        return pl.col(column).str.split("|").list.eval(pl.element().is_in(codes)).list.all()

    return {
        "series_code": [
            sch.row_check(
                "areas.series_code",
                "series_code equal to area_code for a current area",
                (pl.col("status") != "current") | (pl.col("series_code") == pl.col("area_code")),
            ),
            sch.row_check(
                "areas.series_code",
                "series_code equal to successor_code for a superseded code",
                (pl.col("status") != "superseded")
                | (pl.col("series_code") == pl.col("successor_code")),
            ),
        ],
        "successor_code": [
            sch.row_check(
                "areas.list_code", "codes that exist in areas", listed_ok("successor_code")
            )
        ],
        "member_codes": [
            sch.row_check("areas.list_code", "codes that exist in areas", listed_ok("member_codes"))
        ],
    }


def inspection_rules(frames: dict[str, pl.DataFrame]) -> Rules:
    start = sch.typed(pl.col("fieldwork_start"), "date")
    end = sch.typed(pl.col("fieldwork_end"), "date")
    published = sch.typed(pl.col("publication_date"), "date")
    pairs = [
        f"{fw}|{grade}" for fws, scale in GRADE_SCALES.items() for fw in fws for grade in scale
    ]
    pair = pl.concat_str([pl.col("framework"), pl.col("grade_on_framework_scale")], separator="|")
    # a date that does not parse is reported by its type check, not again through the key date
    unreadable = (pl.col("fieldwork_start").is_not_null() & start.is_null()) | (
        pl.col("publication_date").is_not_null() & published.is_null()
    )
    keyed_by = pl.coalesce(start, published)
    return {
        "fieldwork_end": [
            sch.row_check(
                "inspections.date_order", "a date on or after fieldwork_start", end >= start
            )
        ],
        "publication_date": [
            sch.row_check(
                "inspections.date_order",
                "a date on or after the fieldwork",
                published >= pl.coalesce(end, start),
            ),
            sch.row_check(
                "inspections.publication_date",
                "a publication date (only a visit may have none)",
                pl.col("publication_date").is_not_null() | (pl.col("judgement") == "visit"),
            ),
        ],
        "inspection_date": [
            sch.row_check(
                "inspections.inspection_date",
                "the fieldwork start, else the publication date",
                unreadable | (sch.typed(pl.col("inspection_date"), "date") == keyed_by),
            )
        ],
        "grade_status": [
            sch.row_check(
                "inspections.grade_status",
                "a grade_status exactly when there is no grade",
                pl.col("grade").is_null() != pl.col("grade_status").is_null(),
            )
        ],
        "framework": [
            sch.row_check(
                "inspections.framework_date",
                f"ILACS_2026 exactly when fieldwork starts on or after {REFORM_DATE}",
                start.is_null()
                | ((pl.col("framework") == "ILACS_2026") == (start >= pl.lit(REFORM_DATE))),
            )
        ],
        "grade_on_framework_scale": [
            sch.row_check(
                "inspections.grade_scale",
                "a grade on the framework's scale",
                pl.col("grade_on_framework_scale").is_null() | pair.is_in(pairs),
            )
        ],
    }


def _explain_date_order(
    rows: pl.DataFrame, frames: dict[str, pl.DataFrame], column: str
) -> list[str]:
    """Name the date the failing one should follow, with its value."""
    if column == "fieldwork_end":
        return [f"a date on or after fieldwork_start ({d})" for d in rows["fieldwork_start"]]
    return [
        f"a date on or after fieldwork_end ({end})"
        if end is not None
        else f"a date on or after fieldwork_start ({start})"
        for start, end in rows.select("fieldwork_start", "fieldwork_end").iter_rows()
    ]


def _explain_grade_scale(
    rows: pl.DataFrame, frames: dict[str, pl.DataFrame], column: str
) -> list[str]:
    return [
        f"one of {list(grade_scale(fw))} for framework {fw}" for fw in rows["framework"].to_list()
    ]


def announcement_rules(frames: dict[str, pl.DataFrame], table_schema: dict[str, Any]) -> Rules:
    """Text from the web must be plain: every free-text column is checked for markup."""
    free_text = [
        f["name"]
        for f in table_schema["fields"]
        if f.get("type", "string") == "string" and "enum" not in f.get("constraints", {})
    ]
    return {
        c: [
            sch.check(
                "text.html",
                "plain text without HTML tags",
                lambda e: ~e.str.contains(HTML),
                per_value=True,
            )
        ]
        for c in free_text
    }


def rules_for(
    resource: str, frames: dict[str, pl.DataFrame], table_schema: dict[str, Any]
) -> Rules:
    if resource == "observations":
        return observation_rules(frames)
    if resource == "areas":
        return area_rules(frames)
    if resource == "inspections":
        return inspection_rules(frames)
    if resource == "announcements":
        return announcement_rules(frames, table_schema)
    return {}


EXPLAIN: dict[str, Explain] = {
    "obs.period": _explain_period,
    "obs.indicator_range": _explain_range,
    "obs.period_end": _explain_period_end,
    "inspections.grade_scale": _explain_grade_scale,
    "inspections.date_order": _explain_date_order,
}


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
    (:func:`cscbench.package_object.read`: ``allow_remote`` is then its own). The descriptor and
    its Table Schemas are checked first (:mod:`cscbench.descriptor`): only resources whose file
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
            from cscbench.frictionless_engine import frictionless_problems

            tally.extend(frictionless_problems(checked.entries, chosen))
    finally:
        if not given:
            package.close()
    problems = in_report_order(tally.problems, list(checked.order))
    if not problems:
        package.keep_texts(frames)
    counts = {n: f.height for n, f in frames.items()}
    return Report(problems, counts, tally.counts, package)
