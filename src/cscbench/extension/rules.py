"""The checks that reach from an extension into cscbench: councils, indicators, units, periods, ranges.

A Table Schema cannot hold a foreign key into another package, so these run here, as polars
expressions over the whole return; only failing rows reach Python, for their messages. Each
problem carries an ``extension.*`` check id of :mod:`cscbench.validate.checks`, its CSV line and column.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import polars as pl

from cscbench.core.names import name_lookup, normalise_name
from cscbench.extension.format import COUNCIL, INDICATORS, NAMESPACE, OBSERVATIONS
from cscbench.validate.report import FIRST_DATA_LINE, Problem

COUNCIL_LEVELS = ("local_authority", "joint_return")
ROW = "_row"
SUGGESTED = 50  # distinct bad values given a "did you mean" (difflib is slow on thousands)


@dataclass(frozen=True)
class Official:
    """What the checks need of the release the extension extends."""

    areas: pl.DataFrame  # cscbench's areas, as text
    indicators: pl.DataFrame  # indicator_id, unit, min_value, max_value
    financial: pl.DataFrame  # indicator_id, any_financial, all_financial: its periods' format


@dataclass(frozen=True)
class Outcome:
    problems: list[Problem]
    notes: list[str]
    councils: pl.Series  # council_code per row of local_observations


def official_periods(observations: pl.DataFrame) -> pl.DataFrame:
    """Per official indicator, whether its periods are financial years (``2024-25``)."""
    financial = pl.col("period").str.contains("-")
    return observations.group_by("indicator_id").agg(
        financial.any().alias("any_financial"), financial.all().alias("all_financial")
    )


def _problems(
    rows: pl.DataFrame, check_id: str, resource: str, column: str, expected: str | pl.Expr
) -> list[Problem]:
    """A problem per failing row (``rows`` carries ``_row`` and ``column``)."""
    shown = rows.with_columns(
        pl.col(column).cast(pl.String).alias("_value"),
        (expected if isinstance(expected, pl.Expr) else pl.lit(expected)).alias("_expected"),
    )
    return [
        Problem(check_id, resource, row + FIRST_DATA_LINE, column, value, exp)
        for row, value, exp in shown.select(ROW, "_value", "_expected").iter_rows()
    ]


def _suggest_council(text: str, areas: pl.DataFrame) -> str:
    """'did you mean ...': the council a name stands for, or the closest codes."""
    councils = areas.filter(pl.col("level").is_in(COUNCIL_LEVELS))
    key = pl.select(normalise_name(pl.lit(text))).item()
    named = name_lookup(councils).filter(pl.col("key") == key)["area_code"].unique().sort()
    close = named.to_list() or difflib.get_close_matches(
        text.upper(), councils["area_code"].to_list(), n=3
    )
    if not close:
        return "a council's GSS code from cscbench's areas (e.g. E08000035 for Leeds)"
    names = dict(zip(councils["area_code"], councils["name"], strict=True))
    options = ", ".join(f"{c} ({names[c]})" for c in close)
    return f"a council's GSS code from cscbench's areas; did you mean {options}?"


def check_councils(obs: pl.DataFrame, official: Official) -> Outcome:
    """Every ``area_code`` a council of cscbench's areas; a superseded code mapped (a note)."""
    areas = official.areas
    joined = obs.select(ROW, "area_code").join(
        areas.select("area_code", "name", "level", "status", "successor_code", "series_code"),
        on="area_code",
        how="left",
    )
    problems: list[Problem] = []
    unknown = joined.filter(pl.col("level").is_null())
    codes = unknown["area_code"].unique(maintain_order=True)
    hints = {c: _suggest_council(c, areas) for c in codes.head(SUGGESTED).to_list()}
    plain = "a council's GSS code from cscbench's areas"
    hint = pl.col("area_code").replace_strict(hints, default=plain, return_dtype=pl.String)
    problems += _problems(unknown, "extension.area", OBSERVATIONS, "area_code", hint)
    not_council = joined.filter(
        pl.col("level").is_not_null() & ~pl.col("level").is_in(COUNCIL_LEVELS)
    )
    what = pl.format("a council's code, not the {} area {}", pl.col("level"), pl.col("name"))
    problems += _problems(not_council, "extension.area", OBSERVATIONS, "area_code", what)
    split = joined.filter(pl.col("level").is_in(COUNCIL_LEVELS) & pl.col("series_code").is_null())
    successors = pl.col("successor_code").fill_null("").str.replace_all(r"\|", " or ")
    why = pl.format(
        "a current council's code: {} ({}) was abolished; give its successor's ({})",
        pl.col("area_code"),
        pl.col("name"),
        successors,
    )
    problems += _problems(split, "extension.area", OBSERVATIONS, "area_code", why)
    moved = joined.filter(
        pl.col("series_code").is_not_null() & (pl.col("series_code") != pl.col("area_code"))
    )
    notes = [
        f"{OBSERVATIONS}.csv line {row + FIRST_DATA_LINE}: {code} ({name}) is a superseded code; "
        f"the figure is counted for the current council {current}"
        for row, code, name, current in moved.select(
            ROW, "area_code", "name", "series_code"
        ).iter_rows()
    ]
    councils = joined.sort(ROW)["series_code"].fill_null(joined.sort(ROW)["area_code"])
    return Outcome(problems, notes, councils.alias(COUNCIL))


