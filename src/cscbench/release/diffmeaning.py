"""What a resource's own meaning adds to its row changes: figures revised, suppressed or published
and new periods in ``observations``; codes new, removed, closed or renamed in ``areas``; ids added
or removed and metadata changed in ``indicators``. Called by :func:`cscbench.release.diff.diff_packages`
once rows are matched by primary key (``joined``: new columns, old ones suffixed ``_old``).
"""

from __future__ import annotations

import polars as pl

from cscbench.release.diffmodel import EXAMPLES, OBSERVATION_KEY, Change, examples


def observation_changes(
    old: pl.DataFrame, new: pl.DataFrame, joined: pl.DataFrame
) -> tuple[list[Change], dict[str, pl.DataFrame]]:
    """New periods per indicator, revised figures and figures that became (un)suppressed."""
    pairs = ["indicator_id", "period"]
    periods = (
        new.select(pairs)
        .unique()
        .join(old.select(pairs).unique(), on=pairs, how="anti")
        .sort(pairs)
        .group_by("indicator_id", maintain_order=True)
        .agg(pl.col("period").alias("periods"))
    )
    revisions = _revisions(joined)
    statuses = _status_changes(joined)
    spans = (
        periods.with_columns(period_span(pl.col("periods")).alias("span"))
        .group_by("span")
        .agg(pl.col("indicator_id").sort())
        .sort("span")
    )
    out = [
        Change("minor", "observations", "periods_added", span, f"{span}: {', '.join(ids)}")
        for span, ids in spans.iter_rows()
    ]
    if revisions.height:
        out.append(
            Change(
                "patch",
                "observations",
                "figures_revised",
                "",
                f"{revisions.height:,} figures revised, e.g. {_revision_examples(revisions)}",
            )
        )
    for what, rows in statuses.group_by("what", maintain_order=True):
        key = ["indicator_id", "area_code", "period"]
        out.append(
            Change(
                "patch",
                "observations",
                "status_changed",
                str(what[0]),
                f"{rows.height:,} figures {what[0]}{examples(rows, key)}",
            )
        )
    return out, {"new_periods": periods, "revisions": revisions, "status_changes": statuses}


def period_span(periods: pl.Expr) -> pl.Expr:
    """A sorted list of periods in words: ``2013 to 2025`` when they run without a gap (years or
    financial years alike, three or more), else the periods listed."""
    starts = periods.list.eval(pl.element().str.slice(0, 4).cast(pl.Int64, strict=False))
    same_form = periods.list.eval(pl.element().str.len_chars()).list.n_unique() == 1
    running = (starts.list.last() - starts.list.first()) == (periods.list.len() - 1)
    return (
        pl.when((periods.list.len() > 2) & same_form & running)
        .then(pl.concat_str(periods.list.first(), pl.lit(" to "), periods.list.last()))
        .otherwise(periods.list.join(", "))
    )


def _revisions(joined: pl.DataFrame) -> pl.DataFrame:
    old = pl.col("value_old").cast(pl.Float64, strict=False)
    new = pl.col("value").cast(pl.Float64, strict=False)
    return (
        joined.filter(old.is_not_null() & new.is_not_null() & (old != new))
        .select(
            *OBSERVATION_KEY,
            old.alias("old_value"),
            new.alias("new_value"),
            (new - old).alias("change"),
            pl.when(old != 0).then((new - old) / old.abs()).alias("relative_change"),
        )
        .sort(OBSERVATION_KEY)
    )


def _revision_examples(revisions: pl.DataFrame) -> str:
    rows = revisions.head(EXAMPLES).iter_rows(named=True)
    return "; ".join(
        f"{r['indicator_id']} {r['area_code']} {r['period']}: {r['old_value']:g} -> "
        f"{r['new_value']:g}"
        + (f" ({r['relative_change']:+.1%})" if r["relative_change"] is not None else "")
        for r in rows
    )


def _status_changes(joined: pl.DataFrame) -> pl.DataFrame:
    """A figure that became suppressed (value gone, a status given), was published after being
    suppressed, or kept its emptiness under another status symbol."""
    had, has = pl.col("value_old").is_not_null(), pl.col("value").is_not_null()
    what = (
        pl.when(had & ~has)
        .then(pl.lit("now suppressed or missing"))
        .when(~had & has)
        .then(pl.lit("now published"))
        .otherwise(pl.lit("status changed"))
    )
    return (
        joined.filter((had != has) | pl.col("status").ne_missing(pl.col("status_old")))
        .select(
            *OBSERVATION_KEY,
            what.alias("what"),
            pl.col("value_old").alias("old_value"),
            pl.col("status_old").alias("old_status"),
            pl.col("value").alias("new_value"),
            pl.col("status").alias("new_status"),
        )
        .sort("what", *OBSERVATION_KEY)
    )


