"""The areas resource: every code any input uses for England, a region or a council with CSC duties.

Areas are built from what the inputs mention, plus the few facts no input states in one place: which
codes replaced which in reorganisations, and the names the press uses (both in
``registry/areas.toml``, read by :mod:`cscbench.ingest.curation`). Sources keep their own codes;
``series_code`` links a superseded code to the code that continues its time series.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from cscbench.core.names import LIST_SEPARATOR, NameMatchError, name_lookup, normalise_name
from cscbench.ingest.common import resource_columns
from cscbench.ingest.curation import AREAS_FILE, default_curation

LONDON = "E12000007"

AREA_COLUMNS = resource_columns("areas")


def _official_names(mentions: pl.DataFrame) -> pl.DataFrame:
    """One name per code: the name given by the first source (in ingest order) that has one.

    Ingest order puts the DfE statistics first, so an added press or scrape source can add name
    variants but never changes a council's official name.
    """
    return (
        mentions.filter(pl.col("level").is_not_null())
        .with_row_index("_order")
        .sort("area_code", "_order")
        .group_by("area_code", maintain_order=True)
        .first()
        .select("area_code", "name")
    )


def _first_value(mentions: pl.DataFrame, column: str) -> pl.DataFrame:
    """The one value inputs give for ``column``; inputs that disagree stop the build."""
    values = (
        mentions.filter(pl.col(column).is_not_null())
        .group_by("area_code")
        .agg(pl.col(column).unique().sort())
    )
    clash = values.filter(pl.col(column).list.len() > 1)
    if clash.height:
        raise ValueError(f"inputs disagree on {column} for {clash.sort('area_code').to_dicts()}")
    return values.with_columns(pl.col(column).list.first())


def _changes_frame() -> pl.DataFrame:
    changes = default_curation().changes
    rows = [
        {
            "area_code": c.code,
            "status": c.status,
            "successor_code": LIST_SEPARATOR.join(c.successors),
            "series_code": c.successors[0] if c.status == "superseded" else None,
            "end_date": c.end,
            "override_name": c.name,
        }
        for c in changes
    ]
    starts = [
        {"area_code": s, "start_date": c.end + dt.timedelta(days=1)}
        for c in changes
        for s in c.successors
    ]
    return pl.DataFrame(rows).join(
        pl.DataFrame(starts).unique(), on="area_code", how="full", coalesce=True
    )


def build_areas(mentions: pl.DataFrame) -> pl.DataFrame:
    """Combine every input's area mentions with the reorganisation facts into ``areas``."""
    # Mentions without a level only add name variants (e.g. press names) to a code known elsewhere.
    if mentions["name"].null_count():
        raise ValueError(
            "area mentions without a name: "
            + str(mentions.filter(pl.col("name").is_null()).head(5).to_dicts())
        )
    levels = mentions.group_by("area_code").agg(pl.col("level").drop_nulls().unique())
    bad = levels.filter(pl.col("level").list.len() != 1)
    if bad.height:
        raise ValueError(
            f"area codes with no level or conflicting levels across inputs: {bad.to_dicts()}"
        )
    changes = _changes_frame()
    codes = mentions.filter(pl.col("region_code").is_not_null())
    in_e13 = pl.col("region_code").str.starts_with("E13")
    region = codes.group_by("area_code").agg(
        pl.col("region_code").filter(in_e13).sort().first().alias("sub_region_code"),
        pl.when(in_e13)
        .then(pl.lit(LONDON))
        .otherwise(pl.col("region_code"))
        .unique()
        .sort()
        .alias("regions"),
    )
    clash = region.filter(pl.col("regions").list.len() > 1)
    if clash.height:
        raise ValueError(f"inputs disagree on the region of {clash.to_dicts()}")
    region = region.with_columns(pl.col("regions").list.first().alias("region_code")).drop(
        "regions"
    )
    variants = (
        pl.concat(
            [
                mentions.select("area_code", "name"),
                pl.DataFrame(
                    [
                        {"area_code": k, "name": n}
                        for k, names in default_curation().names.items()
                        for n in names
                    ]
                ),
            ]
        )
        .unique()
        .sort("area_code", "name")
        .group_by("area_code", maintain_order=True)
        .agg(pl.col("name"))
    )
    areas = (
        levels.with_columns(pl.col("level").list.first())
        .join(_official_names(mentions), on="area_code", how="left")
        .join(_first_value(mentions, "old_la_code"), on="area_code", how="left")
        .join(region, on="area_code", how="left")
        .join(changes, on="area_code", how="left")
        .join(variants, on="area_code", how="left", suffix="_variants")
    )
    areas = areas.filter(pl.col("area_code").is_in(mentions["area_code"].unique().implode()))
    is_joint = pl.col("level") == "joint_return"
    areas = areas.with_columns(
        pl.coalesce("override_name", "name").alias("name"),
        pl.col("status").fill_null("current"),
        pl.when(pl.col("status").is_null())
        .then(pl.col("area_code"))
        .otherwise(pl.col("series_code"))
        .alias("series_code"),
        pl.when(is_joint)
        .then(pl.col("area_code").str.replace_all(" / ", LIST_SEPARATOR))
        .alias("member_codes"),
        pl.when(pl.col("level").is_in(["national", "regional"]))
        .then(None)
        .when(pl.col("level") == "sub_regional")
        .then(pl.lit(LONDON))
        .otherwise(pl.col("region_code"))
        .alias("region_code"),
    )
    areas = areas.with_columns(
        # a variant list without the official name itself, so lookups see both
        pl.col("name_variants")
        .list.set_difference(pl.concat_list(pl.col("name")))
        .list.sort()
        .list.join(LIST_SEPARATOR)
        .replace("", None)
        .alias("alt_names")
    )
    return areas.select(
        [
            pl.col(c).cast(t) if c in areas.columns else pl.lit(None, t).alias(c)
            for c, t in AREA_COLUMNS.items()
        ]
    ).sort("area_code")