def check_own_indicators(own: pl.DataFrame, official: Official) -> list[Problem]:
    """Own ids never an official id, and always in the partnership's namespace."""
    ids = own.select(ROW, "indicator_id")
    official_ids = official.indicators["indicator_id"].implode()
    shadow = ids.filter(pl.col("indicator_id").is_in(official_ids))
    outside = ids.filter(
        ~pl.col("indicator_id").is_in(official_ids)
        & ~pl.col("indicator_id").str.starts_with(NAMESPACE)
    )
    return _problems(
        shadow,
        "extension.shadow",
        INDICATORS,
        "indicator_id",
        pl.format(
            "an own id starting {} ({} is an official indicator: report its figures under its "
            "id without declaring it)",
            pl.lit(NAMESPACE),
            pl.col("indicator_id"),
        ),
    ) + _problems(
        outside,
        "extension.namespace",
        INDICATORS,
        "indicator_id",
        pl.format(
            "an own id starting {} (e.g. {}{})",
            pl.lit(NAMESPACE),
            pl.lit(NAMESPACE),
            pl.col("indicator_id"),
        ),
    )


def _definitions(own: pl.DataFrame, official: Official) -> pl.DataFrame:
    """Every indicator a figure may use: official ones (with their period format), then own ones
    that are in the namespace and shadow nothing."""
    columns = ["indicator_id", "unit", "min_value", "max_value"]
    official_ids = official.indicators["indicator_id"].implode()
    mine = own.filter(
        pl.col("indicator_id").str.starts_with(NAMESPACE)
        & ~pl.col("indicator_id").is_in(official_ids)
    )
    return pl.concat(
        [
            official.indicators.select(columns)
            .join(official.financial, on="indicator_id", how="left")
            .with_columns(pl.lit(True).alias("is_official")),
            mine.select(columns).with_columns(
                pl.lit(None, pl.Boolean).alias("any_financial"),
                pl.lit(None, pl.Boolean).alias("all_financial"),
                pl.lit(False).alias("is_official"),
            ),
        ],
        how="vertical_relaxed",
    )


