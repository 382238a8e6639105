"""Validate a data package: file checks, then the pandera schemas generated from the Table Schemas.

The fast default engine reads each CSV once as text and runs every check as a polars expression, so a
bad cell is reported with its CSV line and column. Only failing rows reach Python, and at most
``limit`` of them per check and column (the exact count is kept), so a package where every row is
wrong costs no more than a valid one. ``engine="frictionless"`` runs frictionless as well (slower;
used to cross-check) and maps its errors onto the same check ids.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from cscbench import schema as sch
from cscbench.checks import CATALOGUE
from cscbench.choices import ENGINES
from cscbench.csvfile import read_table
from cscbench.domain import GRADE_SCALES, REFORM_DATE, grade_scale
from cscbench.report import (
    DEFAULT_LIMIT,
    ENGINE,
    FIRST_DATA_LINE,
    HEADER_LINE,
    Problem,
    Report,
    Tally,
    in_report_order,
)

ROWS_OPTIONAL = ("announcements",)  # a package may hold no announcements yet
PUBLISHED_SYMBOLS_WITH_VALUE = ("computed",)
# An opening or closing tag, a comment or a doctype; "< 5" or "a <> b" are not markup.
HTML = r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?\s*>|<!--|<!\s*doctype"


# ---------------------------------------------------------------------------- headers


def header_problems(
    columns: list[str], table_schema: dict[str, Any], resource: str
) -> list[Problem]:
    """Missing, extra, renamed and reordered columns, all reported on line 1.

    A column whose expected name is absent while an unknown name sits at its position is reported
    once, as renamed, rather than as one missing and one extra column.
    """
    expected = [f["name"] for f in table_schema["fields"]]
    missing = [c for c in expected if c not in columns]
    extra = [c for c in columns if c not in expected]
    renamed = {
        columns[i]: name
        for i, name in enumerate(expected)
        if name in missing and i < len(columns) and columns[i] in extra
    }
    problems = [
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
    period = pl.col("period")
    start = period.str.slice(0, 4).cast(pl.Int32, strict=False)
    period_end = sch.typed(pl.col("period_end"), "date")
    financial = period.str.contains("-")
    end_year = pl.when(financial).then(start + 1).otherwise(start)
    fy_ok = ~financial | ((period_end.dt.month() == 3) & (period_end.dt.day() == 31))
    status = pl.col("status")
    return {
        "value": [
            sch.row_check(
                "obs.value_or_status",
                "a value, or a status saying why there is none (both are empty)",
                pl.col("value").is_not_null() | status.is_not_null(),
            ),
            sch.row_check(
                "obs.percent_range",
                "a percentage from 0 to 100",
                (unit != "percent") | value.is_between(0, 100),  # reads the value once
            ),
            sch.row_check(
                "obs.indicator_range",
                "a value within the indicator's min_value and max_value",
                (unit == "percent")
                | value.is_between(low.fill_null(-math.inf), high.fill_null(math.inf)),
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
                (period_end.dt.year() == end_year) & fy_ok,
                # a few dozen distinct (period, period_end) pairs: judge those, not every row
                proof=lambda frame: (
                    frame.lazy()
                    .select("period", "period_end")
                    .unique()
                    .select(((period_end.dt.year() == end_year) & fy_ok).fill_null(True).all())
                    .collect()
                    .item()
                ),
            )
        ],
    }


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
        c: [sch.check("text.html", "plain text without HTML tags", lambda e: ~e.str.contains(HTML))]
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
    skip_rows: pl.Series | None = None,
) -> None:
    """Run the resource's pandera schema; failures on ``skip_rows`` (malformed rows) are left out."""
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
    skip = pl.Series("skip", [], dtype=pl.UInt32) if skip_rows is None else skip_rows
    pk = sch.primary_key(table_schema)
    for error in errors:
        _add_failures(resource, frame, frames, error, skip, pk, tally)


def _add_failures(
    resource: str,
    frame: pl.DataFrame,
    frames: dict[str, pl.DataFrame],
    error: Any,
    skip: pl.Series,
    pk: list[str],
    tally: Tally,
) -> None:
    """Turn one failed check into located problems: failing rows found with polars, not Python."""
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
    if check_id == "table.primary_key":
        values = rows.select(pl.concat_str(pk, separator=", ", ignore_nulls=True)).to_series()
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


def load_descriptor(descriptor: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    try:
        package = json.loads(descriptor.read_text(encoding="utf-8"))
        resources = package["resources"]
        for res in resources:
            res["name"], res["path"], res["schema"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, [
            Problem(
                "package.descriptor",
                "datapackage",
                None,
                None,
                f"{type(exc).__name__}: {str(exc)[:200]}",
                "a readable datapackage.json whose resources each have a name, path and schema",
            )
        ]
    return package, []


def load_schemas(package: dict[str, Any], base: Path, tally: Tally) -> dict[str, dict[str, Any]]:
    schemas: dict[str, dict[str, Any]] = {}
    for res in package["resources"]:
        try:
            schemas[res["name"]] = sch.load_table_schema(base / res["schema"])
        except (OSError, ValueError) as exc:
            tally.add(
                Problem(
                    "package.descriptor",
                    res["name"],
                    None,
                    None,
                    f"{res['schema']}: {str(exc)[:200]}",
                    "a readable Table Schema",
                )
            )
    return schemas


def read_resources(
    package: dict[str, Any], base: Path, schemas: dict[str, dict[str, Any]], tally: Tally
) -> tuple[dict[str, pl.DataFrame], dict[str, pl.Series]]:
    """Read every resource as text with its file and header checks; keep the ones fit to check."""
    frames: dict[str, pl.DataFrame] = {}
    bad_rows: dict[str, pl.Series] = {}
    for res in package["resources"]:
        name = res["name"]
        if name not in schemas:
            continue
        table = read_table(base / res["path"], tally.limit)
        tally.extend(
            Problem(p.check_id, name, p.line, p.column, p.value, p.expected) for p in table.problems
        )
        if table.frame is None:
            continue
        header = header_problems(table.frame.columns, schemas[name], name)
        tally.extend(header)
        if table.frame.height == 0 and name not in ROWS_OPTIONAL:
            tally.add(
                Problem("file.no_rows", name, FIRST_DATA_LINE, None, None, "at least one data row")
            )
        if not header:
            frames[name] = table.frame
            bad_rows[name] = table.bad_rows
    return frames, bad_rows


def validate_package(descriptor: Path, engine: str = ENGINE, limit: int = DEFAULT_LIMIT) -> Report:
    """Validate every resource; ``engine`` is cscbench (fast), frictionless or both.

    ``limit`` caps the examples kept per engine, check, resource and column; counts stay exact.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    descriptor = Path(descriptor).resolve()
    tally = Tally(limit)
    package, problems = load_descriptor(descriptor)
    tally.extend(problems)
    if package is None:
        return Report(tally.problems, {}, tally.counts)
    schemas = load_schemas(package, descriptor.parent, tally)
    frames: dict[str, pl.DataFrame] = {}
    if engine in ("cscbench", "both"):
        frames, bad_rows = read_resources(package, descriptor.parent, schemas, tally)
        for name in frames:
            validate_frame(name, schemas[name], frames, tally, bad_rows[name])
    if engine in ("frictionless", "both"):
        from cscbench.frictionless_engine import frictionless_problems

        tally.extend(frictionless_problems(descriptor, schemas))
    problems = in_report_order(tally.problems, [res["name"] for res in package["resources"]])
    return Report(problems, {n: f.height for n, f in frames.items()}, tally.counts)
