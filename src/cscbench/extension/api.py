"""An extension's figures for analysts: ``load(..., extension=)`` and ``compare(..., extension=)``.

Local figures are returned beside the official ones, never merged into them: every row says where
it came from (``origin``: ``official`` or ``local return: PARTNERSHIP``), and a local figure has
no rank, band, change or neighbour statistics (those are the official figures' alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from cscbench.analysis import side_by_side
from cscbench.analysis.loader import load
from cscbench.core.series import as_text
from cscbench.extension.format import (
    COUNCIL,
    INDICATORS,
    OBSERVATIONS,
    ORIGIN_OFFICIAL,
    origin_label,
)
from cscbench.extension.reader import Extension, read_extension
from cscbench.package.reader import Package

ORIGIN = "origin"
LOCAL_COLUMNS = ("collected_by", "collected_on", "source", "demonstration")
OFFICIAL_COLUMNS = ("official_value", "official_status", "difference")  # local rows only


def load_local(
    resource: str, extension: str | Path, package: str | Path | Package | None = None
) -> pl.DataFrame:
    """``local_observations`` (with ``council_code`` and ``origin``) or ``local_indicators`` of the
    extension at ``extension``, validated against ``package`` (default: the installed one)."""
    if resource not in (OBSERVATIONS, INDICATORS):
        raise ValueError(
            f"extension= reads {OBSERVATIONS} or {INDICATORS}, not {resource!r}; official "
            "resources are loaded without it"
        )
    ext = read_extension(extension, package)
    frame = ext.observations if resource == OBSERVATIONS else ext.indicators
    return frame.with_columns(pl.lit(origin_label(ext.partnership)).alias(ORIGIN))


def with_official(ext: Extension, package: str | Path | Package | None = None) -> pl.DataFrame:
    """The extension's figures with the official figure for the same council, indicator, period
    and period end where cscbench has one: ``official_value``, ``official_status`` and
    ``difference`` (local minus official; empty where either figure is missing). A local count at
    30 June is never set against DfE's at 30 September of the same year."""
    ids = ext.observations["indicator_id"].unique().implode()
    official = (
        load("observations", package, current=True)
        .filter(pl.col("indicator_id").is_in(ids))
        .select(
            pl.col("area_code").alias(COUNCIL),
            "indicator_id",
            "period",
            "period_end",
            pl.col("value").alias("official_value"),
            pl.col("status").cast(pl.String).alias("official_status"),
        )
    )
    return ext.observations.join(
        official, on=[COUNCIL, "indicator_id", "period", "period_end"], how="left"
    ).with_columns((pl.col("value") - pl.col("official_value")).alias("difference"))


def _local_rows(
    ext: Extension,
    official: pl.DataFrame,
    codes: list[str],
    wanted: list[str] | None,
    theme: str | None,
    period: str,
    package: Package,
) -> pl.DataFrame:
    """The extension's figures for ``codes``, laid out as :func:`side_by_side.compare`'s rows."""
    indicators = as_text(load("indicators", package))
    own = ext.indicators.select(indicators.columns).cast(indicators.schema)
    known = pl.concat(
        [
            indicators,
            own.filter(~pl.col("indicator_id").is_in(indicators["indicator_id"].implode())),
        ]
    )
    shown = official["indicator_id"].unique(maintain_order=True).to_list()
    if wanted is not None:
        shown += wanted
    elif theme is not None:
        shown += own.filter(pl.col("theme") == theme)["indicator_id"].to_list()
    else:
        shown += own["indicator_id"].to_list()
    rows = with_official(ext, package).filter(
        pl.col(COUNCIL).is_in(codes), pl.col("indicator_id").is_in(shown)
    )
    if period == side_by_side.LATEST:
        latest = pl.col("period_end") == pl.col("period_end").max().over(COUNCIL, "indicator_id")
        rows = rows.filter(latest)
    else:
        rows = rows.filter(pl.col("period") == period)
    names = as_text(load("areas", package)).select(
        pl.col("area_code").alias(COUNCIL), pl.col("name").alias("area_name")
    )
    order = pl.DataFrame({COUNCIL: codes, "_council": range(len(codes))})
    ids = list(dict.fromkeys(shown))
    ind_order = pl.DataFrame({"indicator_id": ids, "_indicator": range(len(ids))})
    meta = known.select(
        "indicator_id",
        pl.coalesce("short_label", "label").alias("indicator_label"),
        pl.col("unit").alias("_unit"),
        pl.col("decimals").cast(pl.Int64),
        "polarity",
    )
    return (
        rows.join(names, on=COUNCIL, how="left")
        .join(meta, on="indicator_id")
        .join(order, on=COUNCIL)
        .join(ind_order, on="indicator_id")
        .sort("_council", "_indicator", "period_end")
        .select(
            pl.col(COUNCIL).alias("area_code"),
            "area_name",
            "indicator_id",
            "indicator_label",
            pl.col("_unit").alias("unit"),
            "decimals",
            "polarity",
            "period",
            "period_end",
            "value",
            "status",
            pl.lit(origin_label(ext.partnership)).alias(ORIGIN),
            pl.col("area_code").alias("published_area_code"),
            *LOCAL_COLUMNS,
            *OFFICIAL_COLUMNS,
            "_council",
            "_indicator",
        )
    )


