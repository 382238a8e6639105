"""Area names: the normalised key every name variant is compared on, and the variant lookup.

Shared by ingest (matching name-only sources) and the loader (``find_area``), so both agree.
"""

from __future__ import annotations

import polars as pl

LIST_SEPARATOR = "|"


class NameMatchError(ValueError):
    """A name matched no area, or more than one."""


def normalise_name(expr: pl.Expr) -> pl.Expr:
    """A comparison key for names: case, '&', punctuation and spacing do not matter."""
    return (
        expr.str.to_lowercase()
        .str.replace_all("&", " and ")
        .str.replace_all(r"[.,'’()]", " ")
        .str.replace_all(r"-", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def name_lookup(areas: pl.DataFrame) -> pl.DataFrame:
    """Every name and variant -> area_code, with the dates the code was in use."""
    names = areas.select(
        "area_code",
        "start_date",
        "end_date",
        pl.concat_list(
            pl.col("name"), pl.col("alt_names").str.split(LIST_SEPARATOR).fill_null([])
        ).alias("variant"),
    ).explode("variant")
    return (
        names.filter(pl.col("variant").is_not_null())
        .with_columns(normalise_name(pl.col("variant")).alias("key"))
        .unique(["key", "area_code"])
        .sort("key", "area_code")
    )
