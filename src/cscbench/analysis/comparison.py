"""Comparisons: latest values, trends, comparators, ranks and bands. Pure polars, no formatting.

The grid the site's tables and :func:`cscbench.compare` (:mod:`cscbench.analysis.side_by_side`) both read.
This module was ``cscbench.compare`` until that name became the public function; import it as
``from cscbench import comparison``.

The comparison rules (docs/partnerships.md, "The site"), made precise here:

* **One line per council.** Observations keep the code their source used; everything here joins
  through ``areas.series_code``, so Barnsley's E08000016 (to 2024) and E08000038 (2025) are one
  series. Abolished councils split in two have no series code and drop out of comparisons.
* **Ranked units** are the current councils (``local_authority``, ``current``) and the joint
  returns, each with a value for that indicator and period. Rank 1 is best by polarity, ties
  share the lowest rank (``min``). Suppressed figures (a status, no value) are unranked and the
  status is the reason. Neutral indicators get no rank and no band.
* **Bands** by rank position: A for ranks up to 25% of the ranked count, B to 50%, C to 75%, D
  beyond (integer arithmetic, ``4 * rank <= n``, so no float edge cases).
* **Joint returns** (``E06000061 / E06000062``) are ranked as one unit. A member council with no
  figure of its own for an indicator and period takes the joint figure (``basis = "joint"``): it
  is shown, compared with its region, England and neighbours, and used as that council's value
  when it is someone's neighbour. The member is not ranked separately: it shows the joint
  return's rank and band, labelled as joint. A council's own figure, even a suppressed one,
  always wins over the joint figure.
* **Neighbours**: the mean and the median of the council's 10 DfE statistical neighbours
  (their own figure, or their joint figure as above) with how many had a value. A joint return
  is one unit here too: two neighbours carrying the same joint figure (North and West
  Northamptonshire are both neighbours of Swindon) count it once (``sn_merged`` names them), and a
  neighbour whose figure is the council's own joint return is left out (``sn_excluded``), so
  ``sn_count`` counts figures, not councils, and can be below the neighbours with a figure.
* **Flagged figures** (the ``caveats`` resource: Kirklees' agency rate published as 0.0, the Isles
  of Scilly's ratios on 2 FTE social workers...) stay in the grid with their value, ``flagged`` and
  the ``caveat`` that says why, but they are unranked (``rank_note`` says so), have no band, and are
  left out of every neighbour mean, median and count (``sn_flagged`` names the neighbours left
  out). Region and England figures are comparators as published (or summed by cscbench from
  published figures): they are never recomputed without a flagged council, since that would be a
  figure no one published; a flagged comparator carries its caveat (``region_caveat``,
  ``england_caveat``).
* **Previous period**: ``previous_period`` and ``previous_value`` are the same series' figure for
  the indicator's period before (null where that period has no figure; ``previous_flagged`` when
  it is flagged). ``change`` is the difference and ``change_direction`` says ``better``, ``worse``
  or ``no change`` by the indicator's polarity (null for neutral indicators and flagged figures).
* **Order**: every output is sorted on its full key; no result depends on the row order a join or
  group-by happens to produce.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from cscbench.analysis.comparators import (
    KEYS,
    comparator_values,
    neighbour_pairs,
    neighbour_stats,
    neighbour_totals,
)
from cscbench.core.domain import ENGLAND, OVERALL
from cscbench.core.domain import POST_2026 as POST_2026  # publish reads it as compare.POST_2026
from cscbench.core.domain import VISIT as VISIT
from cscbench.core.flags import note_without_reason
from cscbench.core.series import as_text, joint_members, to_series_code

RANKED_LEVELS = ("local_authority", "joint_return")
OWN, JOINT = "own", "joint"
BANDS = ("A", "B", "C", "D")
NEUTRAL = "neutral"
FLAGGED_NOTE = "not ranked: flagged figure (see its caveat)"


@dataclass(frozen=True)
class Inputs:
    """The package resources the comparisons need, as :func:`cscbench.load` returns them."""

    areas: pl.DataFrame
    indicators: pl.DataFrame
    observations: pl.DataFrame
    neighbours: pl.DataFrame
    caveats: pl.DataFrame | None = None  # a package version without flagged figures has none


# ---------------------------------------------------------------------------- areas and series


def units(areas: pl.DataFrame) -> pl.DataFrame:
    """The ranked units: current councils and joint returns, with region and name."""
    return (
        as_text(areas)
        .filter(pl.col("status") == "current", pl.col("level").is_in(RANKED_LEVELS))
        .select(
            pl.col("area_code").alias("unit_code"),
            "name",
            "level",
            "region_code",
        )
        .sort("unit_code")
    )


def flag(observations: pl.DataFrame, caveats: pl.DataFrame | None) -> pl.DataFrame:
    """Observations with ``flagged``, ``caveat`` (the reason) and ``caveat_id`` from the caveats
    resource, and ``note`` without the reason (ingest appends it there: see :mod:`cscbench.core.flags`)
    so a figure's own note and its caveat are never shown as one."""
    key = ["indicator_id", "area_code", "period"]
    if caveats is None:
        caveats = pl.DataFrame(schema={**dict.fromkeys(key, pl.String), "reason": pl.String})
        caveats = caveats.with_columns(pl.lit(None, pl.String).alias("caveat_id"))
    reasons = as_text(caveats).select(*key, pl.col("reason").alias("caveat"), "caveat_id")
    return observations.join(reasons, on=key, how="left", maintain_order="left").with_columns(
        pl.col("caveat").is_not_null().alias("flagged"),
        note_without_reason(pl.col("note"), pl.col("caveat")).alias("note"),
    )


