"""DfE statistical neighbour model, 2025: ten neighbours per council, closest first.

The file keys councils by DfE 3-digit code; they become the current GSS code through ``areas``,
and any 3-digit code that does not resolve to exactly one current council stops the build.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cscbench.ingest.common import RawInputError, read_raw_csv, resource_columns
from cscbench.ingest.registry import default_registry

READER = "sn_model"
RANKS = range(1, 11)
REQUIRED = ["old_la_code", "la_name"] + [f"SN_{k}{p}" for k in RANKS for p in ("", "P")]
COLUMNS = resource_columns("statistical_neighbours")


def _current_by_old_code(areas: pl.DataFrame) -> pl.DataFrame:
    return areas.filter(
        (pl.col("level") == "local_authority") & (pl.col("status") == "current")
    ).select("old_la_code", "area_code")


def build(raw_dir: Path, areas: pl.DataFrame) -> pl.DataFrame:
    """The neighbours of every council, from the one registered model file."""
    source = default_registry().only(READER)
    raw = read_raw_csv(raw_dir / str(source.raw_path), REQUIRED)
    file = source.raw_path
    long = pl.concat(
        [
            raw.select(
                pl.col("old_la_code").alias("la"),
                pl.lit(k, pl.Int64).alias("rank"),
                pl.col(f"SN_{k}").str.strip_chars().alias("neighbour_la"),
                pl.col(f"SN_{k}P").str.strip_chars().alias("closeness"),
            )
            for k in RANKS
        ]
    )
    lookup = _current_by_old_code(areas)
    duplicated = lookup.filter(pl.col("old_la_code").is_duplicated()).sort("old_la_code")
    if duplicated.height:
        raise RawInputError(
            f"areas: DfE codes shared by more than one current council: {duplicated.to_dicts()}"
        )
    blank = long.filter(pl.col("neighbour_la").is_null() | pl.col("closeness").is_null())
    if blank.height:
        raise RawInputError(
            f"{file}: empty neighbour or closeness cells for "
            f"{blank.select('la', 'rank').unique().sort('la', 'rank').to_dicts()[:10]}"
        )
    out = long.join(lookup.rename({"old_la_code": "la"}), on="la", how="left").join(
        lookup.rename({"old_la_code": "neighbour_la", "area_code": "neighbour_code"}),
        on="neighbour_la",
        how="left",
    )
    unknown = pl.concat(
        [
            out.filter(pl.col("area_code").is_null())["la"],
            out.filter(pl.col("neighbour_code").is_null())["neighbour_la"],
        ]
    )
    if unknown.len():
        raise RawInputError(
            f"{file}: DfE codes with no current council in areas: "
            f"{unknown.unique().sort().to_list()[:10]} (check the code, or add the council's "
            "mention to an input so it becomes an area)"
        )
    return out.select(
        "area_code",
        "rank",
        "neighbour_code",
        "closeness",
        pl.lit(source.source_id).alias("source_id"),
    ).sort("area_code", "rank")
