"""Each current council's latest Ofsted judgement, as an analyst asks for it.

Two traps make "the latest grade" hard to get right from ``inspections`` alone: councils changed
codes (Barnsley's and Sheffield's inspections up to 2023 are under their old codes), and since
April 2026 Ofsted gives no overall grade (fieldwork from 1 April 2026), so the latest inspection
may have none. This gives both the latest graded overall judgement and, where there is one, a newer
ungraded inspection, one row per current council.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from cscbench.domain import OVERALL, POST_2026
from cscbench.loader import load
from cscbench.series import PUBLISHED, as_text, onto_current

AsAt = dt.date | str | None
# Columns taken from the chosen inspection, prefixed graded_ or ungraded_.
INSPECTION = (
    "framework",
    "inspection_type",
    "fieldwork_start",
    "fieldwork_end",
    "publication_date",
    "report_url",
    PUBLISHED,
)
ORDER = ("publication_date", "fieldwork_start", "inspection_type", "framework", PUBLISHED)


def latest_judgements(as_at: AsAt = None, package: str | Path | None = None) -> pl.DataFrame:
    """One row per current council (153 today): its latest graded and newer ungraded judgement.

    Columns: ``area_code`` (current code), ``name``; ``grade`` (Ofsted's wording) and
    ``grade_on_framework_scale`` of the latest overall effectiveness judgement that has a grade,
    with its ``graded_framework``, ``graded_inspection_type``, ``graded_fieldwork_start``,
    ``graded_fieldwork_end``, ``graded_publication_date``, ``graded_report_url`` and
    ``graded_published_area_code`` (the code Ofsted's row is under, e.g. Barnsley's E08000016);
    then the same ``ungraded_*`` columns for an inspection under the post-April-2026 framework
    (overall judgement not graded) published after that graded one, empty when there is none.
    Its sub-judgements are the ``inspections`` rows of the same council and publication date.

    Inspections under superseded codes count for the current council (``areas.series_code``);
    abolished councils are left out; rows that are not an overall effectiveness judgement (sub-
    judgements, and focused or monitoring visits, judgement ``visit``) never count. ``as_at`` (a
    date, or ISO text) keeps only inspections published on or before it. The cut-off is the
    fieldwork start, not publication: Bradford's January 2026 inspection, published in May
    2026, keeps its grade.
    """
    return latest_from(load("inspections", package), load("areas", package), as_at)


def latest_from(inspections: pl.DataFrame, areas: pl.DataFrame, as_at: AsAt = None) -> pl.DataFrame:
    """:func:`latest_judgements` on frames already loaded (tests pass hand-made ones)."""
    overall = overall_judgements(inspections, areas, _date(as_at))
    graded = _latest(overall.filter(pl.col("grade").is_not_null()), "graded_", grades=True)
    ungraded = _latest(overall.filter(pl.col("grade_status") == POST_2026), "ungraded_")
    joined = (
        current_councils(areas)
        .join(graded, on="area_code", how="left")
        .join(ungraded, on="area_code", how="left")
    )
    newer = pl.col("graded_publication_date").is_null() | (
        pl.col("ungraded_publication_date") > pl.col("graded_publication_date")
    )
    return joined.with_columns(
        pl.when(newer).then(pl.col(f"ungraded_{c}")).alias(f"ungraded_{c}") for c in INSPECTION
    ).sort("area_code")


def _date(as_at: AsAt) -> dt.date | None:
    if isinstance(as_at, dt.datetime):
        return as_at.date()
    return dt.date.fromisoformat(as_at) if isinstance(as_at, str) else as_at


def current_councils(areas: pl.DataFrame) -> pl.DataFrame:
    """The councils with CSC duties today (joint returns are workforce returns, not inspected)."""
    return (
        as_text(areas)
        .filter(pl.col("level") == "local_authority", pl.col("status") == "current")
        .select("area_code", "name")
    )


def overall_judgements(
    inspections: pl.DataFrame, areas: pl.DataFrame, as_at: dt.date | None
) -> pl.DataFrame:
    """Overall effectiveness rows on current codes, published by ``as_at`` when given."""
    rows = inspections.filter(pl.col("judgement").cast(pl.String) == OVERALL)
    if as_at is not None:
        rows = rows.filter(pl.col("publication_date") <= as_at)
    moved = onto_current(rows.with_columns(pl.col("area_code").alias(PUBLISHED)), areas)
    return moved.with_columns(pl.col("grade_status").cast(pl.String))


def _latest(rows: pl.DataFrame, prefix: str, *, grades: bool = False) -> pl.DataFrame:
    """Each council's latest row, its inspection columns prefixed (and its grade, if wanted)."""
    kept = ("grade", "grade_on_framework_scale") if grades else ()
    return (
        rows.sort("area_code", *ORDER)
        .group_by("area_code", maintain_order=True)
        .last()
        .select(
            "area_code",
            *kept,
            *(pl.col(c).alias(f"{prefix}{c}") for c in INSPECTION),
        )
    )