def match_names(
    names: pl.Series, areas: pl.DataFrame, context: str, on_dates: pl.Series | None = None
) -> pl.Series:
    """Resolve names to area codes through the areas lookup; fail on anything unmatched or ambiguous.

    ``on_dates`` (optional, one date per name) narrows a name to the code in use on that date, which is
    how "Dorset" in 2012 resolves to the county council and in 2024 to the unitary.
    """
    frame = pl.DataFrame({"row": range(names.len()), "name": names}).with_columns(
        normalise_name(pl.col("name")).alias("key"),
        (on_dates if on_dates is not None else pl.lit(None, pl.Date)).alias("on"),
    )
    hits = frame.join(name_lookup(areas), on="key", how="left")
    in_use = (
        pl.col("on").is_null()
        | pl.col("area_code").is_null()
        | (
            (pl.col("start_date").is_null() | (pl.col("start_date") <= pl.col("on")))
            & (pl.col("end_date").is_null() | (pl.col("on") <= pl.col("end_date")))
        )
    )
    known = (
        hits.filter(pl.col("area_code").is_not_null())
        .group_by("row")
        .agg(
            pl.concat_str(
                "area_code",
                pl.lit(" (in use "),
                pl.col("start_date").cast(pl.String).fill_null("before the inputs"),
                pl.lit(" to "),
                pl.col("end_date").cast(pl.String).fill_null("now"),
                pl.lit(")"),
            )
            .unique()
            .sort()
            .alias("known")
        )
    )
    hits = hits.filter(in_use).unique(["row", "area_code"])
    per_row = hits.group_by("row").agg(pl.col("area_code").drop_nulls().unique().sort())
    per_row = (
        frame.select("row", "name", "on")
        .join(per_row, on="row", how="left", maintain_order="left")
        .join(known, on="row", how="left", maintain_order="left")
    )
    bad = per_row.filter(pl.col("area_code").list.len().fill_null(0) != 1)
    if bad.height:
        lines = [
            f"  row {r['row'] + 1}: {r['name']!r} -> "
            + (
                f"ambiguous: {', '.join(r['area_code'])}"
                if r["area_code"]
                else f"none in use on {r['on']}; the name is {', '.join(r['known'])}"
                if r["known"]
                else "no area has this name"
            )
            for r in bad.head(20).iter_rows(named=True)
        ]
        raise NameMatchError(
            f"{context}: {bad.height} name(s) could not be matched to exactly one area:\n"
            + "\n".join(lines)
            + f"\nAdd the variant to [names] in registry/{AREAS_FILE}, or give a date to "
            "disambiguate."
        )
    return per_row.sort("row")["area_code"].list.first().alias("area_code")


__all__ = ["NameMatchError", "build_areas", "match_names", "name_lookup", "normalise_name"]
