"""Which row rules each resource gets: the rules a Table Schema cannot say, kept beside their
catalogue entries in the family modules of :mod:`cscbench.validate.checks` (figures, periods:
``observations``; areas' codes: ``areas``; dates and grades: ``inspections``; markup in text from
the web: ``text``), with the words that explain, row by row, what a rule whose bound depends on
the row expected.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from cscbench.validate.checks import areas, inspections, observations, text
from cscbench.validate.checks.check import Explain, Rules


def rules_for(
    resource: str, frames: dict[str, pl.DataFrame], table_schema: dict[str, Any]
) -> Rules:
    if resource == "observations":
        return observations.observation_rules(frames)
    if resource == "areas":
        return areas.area_rules(frames)
    if resource == "inspections":
        return inspections.inspection_rules(frames)
    if resource == "announcements":
        return text.announcement_rules(frames, table_schema)
    return {}


EXPLAIN: dict[str, Explain] = {**observations.EXPLAIN, **inspections.EXPLAIN}