def compare(
    councils: Sequence[str],
    indicators: Sequence[str] | None,
    theme: str | None,
    period: str,
    package: str | Path | Package | None,
    extension: str | Path,
) -> pl.DataFrame:
    """:func:`cscbench.analysis.side_by_side.compare`'s rows with ``origin`` ``official``, each followed by
    the extension's figures for the same council (``origin`` ``local return: ...``, with who
    collected them, when, their source and whether they are demonstration figures)."""
    main = side_by_side.check_package(package)  # read once: the checks and rows below use it
    ext = read_extension(extension, main)
    own_ids = set(ext.indicators["indicator_id"].to_list())
    official_ids = None if indicators is None else [i for i in indicators if i not in own_ids]
    only_local = official_ids == []
    official = side_by_side.compare(
        councils,
        None if only_local else official_ids,
        None if only_local else theme,
        side_by_side.LATEST if only_local else period,
        main,
    )
    codes = official["area_code"].unique(maintain_order=True).to_list()
    if only_local:
        official = official.head(0)
    wanted = None if indicators is None else list(indicators)
    local = _local_rows(ext, official, codes, wanted, theme, period, main)
    marked = official.with_columns(
        pl.lit(ORIGIN_OFFICIAL).alias(ORIGIN),
        pl.col("area_code")
        .replace_strict(codes, range(len(codes)), return_dtype=pl.Int64)
        .alias("_council"),
    )
    together = pl.concat([marked, local], how="diagonal_relaxed")
    columns = [
        *side_by_side.COLUMNS,
        ORIGIN,
        "published_area_code",
        *LOCAL_COLUMNS,
        *OFFICIAL_COLUMNS,
    ]
    # each council's official rows, then its local figures (already in indicator order)
    return together.with_row_index("_row").sort("_council", "_row").select(columns)


def for_display(frame: pl.DataFrame) -> pl.DataFrame:
    """The text and markdown tables' view: a local figure is shown unranked, with a numbered note
    saying whose return it is, when it was collected and its source."""
    local = pl.col(ORIGIN) != ORIGIN_OFFICIAL
    demo = (
        pl.when(pl.col("demonstration"))
        .then(pl.lit(" (demonstration figure)"))
        .otherwise(pl.lit(""))
    )
    note = pl.format(
        "{}, collected {}; source: {}{}",
        pl.col(ORIGIN),
        pl.col("collected_on").dt.to_string("%Y-%m-%d"),
        pl.col("source"),
        demo,
    )
    return frame.with_columns(
        pl.when(local).then(pl.lit(True)).otherwise(pl.col("flagged")).alias("flagged"),
        pl.when(local).then(note).otherwise(pl.col("caveat")).alias("caveat"),
    )
