"""The areas resource: every code any input uses for England, a region or a council with CSC duties.

Areas are built from what the inputs mention, plus the few facts no input states in one place: which
codes replaced which in reorganisations, and the names the press uses. Sources keep their own codes;
``series_code`` links a superseded code to the code that continues its time series.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from cscbench.domain import ENGLAND
from cscbench.ingest.common import resource_columns
from cscbench.names import LIST_SEPARATOR, NameMatchError, name_lookup, normalise_name

LONDON = "E12000007"

AREA_COLUMNS = resource_columns("areas")


@dataclass(frozen=True)
class Change:
    """A reorganisation: ``code`` ended on ``end`` and was replaced by ``successors``."""

    code: str
    status: str  # superseded (same council, new code) or abolished
    successors: tuple[str, ...]
    end: dt.date
    name: str | None = None  # official name where the inputs reuse the successor's name


CHANGES: tuple[Change, ...] = (
    # Gateshead and Northumberland got new codes with the 2013 boundary change between them; DfE's
    # C4 table still uses the old ones up to 2019.
    Change("E08000020", "superseded", ("E08000037",), dt.date(2013, 3, 31)),
    Change("E06000048", "superseded", ("E06000057",), dt.date(2013, 3, 31)),
    Change(
        "E10000009",
        "abolished",
        ("E06000059", "E06000058"),
        dt.date(2019, 3, 31),
        "Dorset County Council",
    ),
    Change("E06000028", "abolished", ("E06000058",), dt.date(2019, 3, 31)),
    Change("E06000029", "abolished", ("E06000058",), dt.date(2019, 3, 31)),
    Change("E10000002", "superseded", ("E06000060",), dt.date(2020, 3, 31)),
    Change("E10000021", "abolished", ("E06000061", "E06000062"), dt.date(2021, 3, 31)),
    Change("E10000006", "abolished", ("E06000063", "E06000064"), dt.date(2023, 3, 31)),
    Change("E10000023", "superseded", ("E06000065",), dt.date(2023, 3, 31)),
    Change("E10000027", "superseded", ("E06000066",), dt.date(2023, 3, 31)),
    Change("E08000016", "superseded", ("E08000038",), dt.date(2024, 3, 31)),
    Change("E08000019", "superseded", ("E08000039",), dt.date(2024, 3, 31)),
)

# Names found in the press, committee papers and Ofsted's files that no statistics file uses.
EXTRA_NAMES: dict[str, tuple[str, ...]] = {
    ENGLAND: ("England (all councils)", "England"),
    "E06000010": ("Hull", "Kingston upon Hull", "Hull City Council", "Kingston upon Hull, City of"),
    "E08000032": ("Bradford", "City of Bradford"),
    "E08000035": ("Leeds City Council",),
    "E08000036": ("Wakefield Council", "Wakefield Metropolitan District Council"),
    "E06000012": ("NE Lincolnshire", "North East Lincs"),
    "E06000011": ("East Riding", "East Riding of Yorkshire Council"),
    "E06000058": ("BCP", "Bournemouth, Christchurch and Poole Council"),
    "E06000018": ("Nottingham City",),
    "E06000016": ("Leicester City",),
    "E06000021": ("Stoke", "Stoke-on-Trent City"),
    "E09000001": ("City of London Corporation", "London, City of"),
    "E06000053": ("Scilly", "Isles Of Scilly", "Council of the Isles of Scilly"),
    "E06000033": ("Southend", "Southend on Sea"),
    "E06000003": ("Redcar & Cleveland",),
    "E06000047": ("Durham", "County Durham Council"),
    "E06000052": ("Cornwall Council",),
    "E06000064": ("Westmorland & Furness",),
    "E08000011": ("Knowsley Council",),
    "E08000037": ("Gateshead Council",),
    "E06000062": ("West Northants",),
    "E06000061": ("North Northants",),
}


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
    rows = [
        {
            "area_code": c.code,
            "status": c.status,
            "successor_code": LIST_SEPARATOR.join(c.successors),
            "series_code": c.successors[0] if c.status == "superseded" else None,
            "end_date": c.end,
            "override_name": c.name,
        }
        for c in CHANGES
    ]
    starts = [
        {"area_code": s, "start_date": c.end + dt.timedelta(days=1)}
        for c in CHANGES
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
                    [{"area_code": k, "name": n} for k, names in EXTRA_NAMES.items() for n in names]
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
            + f"\nAdd the variant to EXTRA_NAMES in {__name__}, or give a date to disambiguate."
        )
    return per_row.sort("row")["area_code"].list.first().alias("area_code")


__all__ = ["NameMatchError", "build_areas", "match_names", "name_lookup", "normalise_name"]
