"""Domain facts that more than one stage needs, defined once: every stage imports them from here.

Nothing here reads a file or depends on another cscbench module, so any stage (ingest, validate,
compare, publish) can import it without reaching back up the flow.
"""

from __future__ import annotations

import datetime as dt

ENGLAND = "E92000001"

# Ofsted removed the overall effectiveness judgement for inspections whose fieldwork began on or
# after this date; a report published later from earlier fieldwork (Bradford, 2026) keeps its grade.
REFORM_DATE = dt.date(2026, 4, 1)
# The judgement that carries the overall grade, and the status of one given no grade after the reform.
OVERALL = "overall_effectiveness"
POST_2026 = "not_graded_post_april_2026"
# The judgement of a focused or monitoring visit: it judges nothing and never counts as a judgement.
VISIT = "visit"

# The 2009-13 frameworks graded outstanding / good / adequate / inadequate; SIF and ILACS replaced
# "adequate" with "requires improvement to be good". A rule on the inspections schema's grade
# vocabularies (its categories; a test keeps each scale within them).
ADEQUATE_FRAMEWORKS = ("SLAC", "CPI", "CPRI", "TLAC")
CURRENT_SCALE = ("Outstanding", "Good", "Requires improvement to be good", "Inadequate")
GRADE_SCALES: dict[tuple[str, ...], tuple[str, ...]] = {
    ADEQUATE_FRAMEWORKS: ("Outstanding", "Good", "Adequate", "Inadequate"),
    ("SIF", "ILACS", "ILACS_2026"): CURRENT_SCALE,
}

# Grade spellings differ between Ofsted's files and the scrape: lower-cased wording -> Ofsted's.
GRADE_WORDING = {grade.lower(): grade for grade in CURRENT_SCALE} | {
    "requires improvement": CURRENT_SCALE[2]
}


def grade_scale(framework: str) -> tuple[str, ...]:
    """The grades a framework can give (empty for an unknown framework)."""
    return next((scale for fws, scale in GRADE_SCALES.items() if framework in fws), ())
