"""Area checks (``areas.*``) and their rules (:func:`area_rules`): a code's series continues
through its own code or its successor's, and every code listed in successor_code or member_codes
is an area.
"""

from __future__ import annotations

import polars as pl

from cscbench.package import schema as sch
from cscbench.validate.checks.check import Check, Rules

CHECKS = (
    Check(
        "areas.series_code",
        "A current area does not continue its own series",
        "A current area's series_code is its own area_code.",
    ),
    Check(
        "areas.list_code",
        "A code listed in successor_code or member_codes is not an area",
        "List only codes that exist in areas, separated by '|'.",
    ),
)


def area_rules(frames: dict[str, pl.DataFrame]) -> Rules:
    codes = frames["areas"]["area_code"].drop_nulls().unique().implode()

    def listed_ok(column: str) -> pl.Expr:
        return pl.col(column).str.split("|").list.eval(pl.element().is_in(codes)).list.all()

    return {
        "series_code": [
            sch.row_check(
                "areas.series_code",
                "series_code equal to area_code for a current area",
                (pl.col("status") != "current") | (pl.col("series_code") == pl.col("area_code")),
            ),
            sch.row_check(
                "areas.series_code",
                "series_code equal to successor_code for a superseded code",
                (pl.col("status") != "superseded")
                | (pl.col("series_code") == pl.col("successor_code")),
            ),
        ],
        "successor_code": [
            sch.row_check(
                "areas.list_code", "codes that exist in areas", listed_ok("successor_code")
            )
        ],
        "member_codes": [
            sch.row_check("areas.list_code", "codes that exist in areas", listed_ok("member_codes"))
        ],
    }
