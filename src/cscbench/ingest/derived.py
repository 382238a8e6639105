"""Figures computed from published ones: rates a publisher does not give, and region totals.

Every computed row says so: ``source_id`` is ``cscbench_computed`` and ``note`` names the inputs.
Where an input is suppressed the computed value stays empty and carries the input's symbol.
"""

from __future__ import annotations

import polars as pl

from cscbench.ingest.common import Contribution, sorted_observations
from cscbench.ingest.indicators import indicator, indicator_frame

SOURCE_ID = "cscbench_computed"
POPULATION = "population_0_17"
CIN_RATE = "cin_31_march_rate_per_10k"
CIN_AT31 = "cin_at31_episodes"
SPEND_TOTAL = "ro3_csctot_net_cur_exp"
SPEND_PER_CHILD = "csc_net_expenditure_per_child_gbp"
SUMMABLE_UNITS = ("gbp_thousand", "number", "fte")
INCOMPLETE = "incomplete"
EXACT_SCALE = 1e9


def _series_key(areas: pl.DataFrame) -> pl.DataFrame:
    return areas.select("area_code", pl.coalesce("series_code", "area_code").alias("series"))


def population_period(period: pl.Expr) -> pl.Expr:
    """The mid-year estimate a rate uses: 31 March Y -> mid-(Y-1); financial year Y-Y+1 -> mid-Y."""
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
        pl.coalesce("status", "pop_status", pl.lit("computed")).alias("status"),
        pl.lit(SOURCE_ID).alias("source_id"),
        pl.format(
            "{} / {} (mid-{}) x {}",
            pl.lit(numerator),
            pl.lit(POPULATION),
            "pop_period",
            pl.lit(f"{scale:g}"),
        ).alias("note"),
    )


def exact_sum(values: pl.Expr) -> pl.Expr:
    """Sum on an integer grid of 1e-9 so the total does not depend on row order or threads.

    Float addition is not associative, so a plain parallel sum can differ in the last bit between
    runs; published figures carry far fewer than nine decimals, so nothing is lost.
    """
    return (values * EXACT_SCALE).round(0).cast(pl.Int64).sum() / EXACT_SCALE


def region_totals(
    observations: pl.DataFrame, areas: pl.DataFrame, indicators: pl.DataFrame
) -> pl.DataFrame:
    """Sum councils into regions for summable indicators a publisher gives no regional figure for.

    A region is only summed when as many councils have a figure as the region has current councils;
    otherwise the row is kept empty with status ``incomplete`` so the gap is visible.
    """
    summable = indicators.filter(pl.col("unit").is_in(SUMMABLE_UNITS))["indicator_id"]
    level = areas.select("area_code", "level", "region_code")
    obs = observations.filter(pl.col("indicator_id").is_in(summable.implode())).join(
        level, on="area_code"
    )
    has_region = obs.filter(pl.col("level") == "regional").select("indicator_id").unique()
    councils = obs.filter(
        pl.col("level").is_in(["local_authority", "joint_return"])
        & ~pl.col("indicator_id").is_in(has_region["indicator_id"].implode())
        & pl.col("region_code").is_not_null()
    )
    expected = (
        areas.filter((pl.col("level") == "local_authority") & (pl.col("status") == "current"))
        .group_by("region_code")
        .agg(pl.len().alias("expected"))
    )
    totals = (
        councils.group_by("indicator_id", "region_code", "period", "period_end")
        .agg(
            exact_sum(pl.col("value")).alias("total"),
            pl.col("value").is_not_null().sum().alias("have"),
        )
        .join(expected, on="region_code", how="left")
        .with_columns((pl.col("expected") - pl.col("have")).clip(0).alias("missing"))
    )
    complete = pl.col("missing") == 0
    return totals.select(
        "indicator_id",
        pl.col("region_code").alias("area_code"),
        "period",
        "period_end",
        pl.when(complete).then(pl.col("total")).alias("value"),
        pl.when(complete).then(pl.lit("computed")).otherwise(pl.lit(INCOMPLETE)).alias("status"),
        pl.lit(SOURCE_ID).alias("source_id"),
        pl.format(
            "sum of {} councils' published figures ({} of {} missing)",
            "have",
            "missing",
            "expected",
        ).alias("note"),
    )


def _indicators() -> pl.DataFrame:
    rows = [
        indicator(
            CIN_RATE,
            "Children in need at 31 March per 10,000 children",
            theme="children_in_need",
            unit="rate_per_10k",
            decimals=1,
            polarity="neutral",
            valid=(0.0, 10_000.0),
            source_id=SOURCE_ID,
            definition="Children in need at 31 March per 10,000 children aged 0 to 17, using the "
            "mid-year estimate of the previous year (the DfE convention).",
            formula=f"{CIN_AT31} / {POPULATION} (mid-year Y-1) x 10000",
        ),
        indicator(
            SPEND_PER_CHILD,
            "Children's social care net expenditure per child",
            theme="spending",
            unit="gbp_per_child",
            decimals=0,
            polarity="neutral",
            valid=(None, None),
            source_id=SOURCE_ID,
            definition="Total children's social care net current expenditure (RO3) divided by "
            "the child population aged 0 to 17 at the mid-year inside the financial year.",
            formula=f"{SPEND_TOTAL} x 1000 / {POPULATION} (mid-year Y for financial year Y-Y+1)",
        ),
    ]
    return indicator_frame(rows)


def derive(
    observations: pl.DataFrame, areas: pl.DataFrame, indicators: pl.DataFrame
) -> Contribution:
    totals = region_totals(observations, areas, indicators)
    with_totals = pl.concat([observations, totals], how="diagonal_relaxed")
    parts = [
        totals,
        ratio(with_totals, areas, CIN_AT31, CIN_RATE, 10_000.0),
        ratio(with_totals, areas, SPEND_TOTAL, SPEND_PER_CHILD, 1000.0),
    ]
    return Contribution(
        observations=sorted_observations(pl.concat(parts, how="diagonal_relaxed")),
        indicators=_indicators(),
    )
