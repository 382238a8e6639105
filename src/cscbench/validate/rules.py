"""The row rules of each resource that a Table Schema cannot say: figures within their indicator's
bounds and published with the status their symbol allows, periods well formed, areas' dates in
order, inspections graded on their framework's scale, announcements' figures checked against the
indicators they name. Each rule is a polars expression with a check id (validate/checks.py) and,
where its bound depends on the row, the words that explain what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import polars as pl

from cscbench.core.domain import GRADE_SCALES, REFORM_DATE, grade_scale
from cscbench.package import schema as sch

PUBLISHED_SYMBOLS_WITH_VALUE = ("computed",)
# What a browser would take for markup (the WHATWG tokenizer's tag-open state): "<" followed by a
# letter (a start tag, closed or not: "<svg/onload=...", "<img src=x onerror=..."), by "/" (an end
# tag, or a bogus comment that hides text), by "!" (a comment, doctype or CDATA) or by "?".
# "< 5", "a <> b", "<= 3" and "<3" stay text in a browser too. A "javascript:" URL in free text is
# text, shown escaped; URL columns are held to https?:// by their schema patterns, and the pages
# link https URLs only.
HTML = r"<[A-Za-z/!?]"


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


# The words that explain, row by row, what a rule whose bound depends on the row expected.
EXPLAIN: dict[str, Explain] = {
    "obs.period": _explain_period,
    "obs.indicator_range": _explain_range,
    "obs.period_end": _explain_period_end,
    "inspections.grade_scale": _explain_grade_scale,
    "inspections.date_order": _explain_date_order,
}