def check_figures(obs: pl.DataFrame, own: pl.DataFrame, official: Official) -> list[Problem]:
    """Indicator known, unit as the indicator's, period written as its official figures are and
    period_end inside it, value inside the indicator's range."""
    known = _definitions(own, official)
    rows = obs.join(known, on="indicator_id", how="left", suffix="_indicator")
    problems: list[Problem] = []
    unknown = rows.filter(pl.col("is_official").is_null())
    choices = known["indicator_id"].to_list()
    expected = f"an official cscbench indicator or one declared in {INDICATORS}.csv"
    hints = {}
    for ind in unknown["indicator_id"].unique(maintain_order=True).head(SUGGESTED).to_list():
        close = difflib.get_close_matches(ind, choices, n=3)
        hints[ind] = expected + (f"; did you mean {', '.join(close)}?" if close else "")
    hint = pl.col("indicator_id").replace_strict(hints, default=expected, return_dtype=pl.String)
    problems += _problems(unknown, "extension.indicator", OBSERVATIONS, "indicator_id", hint)
    rows = rows.filter(pl.col("is_official").is_not_null())
    unit_bad = rows.filter(pl.col("unit") != pl.col("unit_indicator"))
    problems += _problems(
        unit_bad,
        "extension.unit",
        OBSERVATIONS,
        "unit",
        pl.format("the unit of {}: {}", pl.col("indicator_id"), pl.col("unit_indicator")),
    )
    financial = pl.col("period").str.contains("-")
    start = pl.col("period").str.slice(0, 4).cast(pl.Int32, strict=False)
    suffix = pl.col("period").str.slice(5, 2).cast(pl.Int32, strict=False)
    year_wanted = pl.col("all_financial").fill_null(False) & ~financial
    fy_wanted = ~pl.col("any_financial").fill_null(True) & financial
    fy_wrong = financial & (suffix != (start + 1) % 100)
    form = rows.filter(year_wanted | fy_wanted | fy_wrong)
    problems += _problems(
        form,
        "extension.period_format",
        OBSERVATIONS,
        "period",
        pl.when(year_wanted)
        .then(
            pl.format("a financial year such as 2025-26, as {}'s periods", pl.col("indicator_id"))
        )
        .when(fy_wanted)
        .then(pl.format("a year such as 2026, as {}'s periods", pl.col("indicator_id")))
        .otherwise(pl.lit("a financial year whose second year follows the first (2025-26)")),
    )
    rows = rows.filter(~(year_wanted | fy_wanted | fy_wrong))
    first = pl.date(start, 4, 1)
    last = pl.date(start + 1, 3, 31)
    end_ok = (
        pl.when(financial)
        .then(pl.col("period_end").is_between(first, last))
        .otherwise(pl.col("period_end").dt.year() == start)
    )
    problems += _problems(
        rows.filter(~end_ok),
        "extension.period_end",
        OBSERVATIONS,
        "period_end",
        pl.when(financial)
        .then(pl.format("a date from {}-04-01 to {}-03-31", start, start + 1))
        .otherwise(pl.format("a date in {}", pl.col("period"))),
    )
    percent = pl.col("unit_indicator") == "percent"
    low = pl.when(percent).then(pl.lit(0.0)).otherwise(pl.col("min_value"))
    high = pl.when(percent).then(pl.lit(100.0)).otherwise(pl.col("max_value"))
    out = rows.filter(
        pl.col("value").is_not_null()
        & (
            (pl.col("value") < low.fill_null(float("-inf")))
            | (pl.col("value") > high.fill_null(float("inf")))
        )
    )
    bounds = pl.format(
        "a value from {} to {} ({}'s valid range)",
        low.cast(pl.String).fill_null("any"),
        high.cast(pl.String).fill_null("any"),
        pl.col("indicator_id"),
    )
    problems += _problems(out, "extension.range", OBSERVATIONS, "value", bounds)
    return problems


def check_duplicates(obs: pl.DataFrame, councils: pl.Series) -> list[Problem]:
    """One row per indicator, council and period once superseded codes are mapped."""
    keyed = obs.with_columns(councils)
    first = pl.struct("indicator_id", COUNCIL, "period").is_first_distinct()
    again = keyed.filter(~first)
    return _problems(
        again,
        "extension.duplicate_council",
        OBSERVATIONS,
        "area_code",
        pl.format(
            "one row for {} of council {} in {} (another row has it under the council's other code)",
            pl.col("indicator_id"),
            pl.col(COUNCIL),
            pl.col("period"),
        ),
    )
