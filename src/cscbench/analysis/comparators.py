"""Comparators for the grid: England's and each region's figure beside a council's, and its
statistical neighbours' median, range and count (joint returns counted once). Also home of
``KEYS``, the columns a figure of the grid is keyed on besides its area.
"""

from __future__ import annotations

import polars as pl

from cscbench.core.series import as_text

KEYS = ("indicator_id", "period")


def comparator_values(series_frame: pl.DataFrame, prefix: str) -> pl.DataFrame:
    """(code, indicator, period) -> value, status and caveat, columns prefixed for joining."""
    return series_frame.select(
        pl.col("unit_code").alias(f"{prefix}_code"),
        *KEYS,
        pl.col("value").alias(f"{prefix}_value"),
        pl.col("status").alias(f"{prefix}_status"),
        pl.col("caveat").alias(f"{prefix}_caveat"),
    )


def neighbour_pairs(neighbours: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """unit_code -> neighbour_code, both mapped to their series code."""
    codes = as_text(areas).select("area_code", "series_code")
    return (
        as_text(neighbours)
        .join(codes, on="area_code")
        .join(
            codes.rename({"area_code": "neighbour_code", "series_code": "nb"}), on="neighbour_code"
        )
        .select(
            pl.col("series_code").alias("unit_code"), pl.col("nb").alias("neighbour_code"), "rank"
        )
        .sort("unit_code", "rank")
    )


def neighbour_stats(grid: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """Mean, median and count of the neighbours' figures for each unit, indicator and period.

    One figure per return: neighbours carrying the same joint figure count it once
    (``sn_merged``: their codes, ``|``-separated), and a neighbour whose figure is the unit's own
    joint return is left out (``sn_excluded``). Flagged figures are left out (``sn_flagged``).
    Rows are summed in neighbour-rank order, so the float mean is the same on every run.
    """
    flagged = pl.col("flagged").fill_null(False) if "flagged" in grid.columns else pl.lit(False)
    values = grid.filter(pl.col("value").is_not_null() & ~flagged).select(
        pl.col("unit_code").alias("neighbour_code"),
        *KEYS,
        "value",
        pl.col("basis_code").alias("nb_basis"),
    )
    own = grid.select("unit_code", *KEYS, pl.col("basis_code").alias("own_basis"))
    group = ["unit_code", *KEYS]
    rows = (
        pairs.join(values, on="neighbour_code", maintain_order="left")
        .join(own, on=group, how="left", maintain_order="left")
        .with_columns((pl.col("nb_basis") == pl.col("own_basis")).fill_null(False).alias("_self"))
    )
    # Only a joint return's figure can stand for two neighbours or be the unit's own: the window and
    # the de-duplication run on those few rows, then every group is back in neighbour-rank order.
    shared = pl.col("_self") | pl.col("nb_basis").is_in(_joint_bases(values, pairs))
    special = rows.filter(shared).with_columns(
        (~pl.col("_self") & (pl.len().over(*group, "nb_basis", "_self") > 1)).alias("_merged")
    )
    counted = pl.concat(
        [
            rows.filter(~shared).drop("_self"),
            special.filter(~pl.col("_self"))
            .unique([*group, "nb_basis"], keep="first", maintain_order=True)
            .drop("_self", "_merged"),
        ]
    ).sort("unit_code", "rank", maintain_order=True)
    stats = counted.group_by(group, maintain_order=True).agg(
        pl.col("value").mean().alias("sn_mean"),
        pl.col("value").median().alias("sn_median"),
        pl.col("value").count().cast(pl.UInt32).alias("sn_count"),
    )
    joint = (
        special.filter(pl.col("_self") | pl.col("_merged"))
        .group_by(group, maintain_order=True)
        .agg(
            _codes(pl.col("neighbour_code").filter(pl.col("_merged"))).alias("sn_merged"),
            _codes(pl.col("neighbour_code").filter(pl.col("_self"))).alias("sn_excluded"),
        )
    )
    left_out = (
        pairs.join(
            grid.filter(pl.col("value").is_not_null() & flagged).select(
                pl.col("unit_code").alias("neighbour_code"), *KEYS
            ),
            on="neighbour_code",
            maintain_order="left",
        )
        .group_by(group, maintain_order=True)
        .agg(_codes(pl.col("neighbour_code")).alias("sn_flagged"))
    )
    return (
        stats.join(joint, on=group, how="full", coalesce=True, maintain_order="left_right")
        .join(left_out, on=group, how="full", coalesce=True, maintain_order="left_right")
        .sort(group)
    )


def _joint_bases(values: pl.DataFrame, pairs: pl.DataFrame) -> pl.Series:
    """Figures (basis codes) that more than one neighbour code carries: joint returns'."""
    bases = values.select("neighbour_code", "nb_basis").unique()
    bases = bases.join(pairs.select("neighbour_code").unique(), on="neighbour_code")
    return bases.filter(pl.col("nb_basis").is_duplicated())["nb_basis"].unique().implode()


def _codes(codes: pl.Expr) -> pl.Expr:
    """Sorted, ``|``-joined codes; null when there are none."""
    joined = codes.sort().str.join("|")
    return pl.when(joined != "").then(joined)


def neighbour_totals(pairs: pl.DataFrame) -> pl.DataFrame:
    """How many neighbours each unit has (10 in the DfE model; none for joint returns)."""
    return pairs.group_by("unit_code").agg(pl.len().cast(pl.UInt32).alias("sn_total"))