# ---------------------------------------------------------------------------- areas and indicators


# What happened to an area code, in words: (one, several).
AREA_WORDS = {
    "new": ("new code", "new codes"),
    "removed": ("code removed", "codes removed"),
    "closed": ("code closed", "codes closed"),
    "renamed": ("renamed", "renamed"),
}


def area_changes(
    added: pl.DataFrame, removed: pl.DataFrame, joined: pl.DataFrame
) -> tuple[list[Change], dict[str, pl.DataFrame]]:
    """New codes, removed codes, codes closed (no longer current) and areas renamed."""
    none = pl.lit(None, pl.String)
    closed = joined.filter((pl.col("status_old") == "current") & (pl.col("status") != "current"))
    renamed = joined.filter(pl.col("name") != pl.col("name_old"))
    parts = [
        _area_rows(added, "new", none, pl.col("name")),
        _area_rows(removed, "removed", pl.col("name"), none),
        _area_rows(closed, "closed", pl.col("name_old"), pl.col("name")),
        _area_rows(renamed, "renamed", pl.col("name_old"), pl.col("name")),
    ]
    table = pl.concat(parts).sort("what", "area_code")
    out = []
    for (what,), rows in table.group_by("what", maintain_order=True):
        shown = rows.head(EXAMPLES).select(_area_words()).to_series().to_list()
        more = f" and {rows.height - len(shown)} more" if rows.height > len(shown) else ""
        words = AREA_WORDS[str(what)][rows.height > 1]
        level = "minor" if what == "new" else "patch"
        detail = f"{rows.height} {words}: {'; '.join(shown)}{more}"
        out.append(Change(level, "areas", f"area_{what}", "", detail))
    return out, {"areas": table}


def _area_rows(
    frame: pl.DataFrame, what: str, old_name: pl.Expr, new_name: pl.Expr
) -> pl.DataFrame:
    """Rows of the areas table: code, what happened, names before and after, status, successor."""
    successor = (
        "successor_code" if "successor_code" in frame.columns and what != "removed" else None
    )
    return frame.select(
        "area_code",
        pl.lit(what).alias("what"),
        old_name.alias("old_name"),
        new_name.alias("new_name"),
        "status",
        (pl.col(successor) if successor else pl.lit(None, pl.String)).alias("successor_code"),
    )


def _area_words() -> pl.Expr:
    name = pl.coalesce("new_name", "old_name")
    renamed = pl.col("area_code") + " " + pl.col("old_name") + " -> " + pl.col("new_name")
    closed = (
        pl.col("area_code")
        + " "
        + name
        + " ("
        + pl.col("status").fill_null("")
        + pl.when(pl.col("successor_code").is_not_null())
        .then(" -> " + pl.col("successor_code"))
        .otherwise(pl.lit(""))
        + ")"
    )
    return (
        pl.when(pl.col("what") == "renamed")
        .then(renamed)
        .when(pl.col("what") == "closed")
        .then(closed)
        .otherwise(pl.col("area_code") + " " + name)
    )


def indicator_changes(
    added: pl.DataFrame, removed: pl.DataFrame, cells: pl.DataFrame
) -> list[Change]:
    """Indicator ids removed (major: consumers select by id), added, and metadata changes."""
    out = [
        Change("major", "indicators", "indicator_removed", i, f"indicator {i!r} removed")
        for i in removed["indicator_id"].to_list()
    ]
    out += [
        Change("minor", "indicators", "indicator_added", i, f"indicator {i!r} added")
        for i in added["indicator_id"].to_list()
    ]
    # one change per set of fields changed together ("definition, label"), naming the indicators
    together = (
        cells.group_by("key")
        .agg(pl.col("field").sort().str.join(", ").alias("fields"))
        .group_by("fields")
        .agg(pl.col("key").sort())
        .sort("fields")
    )
    out += [
        Change("patch", "indicators", "indicator_changed", fields, f"{fields}: {', '.join(ids)}")
        for fields, ids in together.iter_rows()
    ]
    return out
