"""Observation checks (``obs.*``) and their rules: a figure has a value or a status saying why
not, lies within its indicator's declared range (0 to 100 for a percentage), and its period and
period_end are real and agree. :func:`observation_rules` gives the rules of each column;
``EXPLAIN`` the words that say, row by row, what a rule whose bound depends on the row expected.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from cscbench.package import schema as sch
from cscbench.validate.checks.check import Check, Explain, Rules

CHECKS = (
    Check(
        "obs.value_or_status",
        "A figure has neither a value nor a status, or both a value and a suppression symbol",
        "Give the value, or leave it empty and put the publisher's symbol in status (only "
        "'computed' may go with a value).",
    ),
    Check(
        "obs.indicator_range",
        "A value is outside the valid range of its indicator (e.g. a negative count)",
        "Check the figure against the publisher's file; the valid range is in indicators "
        "(min_value, max_value).",
    ),
    Check(
        "obs.percent_range",
        "A percentage is above 100 or below 0",
        "Percentages lie between 0 and 100; check the figure and its unit.",
    ),
    Check(
        "obs.period",
        "A period is neither a year (2025) nor a financial year whose second part is the "
        "next year (2024-25)",
        "Write a year as four digits, or a financial year as YYYY-YY where YY is the last two "
        "digits of the following year (2017-18, 1999-00); 2017-99 is not a period.",
    ),
    Check(
        "obs.period_end",
        "period_end does not match period",
        "A year (2025) ends in that year; a financial year (2024-25) ends on 31 March of its "
        "second year.",
    ),
)


PUBLISHED_SYMBOLS_WITH_VALUE = ("computed",)


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


# The words that explain, row by row, what a rule whose bound depends on the row expected.
EXPLAIN: dict[str, Explain] = {
    "obs.period": _explain_period,
    "obs.indicator_range": _explain_range,
    "obs.period_end": _explain_period_end,
}