def series(
    observations: pl.DataFrame, areas: pl.DataFrame, caveats: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Observations keyed by ``series_code`` (as ``unit_code``), the source's code kept, with
    their caveats (:func:`flag`).

    If two codes of one council ever published the same indicator and period, the figure under the
    current code wins, so a series never has two values for one period.
    """
    return (
        to_series_code(flag(as_text(observations), caveats), areas, drop_unmapped=True)
        .rename({"area_code": "source_code"})
        .sort("unit_code", *KEYS, pl.col("source_code") != pl.col("unit_code"), "source_code")
        .unique(["unit_code", *KEYS], keep="first", maintain_order=True)
        .select(
            "unit_code",
            "indicator_id",
            "period",
            "period_end",
            "value",
            "status",
            "note",
            "flagged",
            "caveat",
            "caveat_id",
            "source_code",
            "source_id",
        )
    )


def with_joint_figures(series_frame: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """Add the joint figure for members with no row of their own (``basis`` own / joint)."""
    own = series_frame.with_columns(
        pl.lit(OWN).alias("basis"), pl.col("unit_code").alias("basis_code")
    )
    joint = (
        series_frame.join(joint_members(areas), left_on="unit_code", right_on="joint_code")
        .with_columns(
            pl.col("unit_code").alias("basis_code"),
            pl.col("member_code").alias("unit_code"),
            pl.lit(JOINT).alias("basis"),
        )
        .drop("member_code")
        .join(series_frame, on=["unit_code", *KEYS], how="anti")
    )
    return pl.concat([own, joint.select(own.columns)]).sort("unit_code", *KEYS)


def indicator_periods(series_frame: pl.DataFrame, unit_codes: pl.Series) -> pl.DataFrame:
    """Every (indicator, period) that any ranked unit has a row for, oldest first."""
    return (
        series_frame.filter(pl.col("unit_code").is_in(unit_codes.implode()))
        .group_by(*KEYS)
        .agg(pl.col("period_end").max())
        .sort("indicator_id", "period_end", "period")
    )


def latest_periods(periods: pl.DataFrame) -> pl.DataFrame:
    """The most recent period of each indicator."""
    return periods.sort("indicator_id", "period_end", "period").unique(
        "indicator_id", keep="last", maintain_order=True
    )


# ---------------------------------------------------------------------------- rank and band


def band_expr(rank: pl.Expr, ranked_count: pl.Expr) -> pl.Expr:
    """A to D by rank position: A up to 25% of the ranked count, B to 50%, C to 75%, D beyond."""
    four = rank.cast(pl.Int64) * 4
    n = ranked_count.cast(pl.Int64)
    return (
        pl.when(rank.is_null())
        .then(None)
        .when(four <= n)
        .then(pl.lit("A"))
        .when(four <= 2 * n)
        .then(pl.lit("B"))
        .when(four <= 3 * n)
        .then(pl.lit("C"))
        .otherwise(pl.lit("D"))
    )


def rank_units(frame: pl.DataFrame, keys: tuple[str, ...] = KEYS) -> pl.DataFrame:
    """Add ``rank``, ``ranked_count``, ``band`` and ``rank_note`` within each ``keys`` group.

    Needs ``value``, ``status`` and ``polarity`` (and ``flagged``, where figures may be flagged);
    every row is a rankable unit. Rank 1 = best, ties share the lowest rank; rows without a value
    or flagged are unranked with the reason in ``rank_note``.
    """
    if "flagged" not in frame.columns:
        frame = frame.with_columns(pl.lit(False).alias("flagged"))
    neutral = pl.col("polarity") == NEUTRAL
    eligible = pl.col("value").is_not_null() & ~neutral & ~pl.col("flagged").fill_null(False)
    score = pl.when(pl.col("polarity") == "high_is_good").then(-pl.col("value"))
    score = score.otherwise(pl.col("value"))
    ranked = frame.with_columns(
        pl.when(eligible).then(score).rank("min").over(keys).cast(pl.UInt32).alias("rank"),
        eligible.sum().over(keys).cast(pl.UInt32).alias("ranked_count"),
    )
    return ranked.with_columns(
        pl.when(eligible).then(pl.col("ranked_count")).alias("ranked_count"),
        band_expr(pl.col("rank"), pl.col("ranked_count")).alias("band"),
        rank_note_expr().alias("rank_note"),
    )


def rank_note_expr(joint_code: pl.Expr | None = None) -> pl.Expr:
    """Why a row has no rank (status first), or whose rank it shows.

    ``joint_code``: the row shows a joint return's figure (a member council), so the note names
    the joint return, both when it is ranked and when its figure is suppressed or missing.
    """
    whose = pl.lit("") if joint_code is None else pl.lit(" (joint return ") + joint_code + ")"
    chain = (
        pl.when(pl.col("polarity") == NEUTRAL)
        .then(pl.lit("neutral indicator: not ranked"))
        .when(pl.col("flagged").fill_null(False))
        .then(pl.lit(FLAGGED_NOTE) + whose)
        .when(pl.col("value").is_null() & pl.col("status").is_not_null())
        .then(pl.lit("not ranked: published as ") + pl.col("status") + whose)
        .when(pl.col("value").is_null())
        .then(pl.lit("not ranked: no figure") + whose)
    )
    if joint_code is None:
        return chain
    return chain.otherwise(pl.lit("rank of the joint return ") + joint_code)


# ---------------------------------------------------------------------------- the grid


@dataclass(frozen=True)
class Comparison:
    """What :func:`build` computes: the grid and the frames it was built from."""

    grid: pl.DataFrame  # see compare()
    series: pl.DataFrame  # series(): every area's observations by series code
    units: pl.DataFrame  # units(): the ranked units
    periods: pl.DataFrame  # indicator_periods() of the ranked units


def compare(inputs: Inputs) -> pl.DataFrame:
    """Every ranked unit x every (indicator, period): value, rank, band and all comparators.

    Units without a row for a period are kept (value and status empty, ``rank_note`` says so), so
    a table can say "no figure" instead of dropping the council.
    """
    return build(inputs).grid


def build(inputs: Inputs, neighbours_of: Collection[str] | None = None) -> Comparison:
    """:func:`compare`, keeping the series, units and periods for callers that need them too.

    ``neighbours_of``: compute the neighbour statistics (``sn_*``) of these units only, leaving
    them null for the rest; they are most of the work, and a caller showing a few councils
    (:func:`cscbench.compare`) needs only theirs. Every other column is the same either way.
    """
    areas = inputs.areas
    unit_frame = units(areas)
    series_frame = series(inputs.observations, areas, inputs.caveats)
    filled = with_joint_figures(series_frame, areas)
    periods = indicator_periods(series_frame, unit_frame["unit_code"])
    polarity = as_text(inputs.indicators).select("indicator_id", "polarity")

    grid = (
        unit_frame.join(periods, how="cross")
        .join(filled.drop("period_end"), on=["unit_code", *KEYS], how="left")
        .join(polarity, on="indicator_id", how="left")
    )
    ranked = rank_units(grid.filter(pl.col("basis").fill_null(OWN) == OWN))
    joint_rank = ranked.select(
        pl.col("unit_code").alias("basis_code"), *KEYS, "rank", "ranked_count", "band"
    )
    joint = (
        grid.filter(pl.col("basis") == JOINT)
        .join(joint_rank, on=["basis_code", *KEYS], how="left")
        .with_columns(rank_note_expr(pl.col("basis_code")).alias("rank_note"))
    )
    grid = pl.concat([ranked, joint.select(ranked.columns)])

    regions = comparator_values(series_frame, "region")
    england = comparator_values(series_frame.filter(pl.col("unit_code") == ENGLAND), "england")
    pairs = neighbour_pairs(inputs.neighbours, areas)
    if neighbours_of is not None:
        pairs = pairs.filter(pl.col("unit_code").is_in(list(neighbours_of)))
    within = ["unit_code", "indicator_id"]
    grid = (
        grid.join(regions, on=["region_code", *KEYS], how="left")
        .join(england.drop("england_code"), on=list(KEYS), how="left")
        .join(neighbour_stats(grid, pairs), on=["unit_code", *KEYS], how="left")
        .join(neighbour_totals(pairs), on="unit_code", how="left")
        .with_columns(
            pl.when(pl.col("sn_total").is_not_null()).then(pl.col("sn_count").fill_null(0)),
            pl.col("flagged").fill_null(False),
        )
        .sort("unit_code", "indicator_id", "period_end", "period")
        .with_columns(
            pl.col("period").shift(1).over(within).alias("previous_period"),
            pl.col("value").shift(1).over(within).alias("previous_value"),
            pl.col("flagged").shift(1).over(within).alias("previous_flagged"),
        )
        .with_columns(change_exprs())
    )
    return Comparison(grid, series_frame, unit_frame, periods)


def change_exprs() -> list[pl.Expr]:
    """``change`` since the previous period and its ``change_direction`` by polarity.

    The direction is ``better``, ``worse`` or ``no change`` for a polar indicator; it is null for a
    neutral one (more is not better or worse by itself) and wherever either figure is missing or
    flagged, so a flagged figure never reads as an improvement.
    """
    change = pl.col("value") - pl.col("previous_value")
    flagged = pl.col("flagged").fill_null(False) | pl.col("previous_flagged").fill_null(False)
    usable = change.is_not_null() & ~flagged & (pl.col("polarity") != NEUTRAL)
    good = pl.when(pl.col("polarity") == "high_is_good").then(change > 0).otherwise(change < 0)
    direction = (
        pl.when(~usable)
        .then(None)
        .when(change == 0)
        .then(pl.lit("no change"))
        .when(good)
        .then(pl.lit("better"))
        .otherwise(pl.lit("worse"))
    )
    return [change.alias("change"), direction.alias("change_direction")]


def latest(grid: pl.DataFrame) -> pl.DataFrame:
    """The grid at each indicator's latest period."""
    last = latest_periods(grid.select(*KEYS, "period_end").unique())
    return grid.join(last.select(KEYS), on=list(KEYS), how="semi", maintain_order="left")


def trends(
    values: pl.DataFrame,
    periods: pl.DataFrame,
    key: str = "unit_code",
    since: dt.date | None = None,
) -> pl.DataFrame:
    """One list of values per (key, indicator), over every period of the indicator, oldest first.

    Missing periods are nulls in place (so the x positions of two trends line up); ``since``
    drops periods ending before it.
    """
    span = periods if since is None else periods.filter(pl.col("period_end") >= since)
    keys = values.select(key, "indicator_id").unique()
    return (
        keys.join(span, on="indicator_id")
        .join(values.select(key, *KEYS, "value"), on=[key, *KEYS], how="left")
        .sort(key, "indicator_id", "period_end", "period")
        .group_by(key, "indicator_id", maintain_order=True)
        .agg(
            pl.col("period").alias("trend_periods"),
            pl.col("value").alias("trend_values"),
        )
    )


# ---------------------------------------------------------------------------- Ofsted


def inspection_series(inspections: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """Judgements keyed by series code, so a council keeps its history across code changes.

    Focused and monitoring visits (judgement ``visit``) are left out: they judge nothing, so no
    "latest Ofsted", history grade or claim comparison may ever count one (see :func:`visits`).
    """
    rows = as_text(inspections).filter(pl.col("judgement") != VISIT)
    rows = rows.with_columns(pl.col("area_code").alias("source_code"))
    return to_series_code(rows, areas).sort(
        "unit_code", "publication_date", "inspection_type", "framework", "judgement", "source_code"
    )


def visits(inspections: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """Ofsted's focused and monitoring visits keyed by series code, with their themes, in visit
    date order (``inspection_date``; ``publication_date`` is empty for the 2022-23 and 2023-24
    visits, whose files give none)."""
    rows = as_text(inspections).filter(pl.col("judgement") == VISIT)
    rows = rows.with_columns(pl.col("area_code").alias("source_code"))
    return to_series_code(rows, areas).sort(
        "unit_code", "inspection_date", "inspection_type", "source_code"
    )


def latest_inspections(inspections: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """Each council's latest inspection that judged overall effectiveness (graded or not).

    An inspection under the post-April-2026 framework has an overall row with no grade and
    ``grade_status`` saying why; it is still the latest inspection, and its sub-judgements are
    listed in ``judgements`` so a table never shows a bare blank.
    """
    rows = inspection_series(inspections, areas)
    inspection = ["unit_code", "publication_date", "inspection_type"]
    subs = (
        rows.filter(pl.col("judgement") != OVERALL)
        .sort("judgement")
        .group_by(inspection)
        .agg(
            pl.struct(
                "judgement", pl.col("grade_on_framework_scale").alias("grade"), "grade_status"
            ).alias("judgements")
        )
    )
    overall = (
        rows.filter(pl.col("judgement") == OVERALL)
        .sort("unit_code", "publication_date", "inspection_type", "framework", "source_code")
        .group_by("unit_code", maintain_order=True)
        .last()
    )
    return (
        overall.join(subs, on=inspection, how="left")
        .select(
            "unit_code",
            "source_code",
            "framework",
            "inspection_type",
            "fieldwork_start",
            "fieldwork_end",
            "publication_date",
            pl.col("grade_on_framework_scale").alias("grade"),
            "grade_status",
            "report_url",
            "source_id",
            "judgements",
        )
        .sort("unit_code")
    )
