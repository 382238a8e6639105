"""Figures computed from published ones: rates and changes a publisher does not give, region totals.

What to compute is declared in the indicator registry (``compute`` = per_population, change or
percent_change, with ``inputs`` and ``scale``), so a new rate per 10,000 children is a registry entry.
Every computed row says so: ``source_id`` is ``cscbench_computed`` and ``note`` names the inputs.
Where an input is suppressed or missing the computed value stays empty and carries the input's symbol
(:func:`gap_status`): a gap is never ``computed``, so no page can print a status word as a figure.
"""

from __future__ import annotations

import polars as pl

from cscbench.ingest.common import RawInputError, sorted_observations
from cscbench.ingest.registry import Indicator, Registry

SOURCE_ID = "cscbench_computed"
POPULATION = "population_0_17"
SUMMABLE_UNITS = ("gbp_thousand", "number", "fte")
INCOMPLETE = "incomplete"
COMPUTED = "computed"
EXACT_SCALE = 1e9
COUNCIL_LEVELS = ("local_authority", "joint_return")


def gap_status(value: pl.Expr, *inputs: pl.Expr) -> pl.Expr:
    """The status of a computed figure: ``computed`` only with a value; without one, the first
    input's own reason (a publisher's symbol, ``incomplete``), else ``incomplete``.

    An input's ``computed`` says nothing about a gap (a complete region total beside an incomplete
    one the year before), so it is never carried to an empty figure.
    """
    reasons = [pl.when(i != COMPUTED).then(i) for i in inputs]
    return (
        pl.when(value.is_not_null())
        .then(pl.lit(COMPUTED))
        .otherwise(pl.coalesce(*reasons, pl.lit(INCOMPLETE)))
    )


def _series_key(areas: pl.DataFrame) -> pl.DataFrame:
    return areas.select("area_code", pl.coalesce("series_code", "area_code").alias("series"))


def population_period(period: pl.Expr) -> pl.Expr:
    """The mid-year estimate a rate uses: 31 March Y -> mid-(Y-1); financial year Y-Y+1 -> mid-Y.

    DfE's rates for a 31 March snapshot use the previous mid-year (Leeds' 2025 looked-after rate uses
    mid-2024); a financial year April Y to March Y+1 contains 30 June Y, so spending per child for
    2024-25 uses mid-2024, 2023-24 mid-2023 and 2022-23 mid-2022.
    """
    start = period.str.slice(0, 4).cast(pl.Int32)
    return pl.when(period.str.contains("-")).then(start).otherwise(start - 1).cast(pl.String)


def ratio(
    observations: pl.DataFrame,
    areas: pl.DataFrame,
    numerator: str,
    new_id: str,
    scale: float,
) -> pl.DataFrame:
    """numerator / population * scale, joined through series codes so a code change keeps a match."""
    key = _series_key(areas)
    num = observations.filter(pl.col("indicator_id") == numerator).join(
        key, on="area_code", how="left"
    )
    den = (
        observations.filter(pl.col("indicator_id") == POPULATION)
        .join(key, on="area_code", how="left")
        .select(
            "series",
            pl.col("period").alias("pop_period"),
            pl.col("value").alias("pop"),
            pl.col("status").alias("pop_status"),
        )
    )
    joined = num.with_columns(population_period(pl.col("period")).alias("pop_period")).join(
        den, on=["series", "pop_period"], how="inner"
    )
    return joined.select(
        pl.lit(new_id).alias("indicator_id"),
        "area_code",
        "period",
        "period_end",
        (pl.col("value") / pl.col("pop") * scale).alias("value"),
        gap_status(pl.col("value") / pl.col("pop"), pl.col("status"), pl.col("pop_status")).alias(
            "status"
        ),
        pl.lit(SOURCE_ID).alias("source_id"),
        pl.format(
            "{} / {} (mid-{}) x {}",
            pl.lit(numerator),
            pl.lit(POPULATION),
            "pop_period",
            pl.lit(f"{scale:g}"),
        ).alias("note"),
    )


def _year(period: pl.Expr) -> pl.Expr:
    return period.str.slice(0, 4).cast(pl.Int32)


def change(
    observations: pl.DataFrame, areas: pl.DataFrame, of: str, new_id: str, percent: bool
) -> pl.DataFrame:
    """Change of ``of`` on the previous period for the same council, matched through series codes.

    The change is dated as the later period and keeps that period's code; a council with no figure
    the period before (a new code, or an abolished predecessor split in two) gets no row, and a
    missing or suppressed figure in either period leaves the change empty with that figure's symbol.
    """
    key = _series_key(areas)
    rows = observations.filter(pl.col("indicator_id") == of).join(key, on="area_code", how="left")
    earlier = rows.select(
        "series",
        (_year(pl.col("period")) + 1).alias("_year"),
        pl.col("period").alias("prev_period"),
        pl.col("area_code").alias("prev_code"),
        pl.col("value").alias("prev"),
        pl.col("status").alias("prev_status"),
    )
    joined = rows.with_columns(_year(pl.col("period")).alias("_year")).join(
        earlier, on=["series", "_year"], how="inner"
    )
    if percent and (zero := joined.filter(pl.col("prev") == 0)).height:
        raise RawInputError(
            f"{new_id}: no percentage change on a previous figure of 0 for "
            f"{zero.select('area_code', 'period').to_dicts()}"
        )
    difference = pl.col("value") - pl.col("prev")
    was = pl.when(pl.col("prev_code") != pl.col("area_code")).then(
        pl.format(" ({} then published under {})", "prev_period", "prev_code")
    )
    words = pl.format("{} {} minus {}", pl.lit(of), "period", "prev_period")
    return joined.select(
        pl.lit(new_id).alias("indicator_id"),
        "area_code",
        "period",
        "period_end",
        (difference / pl.col("prev").abs() * 100.0 if percent else difference).alias("value"),
        gap_status(difference, pl.col("status"), pl.col("prev_status")).alias("status"),
        pl.lit(SOURCE_ID).alias("source_id"),
        pl.concat_str(
            (pl.lit("(") + words + pl.format(") / {} {} x 100", pl.lit(of), "prev_period"))
            if percent
            else words,
            pl.coalesce(was, pl.lit("")),
        ).alias("note"),
    )


