"""Inspection checks (``inspections.*``) and their rules (:func:`inspection_rules`): an Ofsted
inspection's dates in order and its key date, a grade on its framework's scale and the framework
that fits the fieldwork date, a grade or a reason for none. ``EXPLAIN`` says, row by row, what
the date and grade rules expected.
"""

from __future__ import annotations

import polars as pl

from cscbench.core.domain import GRADE_SCALES, REFORM_DATE, grade_scale
from cscbench.package import schema as sch
from cscbench.validate.checks.check import Check, Explain, Rules

CHECKS = (
    Check(
        "inspections.date_order",
        "Inspection dates are out of order",
        "Fieldwork starts before it ends, and ends before the report is published.",
    ),
    Check(
        "inspections.grade_scale",
        "A grade is not on its framework's scale",
        "2009-13 frameworks (SLAC, CPI, CPRI, TLAC) grade Outstanding/Good/Adequate/"
        "Inadequate; SIF and ILACS use 'Requires improvement to be good' instead of Adequate.",
    ),
    Check(
        "inspections.framework_date",
        "An inspection's framework does not fit its fieldwork date",
        "Inspections whose fieldwork started on or after 1 April 2026 are ILACS_2026 (no "
        "overall grade); earlier ones keep their framework. Correct the framework or the date.",
    ),
    Check(
        "inspections.inspection_date",
        "An inspection's key date is not its fieldwork start or publication date",
        "inspection_date is the fieldwork start where there is one, else the publication date.",
    ),
    Check(
        "inspections.publication_date",
        "A judgement has no publication date",
        "Only focused and monitoring visits (judgement visit) may lack a publication date: "
        "give the report's date as the source publishes it.",
    ),
    Check(
        "inspections.grade_status",
        "A graded row has a grade_status, or an ungraded row has none",
        "Give either a grade or a grade_status saying why there is no grade.",
    ),
)


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


# The words that explain, row by row, what a rule whose bound depends on the row expected.
EXPLAIN: dict[str, Explain] = {
    "inspections.grade_scale": _explain_grade_scale,
    "inspections.date_order": _explain_date_order,
}
