"""Validate a data package: file checks, then the pandera schemas generated from the Table Schemas.

The fast default engine reads each CSV once as text and runs every check as a polars expression, so a
bad cell is reported with its CSV line and column. ``engine="frictionless"`` runs frictionless as well
(slower; used to cross-check) and maps its errors onto the same check ids.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl

from cscbench import schema as sch
from cscbench.checks import CATALOGUE

pa = sch.pa
HEADER_LINE = 1
ROWS_REQUIRED = ("areas", "indicators", "observations", "sources")
PUBLISHED_SYMBOLS_WITH_VALUE = ("computed",)
HTML = r"<\s*/?\s*[a-zA-Z!][^>]*>"


@dataclass(frozen=True)
class Problem:
    check_id: str
    resource: str
    line: int | None  # the line a person sees in a text editor or spreadsheet (header = 1)
    column: str | None
    value: str | None
    expected: str
    engine: str = "cscbench"

    @property
    def message(self) -> str:
        where = f"{self.resource}.csv" + (f" line {self.line}" if self.line else "")
        where += f", column {self.column}" if self.column else ""
        got = "" if self.value is None else f": got {self.value!r}"
        return f"{where}{got}; expected {self.expected}"

    @property
    def guidance(self) -> str:
        return CATALOGUE[self.check_id].guidance

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "message": self.message,
            "guidance": self.guidance,
            "title": CATALOGUE[self.check_id].title,
        }


@dataclass
class Report:
    problems: list[Problem]
    resources: dict[str, int]

    @property
    def valid(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------------------- files


def read_text_frame(path: Path, resource: str) -> tuple[pl.DataFrame | None, list[Problem]]:
    """Read a CSV as text, reporting file-level problems with their line."""
    if not path.exists():
        return None, [Problem("file.missing", resource, None, None, str(path), "the file to exist")]
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    problems: list[Problem] = []
    if not head.strip():
        return None, [Problem("file.empty", resource, None, None, None, "a header row")]
    if head.startswith(b"\xef\xbb\xbf"):
        problems.append(Problem("file.bom", resource, 1, None, None, "no byte-order mark"))
    if b"\r\n" in head:
        problems.append(Problem("file.line_endings", resource, 1, None, None, "LF line endings"))
    try:
        df = pl.read_csv(path, infer_schema=False, raise_if_empty=True)
    except pl.exceptions.ComputeError as exc:
        return None, [*problems, _locate_parse_error(path, resource, exc)]
    except pl.exceptions.NoDataError:
        return None, [Problem("file.empty", resource, None, None, None, "a header row")]
    df = df.rename({c: c.lstrip("\ufeff") for c in df.columns})
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        if handle.read(1) != b"\n":
            problems.append(
                Problem(
                    "file.malformed",
                    resource,
                    df.height + 1,
                    None,
                    None,
                    "the file to end with a newline (a cut-off last line means the file was truncated)",
                )
            )
    return df, problems


def _locate_parse_error(path: Path, resource: str, exc: Exception) -> Problem:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return Problem(
            "file.encoding",
            resource,
            line,
            None,
            repr(data[err.start : err.start + 4]),
            "UTF-8 text",
        )
    return Problem(
        "file.malformed",
        resource,
        None,
        None,
        str(exc).splitlines()[0][:200],
        "well-formed CSV rows",
    )


def header_problems(df: pl.DataFrame, table_schema: dict[str, Any], resource: str) -> list[Problem]:
    expected = [f["name"] for f in table_schema["fields"]]
    got = df.columns
    problems = [
        Problem("table.missing_column", resource, HEADER_LINE, c, None, f"column {c!r}")
        for c in expected
        if c not in got
    ]
    problems += [
        Problem("table.extra_column", resource, HEADER_LINE, c, c, f"only the columns {expected}")
        for c in got
        if c not in expected
    ]
    if not problems and got != expected:
        problems.append(
            Problem(
                "table.column_order",
                resource,
                HEADER_LINE,
                None,
                ", ".join(got),
                ", ".join(expected),
            )
        )
    return problems


# ---------------------------------------------------------------------------- resource rules


def _mapping(frame: pl.DataFrame | None, key: str, value: str) -> dict[str, Any]:
    if frame is None or key not in frame.columns or value not in frame.columns:
        return {}
    return dict(zip(frame[key].to_list(), frame[value].to_list(), strict=True))


def observation_rules(frames: dict[str, pl.DataFrame]) -> list[pa.Check]:
    indicators = frames.get("indicators")
    lows = {
        k: float(v)
        for k, v in _mapping(indicators, "indicator_id", "min_value").items()
        if v not in (None, "")
    }
    highs = {
        k: float(v)
        for k, v in _mapping(indicators, "indicator_id", "max_value").items()
        if v not in (None, "")
    }
    units = _mapping(indicators, "indicator_id", "unit")
    value = sch.typed(pl.col("value"), "number")
    ind = pl.col("indicator_id")
    low = ind.replace_strict(lows, default=None, return_dtype=pl.Float64)
    high = ind.replace_strict(highs, default=None, return_dtype=pl.Float64)
    unit = ind.replace_strict(units, default=None, return_dtype=pl.String)
    period = pl.col("period")
    start = period.str.slice(0, 4).cast(pl.Int32, strict=False)
    period_end = sch.typed(pl.col("period_end"), "date")
    expected_end_year = pl.when(period.str.contains("-")).then(start + 1).otherwise(start)
    fy_ok = ~period.str.contains("-") | ((period_end.dt.month() == 3) & (period_end.dt.day() == 31))
    status = pl.col("status")
    return [
        sch.wide_check(
            "obs.value_or_status",
            "a value or a status (not both, unless computed)",
            (pl.col("value").is_null() & status.is_not_null())
            | (
                pl.col("value").is_not_null()
                & (status.is_null() | status.is_in(PUBLISHED_SYMBOLS_WITH_VALUE))
            ),
        ),
        sch.wide_check(
            "obs.percent_range",
            "a percentage between 0 and 100",
            (unit != "percent") | value.is_null() | ((value >= 0) & (value <= 100)),
        ),
        sch.wide_check(
            "obs.indicator_range",
            "a value within the indicator's min_value and max_value",
            (unit == "percent")
            | value.is_null()
            | ((value >= low.fill_null(value)) & (value <= high.fill_null(value))),
        ),
        sch.wide_check(
            "obs.period_end",
            "a period_end in the period's final year (31 March for a financial year)",
            period_end.is_null()
            | start.is_null()
            | ((period_end.dt.year() == expected_end_year) & fy_ok),
        ),
    ]


def area_rules(frames: dict[str, pl.DataFrame]) -> list[pa.Check]:
    codes = frames["areas"]["area_code"].drop_nulls().unique().implode()

    def listed_ok(column: str) -> pl.Expr:
        return (
            pl.col(column).is_null()
            | pl.col(column).str.split("|").list.eval(pl.element().is_in(codes)).list.all()
        )

    return [
        sch.wide_check(
            "areas.series_code",
            "series_code equal to area_code for a current area",
            (pl.col("status") != "current") | (pl.col("series_code") == pl.col("area_code")),
        ),
        sch.wide_check(
            "areas.list_code",
            "successor_code codes that exist in areas",
            listed_ok("successor_code"),
        ),
        sch.wide_check(
            "areas.list_code", "member_codes codes that exist in areas", listed_ok("member_codes")
        ),
    ]


def inspection_rules(frames: dict[str, pl.DataFrame]) -> list[pa.Check]:
    start = sch.typed(pl.col("fieldwork_start"), "date")
    end = sch.typed(pl.col("fieldwork_end"), "date")
    published = sch.typed(pl.col("publication_date"), "date")
    return [
        sch.wide_check(
            "inspections.date_order",
            "fieldwork_start <= fieldwork_end <= publication_date",
            (start <= end.fill_null(start))
            & (end.fill_null(start).fill_null(published) <= published),
        ),
        sch.wide_check(
            "inspections.grade_status",
            "either a grade or a grade_status",
            pl.col("grade").is_null() != pl.col("grade_status").is_null(),
        ),
    ]


def announcement_rules(frames: dict[str, pl.DataFrame]) -> list[pa.Check]:
    text_columns = [
        c
        for c in ("value_as_stated", "date_as_stated", "unit", "certainty_note", "qualifier")
        if c in frames["announcements"].columns
    ]
    return [
        sch.wide_check(
            "text.html", f"plain text without markup in {c}", ~pl.col(c).str.contains(HTML)
        )
        for c in text_columns
    ]


RULES = {
    "observations": observation_rules,
    "areas": area_rules,
    "inspections": inspection_rules,
    "announcements": announcement_rules,
}


# ---------------------------------------------------------------------------- engine


def _failure_problems(
    resource: str, failures: pl.DataFrame, row_frame: pl.DataFrame
) -> list[Problem]:
    problems: list[Problem] = []
    for row in failures.iter_rows(named=True):
        check_id, _, expected = (row["check"] or "").partition("|")
        if check_id not in CATALOGUE:
            check_id, expected = "field.type", row["check"] or ""
        index = row["index"]
        line = None if index is None else int(index) + 2
        column = row["column"]
        value = row["failure_case"]
        if column is None and index is not None:
            column, value = _wide_location(check_id, expected, row_frame, int(index))
        problems.append(Problem(check_id, resource, line, column, value, expected))
    return problems


def _wide_location(
    check_id: str, expected: str, frame: pl.DataFrame, index: int
) -> tuple[str | None, str | None]:
    """Name the column a row-wise check is about, and its value on that row."""
    named = {
        "obs.percent_range": "value",
        "obs.indicator_range": "value",
        "obs.period_end": "period_end",
        "obs.value_or_status": "status",
        "areas.series_code": "series_code",
        "inspections.date_order": "fieldwork_start",
        "inspections.grade_status": "grade_status",
    }
    column = named.get(check_id)
    if check_id in ("areas.list_code", "text.html"):
        column = next((c for c in frame.columns if f" {c} " in f" {expected} "), None)
    if check_id == "table.primary_key":
        key = expected.removeprefix("a unique ")
        return key, ", ".join(str(frame[c][index]) for c in key.split(", "))
    if column is None or column not in frame.columns:
        return None, None
    return column, frame[column][index]


def validate_frame(
    resource: str, table_schema: dict[str, Any], frames: dict[str, pl.DataFrame]
) -> list[Problem]:
    frame = frames[resource]
    extra = RULES[resource](frames) if resource in RULES else []
    model = sch.pandera_schema(resource, table_schema, frames, extra)
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        failures = err.failure_cases.sort("index", "column", "check", nulls_last=True)
        return _failure_problems(resource, failures, frame)
    return []


def load_descriptor(descriptor: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    try:
        return json.loads(descriptor.read_text(encoding="utf-8")), []
    except (OSError, ValueError) as exc:
        return None, [
            Problem(
                "package.descriptor",
                "datapackage",
                None,
                None,
                str(exc)[:200],
                "a readable datapackage.json",
            )
        ]


def validate_package(descriptor: Path, engine: str = "cscbench") -> Report:
    """Validate every resource; ``engine`` is cscbench (fast), frictionless or both."""
    descriptor = Path(descriptor).resolve()
    package, problems = load_descriptor(descriptor)
    if package is None:
        return Report(problems, {})
    base = descriptor.parent
    frames: dict[str, pl.DataFrame] = {}
    schemas: dict[str, dict[str, Any]] = {}
    for res in package.get("resources", []):
        name = res["name"]
        schemas[name] = sch.load_table_schema(base / res["schema"])
        frame, file_problems = read_text_frame(base / res["path"], name)
        problems += file_problems
        if frame is None:
            continue
        header = header_problems(frame, schemas[name], name)
        problems += header
        if frame.height == 0 and name in ROWS_REQUIRED:
            problems.append(Problem("file.no_rows", name, 2, None, None, "at least one data row"))
        if not header:
            frames[name] = frame
    if engine in ("cscbench", "both"):
        for name in frames:
            problems += validate_frame(name, schemas[name], frames)
    if engine in ("frictionless", "both"):
        from cscbench.frictionless_engine import frictionless_problems

        problems += frictionless_problems(descriptor, schemas)
    return Report(problems, {name: frame.height for name, frame in frames.items()})