def exact_sum(values: pl.Expr) -> pl.Expr:
    """Sum on an integer grid of 1e-9 so the total does not depend on row order or threads.

    Float addition is not associative, so a plain parallel sum can differ in the last bit between
    runs; published figures carry far fewer than nine decimals, so nothing is lost.
    """
    return (values * EXACT_SCALE).round(0).cast(pl.Int64).sum() / EXACT_SCALE


def _expected_councils(areas: pl.DataFrame, periods: pl.DataFrame) -> pl.DataFrame:
    """(region_code, period_end) -> how many councils existed then (start/end dates in areas).

    A region's total for 2022-23 counts Cumbria, not Cumberland and Westmorland and Furness; for
    2024-25 the current councils. Joint returns are not councils of their own.
    """
    councils = areas.filter(pl.col("level") == "local_authority").select(
        "region_code", "start_date", "end_date"
    )
    alive = (pl.col("start_date").is_null() | (pl.col("start_date") <= pl.col("period_end"))) & (
        pl.col("end_date").is_null() | (pl.col("end_date") >= pl.col("period_end"))
    )
    return (
        periods.join(councils, how="cross")
        .filter(alive)
        .group_by("region_code", "period_end")
        .agg(pl.len().alias("expected"))
    )


def region_totals(
    observations: pl.DataFrame, areas: pl.DataFrame, indicators: pl.DataFrame
) -> pl.DataFrame:
    """Sum councils into regions for summable indicators a publisher gives no regional figure for.

    A region is only summed when as many councils have a figure as the region had councils at the
    period's end; otherwise the row is kept empty with status ``incomplete`` so the gap is visible.
    """
    summable = indicators.filter(pl.col("unit").is_in(SUMMABLE_UNITS))["indicator_id"]
    level = areas.select("area_code", "level", "region_code")
    obs = observations.filter(pl.col("indicator_id").is_in(summable.implode())).join(
        level, on="area_code"
    )
    has_region = obs.filter(pl.col("level") == "regional").select("indicator_id").unique()
    councils = obs.filter(
        pl.col("level").is_in(COUNCIL_LEVELS)
        & ~pl.col("indicator_id").is_in(has_region["indicator_id"].implode())
        & pl.col("region_code").is_not_null()
    )
    expected = _expected_councils(areas, councils.select("period_end").unique())
    totals = (
        councils.group_by("indicator_id", "region_code", "period", "period_end")
        .agg(
            exact_sum(pl.col("value")).alias("total"),
            pl.col("value").is_not_null().sum().alias("have"),
        )
        .join(expected, on=["region_code", "period_end"], how="left")
        .with_columns((pl.col("expected") - pl.col("have")).clip(0).alias("missing"))
    )
    complete = pl.col("missing") == 0
    return totals.select(
        "indicator_id",
        pl.col("region_code").alias("area_code"),
        "period",
        "period_end",
        pl.when(complete).then(pl.col("total")).alias("value"),
        pl.when(complete).then(pl.lit(COMPUTED)).otherwise(pl.lit(INCOMPLETE)).alias("status"),
        pl.lit(SOURCE_ID).alias("source_id"),
        pl.format(
            "sum of {} councils' published figures ({} of {} missing)",
            "have",
            "missing",
            "expected",
        ).alias("note"),
    )


def _compute(indicator: Indicator, observations: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    (source,) = indicator.inputs
    if indicator.compute == "per_population":
        return ratio(observations, areas, source, indicator.indicator_id, indicator.scale or 1.0)
    percent = indicator.compute == "percent_change"
    return change(observations, areas, source, indicator.indicator_id, percent)


def derive(
    observations: pl.DataFrame, areas: pl.DataFrame, indicators: pl.DataFrame, registry: Registry
) -> pl.DataFrame:
    """Region totals, then every registered computed indicator (in registry order)."""
    totals = region_totals(observations, areas, indicators)
    with_totals = pl.concat([observations, totals], how="diagonal_relaxed")
    computed = [i for i in registry.indicators if i.compute is not None]
    parts = [totals, *(_compute(i, with_totals, areas) for i in computed)]
    return sorted_observations(pl.concat(parts, how="diagonal_relaxed"))
